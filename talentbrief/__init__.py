"""talentbrief: a briefing bot for the US–China competition for scientific and technical talent."""

__version__ = "0.1.0"

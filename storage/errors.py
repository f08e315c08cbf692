"""Errors shared by every package (they live in the bottom layer so every package may raise them).

The CLI maps `BadInput` (and its subclasses) to exit code 2 with a one-line reason; any other
`TalentbriefError` is a runtime failure (exit 1).
"""


class TalentbriefError(Exception):
    """Base class of every error the project raises on purpose."""


class BadInput(TalentbriefError):
    """The user gave input or configuration that cannot be used; the message says what to fix."""


class ConfigError(BadInput):
    """The config file, or an environment override, is invalid."""

"""What the tagger tests share besides the `tagger` fixture (in conftest.py)."""

from __future__ import annotations

from feeds.tagging import Tagger


def topics(tagger: Tagger, title: str, summary: str = "") -> set[str]:
    """The topics the tagger gives a headline."""
    return set(tagger.tag(title, summary).tags)

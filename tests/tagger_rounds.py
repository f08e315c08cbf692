"""What the tagger rounds' tests ask of a list of headlines (tests/test_tagger_*_round.py)."""

from __future__ import annotations

from collections.abc import Iterable

from feeds.tagging import Tagger


def topics(tagger: Tagger, title: str, summary: str = "") -> set[str]:
    return set(tagger.tag(title, summary).tags)


def assert_tagged(tagger: Tagger, topic: str, titles: Iterable[str]) -> None:
    for title in titles:
        assert topic in topics(tagger, title), title


def assert_not_tagged(tagger: Tagger, topic: str, titles: Iterable[str]) -> None:
    for title in titles:
        assert topic not in topics(tagger, title), title


def assert_alerts(tagger: Tagger, titles: Iterable[str], *, alert: bool = True) -> None:
    for title in titles:
        assert tagger.tag(title).alert is alert, title

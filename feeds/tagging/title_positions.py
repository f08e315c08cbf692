"""Where terms stand in a title, for the alert's judgement (feeds/tagging/alert.py): which
comes first, whether two are in one clause, whether a word is a possessive or part of a longer
name."""

from __future__ import annotations

import re
from collections.abc import Iterable

from feeds.tagging.rules import Hits

# A quoted stretch of a title: opening marks after a space or at the start (an apostrophe inside
# a word is no quotation mark), closing marks before a space, punctuation or the end.
QUOTATION = re.compile(
    r"""(?:^|(?<=[\s(]))['‘"“](?P<quoted>[^'‘’"“”]+)['’"”](?=$|[\s,.:;!?)])"""
    r"|[「『“](?P<cjk>[^」』”]+)[」』”]"
)

# Marks after which a new clause starts: a question word there asks, wherever the action is
# ("Reverse brain drain: why PhDs choose home", 收紧…后，博士生如何抉择).
CLAUSE_MARKS = ":：,，;；—–|?？"


def same_clause(title: str, action: int, later: int) -> bool:
    """Whether `later` comes after `action` in the same clause of the title (no colon, comma …
    between them)."""
    return action < later and not any(mark in CLAUSE_MARKS for mark in title[action:later])


def earliest(hits: Hits, keys: Iterable[str]) -> int | None:
    """Where the first of `keys` found in the title starts (None if none is)."""
    starts = [start for key in keys for start in hits.get(key, ())]
    return min(starts) if starts else None


def possessive(title: str, in_title: Hits, keys: Iterable[str], start: int) -> bool:
    """Whether the term of `keys` at `start` is a possessive ("MIT's", "universities'")."""
    return any(
        start in in_title.get(key, ())
        and title[start + len(key) : start + len(key) + 1] in ("'", "’", "的")
        for key in keys
    )


def inside_longer(in_title: Hits, key: str, start: int) -> bool:
    """Whether another term found in the title covers `key` at `start` and is longer."""
    end = start + len(key)
    return any(
        len(other) > len(key) and s <= start and end <= s + len(other)
        for other, starts in in_title.items()
        for s in starts
    )


def in_title_order(hits: Hits, keys: Iterable[str]) -> list[str]:
    """`keys` by where they first occur in the title (then by name): a reason names the same
    term whatever order a set happens to hold them in."""
    return sorted(keys, key=lambda key: (min(hits[key]), key))


def quoted(title: str, start: int, end: int) -> bool:
    """Whether title[start:end] lies inside quotation marks: a name ('AI talent surge'), not
    the title's own words."""
    return any(match.start() < start and end < match.end() for match in QUOTATION.finditer(title))

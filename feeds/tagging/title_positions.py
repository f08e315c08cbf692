"""Where terms stand in a title, for the alert's judgement (feeds/tagging/alert.py): which
comes first, whether two are in one clause, whether a word is a possessive or part of a longer
name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

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
# What Chinese writes right after an action to make it the background of what follows:
# 新规实施后 (after the rule took effect), 收紧以来 (since the tightening); or to describe people
# by it: 被遣返的留学生 (the deported students: their story, not the case).
BACKGROUND_SUFFIXES = ("后", "後", "以来", "以來", "之后", "之後", "的")
# So does a span of time counted from an action that starts something, as a clause's end:
# 新规实施三个月 (three months into the rule), 上线两周 (two weeks after the launch). After other
# verbs a span is the action's measure, news itself: 续期两年 (renewed for two years).
STARTING_VERBS = (
    "实施",
    "實施",
    "施行",
    "生效",
    "上线",
    "上線",
    "落地",
    "启动",
    "啟動",
    "出台",
    "收紧",
    "收緊",
)
TIME_SINCE = re.compile(
    r"次日|[一二两兩三四五六七八九十半百\d]+(?:天|周|週|个月|個月|年|周年|週年)(?=$|[\s，,：:｜|；;])"
)
# Any of them anywhere in a title (之后 holds 后): titles without one need no closer look.
BACKGROUND_MARK = re.compile("|".join(BACKGROUND_SUFFIXES) + "|" + TIME_SINCE.pattern)


def same_clause(title: str, action: int, later: int) -> bool:
    """Whether `later` comes after `action` in the same clause of the title (no colon, comma …
    between them)."""
    return action < later and not any(mark in CLAUSE_MARKS for mark in title[action:later])


def later_clause(title: str, action: int, later: int) -> bool:
    """Whether `later` comes after `action` in a later clause of the title: a colon, comma …
    between them, or in a Chinese title a space (its usual break between two clauses)."""
    if action >= later:
        return False
    return not same_clause(title, action, later) or (" " in title[action:later] and chinese(title))


def earliest(hits: Hits, keys: Iterable[str]) -> int | None:
    """Where the first of `keys` found in the title starts (None if none is)."""
    first = None
    for key in keys:  # a loop costs less than collecting every start for min()
        starts = hits.get(key)
        if starts:
            start = min(starts)
            if first is None or start < first:
                first = start
    return first


def within(starts: list[int], low: int, high: int) -> bool:
    """Whether one of `starts` lies in low..high."""
    for start in starts:  # noqa: SIM110 - a loop costs less than any() over a generator
        if low <= start <= high:
            return True
    return False


def possessive(title: str, in_title: Hits, keys: Iterable[str], start: int) -> bool:
    """Whether the term of `keys` at `start` is a possessive ("MIT's", "universities'")."""
    return any(
        start in in_title.get(key, ())
        and title[start + len(key) : start + len(key) + 1] in ("'", "’", "的")
        for key in keys
    )


def inside_longer(in_title: Hits, key: str, start: int) -> bool:
    """Whether another term found in the title covers `key` at `start` and is longer."""
    length = len(key)
    end = start + length
    for other, starts in in_title.items():  # a loop costs less than any() over a generator
        if len(other) > length:
            for s in starts:
                if s <= start and end <= s + len(other):
                    return True
    return False


def in_title_order(hits: Hits, keys: Iterable[str]) -> list[str]:
    """`keys` by where they first occur in the title (then by name): a reason names the same
    term whatever order a set happens to hold them in."""
    return sorted(keys, key=lambda key: (min(hits[key]), key))


def quotations_around(title: str, start: int, end: int) -> Iterator[str]:
    """The text of each quotation in the title that encloses title[start:end]."""
    if title.isascii() and title.count("'") + title.count('"') < 2:
        # A quotation needs an opening and a closing mark, and an English title has no marks
        # but these two: a lone apostrophe ("researchers' visas") needs no search.
        return
    for match in QUOTATION.finditer(title):
        if match.start() < start and end < match.end():
            yield match.group("quoted") or match.group("cjk") or ""


def quoted(title: str, start: int, end: int) -> bool:
    """Whether title[start:end] lies inside quotation marks: a name ('AI talent surge'), not
    the title's own words."""
    return next(quotations_around(title, start, end), None) is not None


CJK = re.compile("[\u4e00-\u9fff]")


def chinese(title: str) -> bool:
    """Whether the title is written in Chinese (has a CJK ideograph)."""
    return CJK.search(title) is not None


# An action with its object, then 后 closing the clause: 澳洲取消投资者签证后 (after Australia
# scrapped the visa) is background for what follows the break.
OBJECT_THEN_AFTER = re.compile(
    r"[^\s:：,，;；—–|?？！!]{1,10}?(?:之后|之後|后|後)(?=$|[\s，,：:；;|])"
)


def background(title: str, end: int) -> bool:
    """Whether the action ending at `end` is followed by 后, 以来 or a span of time since it,
    right away or after its object at the clause's end: background, not news."""
    if title.startswith(BACKGROUND_SUFFIXES, end):
        return True
    if OBJECT_THEN_AFTER.match(title, end) is not None:
        return True
    return title.endswith(STARTING_VERBS, 0, end) and TIME_SINCE.match(title, end) is not None


def described(title: str, start: int, end: int) -> bool:
    """Whether the action at title[start:end] is passive (被 just before it) and ends, with its
    object, in 的 within the clause: it describes who it happened to (被列入实体清单的研究院,
    the institute that was listed), it does not report the listing."""
    if "被" not in title[max(0, start - 2) : start]:
        return False
    mark = title.find("的", end, end + 12)
    return mark >= 0 and not any(c in CLAUSE_MARKS or c.isspace() for c in title[end:mark])


def inside(hits: Hits, key: str, longer: frozenset[str]) -> bool:
    """Whether every occurrence of `key` in one text lies inside a longer term of `longer`
    found there ("president" in "its president", "administration" in "district
    administrations"): True when `key` does not occur in it at all."""
    spans = [
        (s, s + len(other))
        for other in longer.intersection(hits)
        if len(other) > len(key)
        for s in hits[other]
    ]
    return all(
        any(low <= start and start + len(key) <= high for low, high in spans)
        for start in hits.get(key, ())
    )


def in_names(title: str, in_title: Hits, actions: Iterable[str]) -> set[str]:
    """Of `actions`, those found in the title, each time capitalised after its start and
    inside a longer term found there: part of a name ("Singapore's ONE Pass"), not a verb (nor
    is the same word in the summary: "applications for the pass")."""
    named = set()
    for key in actions:
        starts = in_title.get(key)
        if starts is None:
            continue
        for start in starts:  # a loop costs less than all() over a generator
            if not (start > 0 and title[start].isupper() and inside_longer(in_title, key, start)):
                break
        else:
            named.add(key)
    return named


# Words that make a quotation someone's own remark: "'We won't poach, we will offer'".
FIRST_PERSON = re.compile(r"\b(?:we|i|our|us|my|me)\b|我", re.IGNORECASE)


def in_remark(title: str, start: int, end: int) -> bool:
    """Whether title[start:end] lies inside a quotation told in the first person: a remark,
    not the title's own report."""
    return any(
        FIRST_PERSON.search(quotation) is not None
        for quotation in quotations_around(title, start, end)
    )

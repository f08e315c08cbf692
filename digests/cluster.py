"""Near-duplicate clustering: the same story from several outlets becomes one entry.

Storage already merges items that share a canonical URL. This groups *different* items whose
titles (or, for syndicated copy, summaries) are near-duplicates and that were published within
72 hours of each other. Similarity is rapidfuzz's; the work is kept small by blocking: each
item is compared only with items that share two of its rarest words (of the title, or of the
summary), so 5,000 items cost a few thousand comparisons instead of twelve million. Linked pairs
are merged with union-find.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import combinations

from rapidfuzz import fuzz

from storage.types import StoredItem

WINDOW = timedelta(hours=72)
TITLE_SORT_THRESHOLD = 80.0  # same words, about the same order
TITLE_SET_THRESHOLD = 92.0  # one title's words contained in the other's ...
MIN_SET_TOKENS = 4  # ... when the shorter one has at least this many words
SUMMARY_THRESHOLD = 90.0
MIN_SUMMARY_CHARS = 100
BLOCK_KEYS = 3  # rarest title words per item used for blocking (and 2 summary words)
MAX_BLOCK = 60  # a "rare" word shared by more items than this is not a useful block

_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# "Headline - Outlet" / "Headline | Outlet", as aggregators write them.
_OUTLET_SUFFIX = re.compile(r"\s[-–—|]\s[^-–—|]{1,40}$")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "new",
        "of",
        "on",
        "or",
        "over",
        "says",
        "than",
        "that",
        "the",
        "their",
        "this",
        "to",
        "under",
        "up",
        "was",
        "were",
        "will",
        "with",
        "after",
        "about",
        "amid",
    ]
)


@dataclass(frozen=True, slots=True)
class Cluster:
    """Items telling one story; the representative comes first."""

    items: tuple[StoredItem, ...]

    @property
    def representative(self) -> StoredItem:
        return self.items[0]

    @property
    def also(self) -> tuple[str, ...]:
        """Every other outlet that carried the story, in the order they carried it."""
        primary = self.representative.source
        seen: list[str] = []
        for item in self.items:
            for name in (item.source, *item.sources):
                if name and name != primary and name not in seen:
                    seen.append(name)
        return tuple(seen)


@dataclass(slots=True)
class _Prepared:
    item: StoredItem
    title: str
    title_tokens: list[str]
    summary: str
    summary_tokens: list[str]


def _tokens(text: str) -> list[str]:
    text = (text if text.isascii() else unicodedata.normalize("NFKC", text)).casefold()
    words = _WORD.findall(text)
    if not _CJK.search(text):
        return [word for word in words if len(word) > 1 and word not in _STOPWORDS]
    tokens: list[str] = []
    for word in words:
        if _CJK.search(word):
            # CJK has no spaces: character bigrams stand in for words.
            tokens.extend(word[i : i + 2] for i in range(max(1, len(word) - 1)))
        elif len(word) > 1 and word not in _STOPWORDS:
            tokens.append(word)
    return tokens


def _prepare(item: StoredItem) -> _Prepared:
    title_tokens = _tokens(_OUTLET_SUFFIX.sub("", item.title))
    # Syndicated copies share their opening: the first 300 characters are enough to tell.
    summary_tokens = _tokens(item.summary[:300]) if len(item.summary) >= MIN_SUMMARY_CHARS else []
    return _Prepared(
        item=item,
        title=" ".join(title_tokens),
        title_tokens=title_tokens,
        summary=" ".join(summary_tokens),
        summary_tokens=summary_tokens,
    )


def _same_story(a: _Prepared, b: _Prepared) -> bool:
    if abs(a.item.published_at - b.item.published_at) > WINDOW:
        return False
    if a.title and b.title:
        if fuzz.token_sort_ratio(a.title, b.title, score_cutoff=TITLE_SORT_THRESHOLD):
            return True
        if min(len(set(a.title_tokens)), len(set(b.title_tokens))) >= MIN_SET_TOKENS and (
            fuzz.token_set_ratio(a.title, b.title, score_cutoff=TITLE_SET_THRESHOLD)
        ):
            return True
    return bool(
        a.summary and b.summary and fuzz.ratio(a.summary, b.summary, score_cutoff=SUMMARY_THRESHOLD)
    )


def _rarest(tokens: list[str], frequency: Counter[str], count: int) -> list[str]:
    # Two C-level sorts (alphabetical, then stable by frequency) instead of a Python key.
    return sorted(sorted(set(tokens)), key=frequency.__getitem__)[:count]


def _candidate_pairs(prepared: Sequence[_Prepared]) -> list[tuple[int, int]]:
    """Pairs of items worth comparing: they share at least two of their rarest words (or one,
    when an item has only one), within blocks small enough to mean something.

    Items are blocked by *pairs* of their rare words, so two items sharing two rare words meet
    in one small block, without counting co-occurrences over large single-word blocks.
    """
    title_df: Counter[str] = Counter()
    summary_df: Counter[str] = Counter()
    for entry in prepared:
        title_df.update(set(entry.title_tokens))
        summary_df.update(set(entry.summary_tokens))
    singles: defaultdict[str, list[int]] = defaultdict(list)
    doubles: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    few_keys: list[bool] = []
    for index, entry in enumerate(prepared):
        title_keys = _rarest(entry.title_tokens, title_df, BLOCK_KEYS)
        summary_keys = ["\x00" + t for t in _rarest(entry.summary_tokens, summary_df, 2)]
        # Titles meet titles and summaries meet summaries.
        for keys in (title_keys, summary_keys):
            for key in keys:
                singles[key].append(index)
            for double in combinations(keys, 2):
                doubles[double].append(index)
        few_keys.append(len(title_keys) < 2 and len(summary_keys) < 2)
    pairs: set[tuple[int, int]] = set()
    for members in doubles.values():
        if 1 < len(members) <= MAX_BLOCK:
            pairs.update(combinations(members, 2))
    for members in singles.values():
        if 1 < len(members) <= MAX_BLOCK:
            for lone in (m for m in members if few_keys[m]):
                pairs.update((min(lone, m), max(lone, m)) for m in members if m != lone)
    # Titles with the same words (in any order) are always compared, however common the words.
    same_words: defaultdict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, entry in enumerate(prepared):
        if entry.title_tokens:
            same_words[tuple(sorted(set(entry.title_tokens)))].append(index)
    for members in same_words.values():
        pairs.update(combinations(members, 2))
    return sorted(pairs)


def _find(parent: list[int], index: int) -> int:
    while parent[index] != index:
        parent[index] = parent[parent[index]]
        index = parent[index]
    return index


def _representative_order(item: StoredItem) -> tuple[bool, int, bool, float, int]:
    # The alert version first, then the most authoritative outlet, then one with a summary to
    # show, then the earliest report.
    return (
        not item.alert,
        -item.source_priority,
        not item.summary,
        item.published_at.timestamp(),
        item.id,
    )


def cluster_items(items: Sequence[StoredItem]) -> list[Cluster]:
    """Group near-duplicate items; clusters come in the order of their first item."""
    prepared = [_prepare(item) for item in items]
    parent = list(range(len(prepared)))
    for first, second in _candidate_pairs(prepared):
        root_a, root_b = _find(parent, first), _find(parent, second)
        if root_a != root_b and _same_story(prepared[first], prepared[second]):
            parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[int, list[StoredItem]] = {}
    for index, entry in enumerate(prepared):
        groups.setdefault(_find(parent, index), []).append(entry.item)
    return [
        Cluster(items=tuple(sorted(group, key=_representative_order))) for group in groups.values()
    ]

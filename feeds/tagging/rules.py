"""Compiled term matching: every term of the taxonomy found in a text in one cheap pass.

Latin-script terms are split into words and stored in a trie keyed by word, so finding all of
them costs one dictionary lookup per word of the text (plus a short walk where a term starts):
whole words by construction, every term that starts at a word found, overlapping ones included
("student visa" and "visa"). A word may carry a plural ending ("visas" finds "visa"). Terms
whose letters are all capitals are looked up case-sensitively in a second trie (OPT, not "opt").

Chinese has no spaces between words, so Chinese terms go into a trie keyed by character, walked
from every character that starts a term, only for texts containing Chinese. (One regular
expression of all the terms was slower: at each position the engine tries its thousand first
characters one by one.) They are expanded into their simplified and traditional forms here, at
load time, so texts are never converted while tagging.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, KeysView
from functools import cache
from itertools import accumulate, compress, count, product
from pathlib import Path
from typing import Any

import opencc

from feeds.tagging.taxonomy import is_exact, term_key

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9]+")
_WORDS_AND_GAPS = re.compile(r"([A-Za-z0-9]+)")
_END = ""  # the trie key under which a node stores the term that ends there
# opencc configurations whose output forms we also match; Taiwan writes 計畫 where the mainland
# and Hong Kong write 計劃, which no character-level conversion produces. s2twp and tw2sp also
# convert Taiwan's own words: 人工智能 is 人工智慧 there, 硅谷 矽谷, 芯片 晶片.
_OPENCC_CONFIGS = ("s2t", "s2tw", "s2twp", "s2hk", "t2s", "tw2s", "tw2sp", "hk2s")
_EXTRA_FORMS = (("計劃", "計畫"), ("计划", "计画"))

Hits = dict[str, list[int]]  # term key -> start positions in one text


@cache
def _converter(config: str) -> Any:
    return opencc.OpenCC(config)


def chinese_forms(term: str) -> set[str]:
    """The term in simplified and traditional characters (mainland, Taiwan, Hong Kong).

    opencc converts by phrase and picks one traditional character where a simplified one has
    several: 拒签 becomes 拒籤, but Taiwan and Hong Kong write 拒簽. Each of a character's
    traditional forms is therefore matched too (`_traditional_variants`)."""
    forms = {term}
    for config in _OPENCC_CONFIGS:
        forms.add(_converter(config).convert(term))
    forms |= _traditional_variants(_converter("t2s").convert(term))
    for a, b in _EXTRA_FORMS:
        forms |= {form.replace(a, b) for form in forms if a in form}
    return forms


_MAX_VARIANTS = 16  # a term with more combinations keeps opencc's forms and one-character swaps


def _traditional_variants(simplified: str) -> set[str]:
    """The term with each of its characters in every traditional form opencc's character table
    lists (签 → 籤 and 簽): all combinations for short terms, else one character at a time."""
    table = _simplified_to_traditional()
    choices = [table.get(char, (char,)) for char in simplified]
    total = 1
    for options in choices:
        total *= len(options)
    if total <= _MAX_VARIANTS:
        return {"".join(combination) for combination in product(*choices)}
    first = "".join(options[0] for options in choices)
    return {
        first[:index] + option + first[index + 1 :]
        for index, options in enumerate(choices)
        for option in options
    }


@cache
def _simplified_to_traditional() -> dict[str, tuple[str, ...]]:
    """opencc's STCharacters table: each simplified character and its traditional forms."""
    path = Path(opencc.__file__).parent / "dictionary" / "STCharacters.txt"
    table: dict[str, tuple[str, ...]] = {}
    for line in path.read_text("utf-8").splitlines():
        simplified, _, traditional = line.partition("\t")
        if len(simplified) == 1 and traditional:
            table[simplified] = tuple(traditional.split())
    return table


def _singulars(word: str) -> tuple[str, ...]:
    """What a word may be the plural of: visas → visa, fees → fee, universities → university."""
    if len(word) < 3:  # "US" is not the plural of "U"
        return ()
    if word.endswith("ies"):
        return (word[:-3] + "y", word[:-1])
    if word.endswith("es"):
        return (word[:-1], word[:-2])
    if word.endswith(("s", "S")):
        return (word[:-1],)
    return ()


def _plurals(word: str) -> tuple[str, ...]:
    """The plural spellings a term's last word may take in a text."""
    if len(word) < 2 or not word[-1].isalpha():
        return ()
    forms = [word + "s", word + "es"]
    if word.endswith("y") and len(word) > 2:
        forms.append(word[:-1] + "ies")
    return tuple(forms)


# A trie made ready for scanning (`_steps`): each word or character leads to a step, (what
# ends there, the steps onward or None where nothing longer goes on), so a walk costs one
# lookup per word and stops where the terms do, with no end marker to look up.
_WordStep = tuple[str | None, "dict[str, _WordStep] | None"]  # a term's key ends there
_CharStep = tuple[tuple[str, ...] | None, "dict[str, _CharStep] | None"]  # keys reported
_PAST_END = ""  # put after the last word or character: no step matches it (none is empty)


class _WordTrie:
    """Terms as sequences of words; `scan` reports every term starting at every word.

    The plural spellings of a term's last word are stored as extra ends of the same term, so a
    scan is nothing but dictionary lookups.
    """

    def __init__(self) -> None:
        self.root: dict[str, Any] = {}  # as terms are added (`freeze` makes the steps)
        self._first: dict[str, _WordStep] = {}
        self.starts: KeysView[str] = self._first.keys()  # the words a term starts with

    def add(self, words: tuple[str, ...], key: str) -> str:
        """Store a term; returns the key already stored for the same words, if any."""
        node = self.root
        for word in words[:-1]:
            node = node.setdefault(word, {})
        stored: str = node.setdefault(words[-1], {}).setdefault(_END, key)
        for plural in _plurals(words[-1]):
            node.setdefault(plural, {}).setdefault(_END, stored)
        return stored

    def contains(self, words: tuple[str, ...]) -> str | None:
        node: dict[str, Any] | None = self.root
        for word in words:
            node = node.get(word) if node is not None else None
        found: str | None = node.get(_END) if node is not None else None
        return found

    def freeze(self) -> None:
        """Ready the trie for scanning, once every term is in: each first word maps to the
        term it is alone (or None) and the steps onward if longer terms start with it (or
        None), so the many single-word terms cost no walk."""
        self._first = _steps(_afresh(self.root))
        self.starts = self._first.keys()

    def scan(self, words: list[str], starts: list[int], hits: Hits) -> None:
        # Any: compress drops the Nones, which the type of the list cannot say.
        steps: list[Any] = list(map(self._first.get, words))
        words.append(_PAST_END)  # a walk then needs no check for the end of the text
        # Most words start no term: compress skips them without a Python-level step. Each
        # start comes with its position and the number of the word its walk goes on to.
        for after, start, first in compress(zip(count(1), starts, steps), steps):
            key, onward = first
            if key is not None:
                if key in hits:  # rare: a method call each time costs more than this test
                    hits[key].append(start)
                else:
                    hits[key] = [start]
            following = after
            while onward is not None:
                step = onward.get(words[following])
                if step is None:
                    break
                key, onward = step
                if key is not None:
                    if key in hits:
                        hits[key].append(start)
                    else:
                        hits[key] = [start]
                following += 1
        words.pop()


def _afresh(node: dict[str, Any]) -> dict[str, Any]:
    """A trie copied node by node, each word or character a new string, once loading is done:
    the copy lies in few pages, each node near its children, where the original is scattered
    among the objects loading made and freed (opencc's tables among them). Scans then spend
    less time waiting on memory; what is stored at the ends is kept as it is."""
    copy: dict[str, Any] = {}
    for word, child in node.items():
        if word == _END:
            copy[word] = child
        else:
            copy[word.encode("utf-8").decode("utf-8")] = _afresh(child)
    return copy


def _steps(node: dict[str, Any], leaves: dict[Any, Any] | None = None) -> dict[str, Any]:
    """A trie's node (`_END` marking what ends there) as the steps a scan takes from it. The
    steps that end a walk are shared (`leaves`: what ends there -> its step): a plural and its
    singular, say, so loading makes a third as many objects for the collector to track."""
    if leaves is None:
        leaves = {}
    steps: dict[str, Any] = {}
    for word, child in node.items():
        if word == _END:
            continue
        ending = child.get(_END)
        if len(child) > (_END in child):
            steps[word] = (ending, _steps(child, leaves))
        else:
            steps[word] = leaves.setdefault(ending, (ending, None))
    return steps


def _scan_chinese(root: dict[str, _CharStep], text: str, hits: Hits) -> None:
    """At every character, the longest form starting there reports its key and the keys of the
    forms that are its prefixes (人才 within 人才引进), so terms overlapping it are found too
    (引进 inside 人才引进政策)."""
    chars = list(text)  # each character made and hashed once, for the start and the walk
    # Any: compress drops the Nones, which the type of the list cannot say.
    steps: list[Any] = list(map(root.get, chars))
    chars.append(_PAST_END)  # a walk then needs no check for the end of the text
    for index, first in compress(enumerate(steps), steps):
        keys, onward = first
        following = index + 1
        while onward is not None:
            step = onward.get(chars[following])
            if step is None:
                break
            ending, onward = step
            if ending is not None:
                keys = ending
            following += 1
        if keys is not None:
            for key in keys:
                if key in hits:
                    hits[key].append(index)
                else:
                    hits[key] = [index]


class TermMatcher:
    """Finds which of a fixed set of terms occur in a text.

    `find` returns term keys (`taxonomy.term_key`, then `canonical`) with where they start;
    `display` gives a term as written in the taxonomy.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self._display: dict[str, str] = {}
        self._alias: dict[str, str] = {}
        self._folded = _WordTrie()  # matched on lower-cased words
        self._exact = _WordTrie()  # matched as written
        chinese: dict[str, str] = {}  # any form of a Chinese term -> key
        latin: list[tuple[str, tuple[str, ...], bool]] = []
        for term in terms:
            # Interned: the tagger's tables then hold the very objects the scans report, and
            # their lookups compare pointers, not characters.
            key = sys.intern(term_key(term))
            if key in self._display:
                continue
            self._display[key] = term
            if _CJK.search(term):
                for form in chinese_forms(key):
                    chinese.setdefault(form, key)
                continue
            exact = is_exact(key)
            words = tuple(_WORD.findall(key if exact else key.lower()))
            if not words:
                continue
            latin.append((key, words, exact))
        # opencc's dictionaries (about 34 MB) are needed only while the terms are compiled.
        _converter.cache_clear()
        _simplified_to_traditional.cache_clear()
        for key, words, exact in latin:
            stored = (self._exact if exact else self._folded).add(words, key)
            if stored != key:  # "U.S." and "U S": one term
                self._alias[key] = stored
        # A plural listed beside its singular ("visas", "visa") is the same term: report it
        # once, or the two spellings would count as two pieces of evidence.
        for key, words, exact in latin:
            trie = self._exact if exact else self._folded
            for singular in _singulars(words[-1]):
                base = trie.contains((*words[:-1], singular))
                if base is not None and base != key:
                    self._alias[key] = base
                    break
        self._fold_aliases(self._folded.root)
        self._fold_aliases(self._exact.root)
        self._folded.freeze()
        self._exact.freeze()
        self._chinese: dict[str, _CharStep] = _steps(
            _afresh(self._char_trie(self._with_prefixes(chinese)))
        )

    def _fold_aliases(self, node: dict[str, Any]) -> None:
        for word, child in node.items():
            if word == _END:
                continue
            if _END in child:
                child[_END] = self._alias.get(child[_END], child[_END])
            self._fold_aliases(child)

    @staticmethod
    def _with_prefixes(table: dict[str, str]) -> dict[str, tuple[str, ...]]:
        """Map each Chinese form to its key plus the keys of terms that are its prefixes.

        The scan reports the longest term starting at a position; shorter ones starting at
        the same position (人才 within 人才引进) come from here.
        """
        result: dict[str, tuple[str, ...]] = {}
        for text, key in table.items():
            keys = [key]
            for end in range(1, len(text)):
                prefix = table.get(text[:end])
                if prefix is not None and prefix not in keys:
                    keys.append(prefix)
            result[text] = tuple(keys)
        return result

    @staticmethod
    def _char_trie(lookup: dict[str, tuple[str, ...]]) -> dict[str, Any]:
        """Chinese forms by character; where a form ends, the keys it reports."""
        root: dict[str, Any] = {}
        for text, keys in lookup.items():
            node = root
            for char in text:
                node = node.setdefault(char, {})
            node[_END] = keys
        return root

    def find(self, text: str) -> Hits:
        """Each term key found in `text` → the positions where it starts."""
        return self.find_words(text)[0]

    def find_words(self, text: str) -> tuple[Hits, list[str]]:
        """`find`, and the words the scan read: every run of ASCII letters and digits in the
        text, lower-cased, in order (the learned second opinion reads them too)."""
        hits: Hits = {}
        # Words and separators alternate; the running sum of their lengths gives each word's
        # start without a Python-level step per word.
        parts = _WORDS_AND_GAPS.split(text)
        words = parts[1::2]
        folded = words
        if words:
            starts = list(accumulate(map(len, parts)))[0::2]
            if not self._exact.starts.isdisjoint(words):  # most texts have no capitals term
                self._exact.scan(words, starts, hits)
            # The words are ASCII letters and digits: lower-case them all in one call.
            folded = " ".join(words).lower().split(" ")
            self._folded.scan(folded, starts, hits)
        if self._chinese and not text.isascii() and _CJK.search(text):
            _scan_chinese(self._chinese, text.lower(), hits)
        return hits, folded

    def canonical(self, key: str) -> str:
        """The key a term is reported under ("visas" is reported as "visa"), as the very
        string object the scans report."""
        return self._alias.get(key) or sys.intern(key)

    def display(self, key: str) -> str:
        return self._display.get(key, key)

    def term_keys(self) -> Iterable[str]:
        """Every term key the matcher can report."""
        return self._display.keys()

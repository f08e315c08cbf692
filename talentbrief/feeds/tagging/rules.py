"""Compiled term matching: every term of the taxonomy found in a text in two regex passes.

Terms are compiled once into tries rendered as regular expressions (common prefixes shared, so a
thousand terms cost little more than a few), one case-insensitive pass over the lower-cased text
and one case-sensitive pass for terms written in capitals. Each pass is a lookahead at every
position, so overlapping terms are all found ("student visa" and "visa"); terms that are a
prefix of a longer match ("student" in "student visa") are added from a table built at load time.

Chinese terms are expanded into their simplified and traditional forms here, at load time, so
texts are never converted while tagging.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from talentbrief.feeds.tagging.taxonomy import is_exact, term_key

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# The separator inside a multi-word term: a space or a hyphen in the text.
_SEP = r"[ \-]"
# Typographic variants folded before matching, so "H‑1B" (non-breaking hyphen) is "H-1B".
_FOLD = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": " ",
        "\u2212": "-",
        "\u2019": "'",
        "\u2018": "'",
        "\u00a0": " ",
        "\u3000": " ",
    }
)
# opencc configurations whose output forms we also match; Taiwan writes 計畫 where the mainland
# and Hong Kong write 計劃, which no character-level conversion produces.
_OPENCC_CONFIGS = ("s2t", "s2tw", "s2hk", "t2s", "tw2s", "hk2s")
_EXTRA_FORMS = (("計劃", "計畫"), ("计划", "计画"))


@lru_cache(maxsize=None)
def _converter(config: str) -> Any:
    import opencc  # imported lazily: only taxonomies with Chinese terms need it

    return opencc.OpenCC(config)


def chinese_forms(term: str) -> set[str]:
    """The term in simplified and traditional characters (mainland, Taiwan, Hong Kong)."""
    forms = {term}
    for config in _OPENCC_CONFIGS:
        forms.add(_converter(config).convert(term))
    for a, b in _EXTRA_FORMS:
        forms |= {form.replace(a, b) for form in forms if a in form}
    return forms


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation for many literal words, sharing their prefixes, longest first."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        branches = [
            (_SEP if char == " " else re.escape(char)) + render(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a word ends here: try the longer continuation first, then stop
            return f"(?:{body})?" if len(branches) == 1 else body + "?"
        return body

    return render(trie)


def _normalise_match(text: str) -> str:
    return " ".join(text.replace("-", " ").split())


class TermMatcher:
    """Finds which of a fixed set of terms occur in a text.

    `find` returns term keys (`taxonomy.term_key`); `display` gives the term as written.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self._display: dict[str, str] = {}
        folded: dict[str, str] = {}  # lower-cased matched text -> key
        exact: dict[str, str] = {}  # case-sensitive matched text -> key
        chinese: dict[str, str] = {}  # any form of a Chinese term -> key
        for term in terms:
            key = term_key(term)
            self._display.setdefault(key, term)
            if _CJK.search(term):
                for form in chinese_forms(key):
                    chinese.setdefault(form, key)
            elif is_exact(key):
                exact.setdefault(key, key)
            else:
                folded.setdefault(key, key)
        # The regex already allows a plural ending, so "visas" listed beside "visa" is the same
        # term: report it once, or two spellings would count as two pieces of evidence.
        self._alias: dict[str, str] = {}
        for key in folded:
            for ending in ("'s", "es", "s"):
                if key.endswith(ending) and key[: -len(ending)] in folded:
                    self._alias[key] = key[: -len(ending)]
                    break
        for key, base in self._alias.items():
            folded[key] = base
        self._lookup_folded = self._with_prefixes(folded, word_boundary=True)
        self._lookup_exact = self._with_prefixes(exact, word_boundary=True)
        self._lookup_chinese = self._with_prefixes(chinese, word_boundary=False)
        branches = []
        if folded:
            branches.append(rf"(?<![a-z0-9])({_trie_pattern(folded)})(?:'s|es|s)?(?![a-z0-9])")
        if chinese:
            branches.append(f"({_trie_pattern(chinese)})")
        self._folded = re.compile(f"(?=(?:{'|'.join(branches)}))") if branches else None
        self._exact = (
            re.compile(
                rf"(?=(?<![A-Za-z0-9])({_trie_pattern(exact)})(?:'s|s)?(?![A-Za-z0-9]))"
            )
            if exact
            else None
        )

    @staticmethod
    def _with_prefixes(table: dict[str, str], *, word_boundary: bool) -> dict[str, tuple[str, ...]]:
        """Map each matchable text to its key plus the keys of terms that are its prefixes.

        The regex reports the longest term starting at a position; shorter terms starting at
        the same position ("student" within "student visa") come from here.
        """
        result: dict[str, tuple[str, ...]] = {}
        for text, key in table.items():
            keys = [key]
            for end in range(1, len(text)):
                if word_boundary and text[end].isalnum() and text[end - 1].isalnum():
                    continue
                prefix = text[:end].rstrip()
                if prefix in table and table[prefix] not in keys:
                    keys.append(table[prefix])
            result[text] = tuple(keys)
        return result

    @staticmethod
    def prepare(text: str) -> str:
        """Fold typographic variants and runs of whitespace (done once per text)."""
        return " ".join(text.translate(_FOLD).split())

    def find(self, text: str) -> dict[str, list[int]]:
        """Each term key found in `text` (already `prepare`d) → where it starts."""
        found: dict[str, list[int]] = {}
        if self._folded is not None:
            for match in self._folded.finditer(text.lower()):
                latin, chinese = match.groups()
                if latin is not None:
                    keys = self._lookup_folded.get(_normalise_match(latin), ())
                else:
                    keys = self._lookup_chinese.get(chinese, ())
                start = match.start()
                for key in keys:
                    found.setdefault(key, []).append(start)
        if self._exact is not None:
            for match in self._exact.finditer(text):
                start = match.start()
                for key in self._lookup_exact.get(_normalise_match(match.group(1)), ()):
                    found.setdefault(key, []).append(start)
        return found

    def canonical(self, key: str) -> str:
        """The key a term is reported under: a listed plural ("visas") folds into "visa"."""
        return self._alias.get(key, key)

    def display(self, key: str) -> str:
        return self._display.get(key, key)

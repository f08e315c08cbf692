"""The field's vocabulary for event matching, compiled from lexicon.toml once per process.

English forms are matched on word tokens (the same `TOKEN` pattern reads forms and texts), so
a telling's words are looked up in dictionaries rather than scanned with a large pattern:

- a one-word form written in capitals (USCIS, ICE, OPT, H-1B) matches only that spelling;
- another one-word form matches in any case, plural or not;
- a form of several words is found through its first two words, then checked word by word.

Chinese forms are written in simplified characters and matched on the text after traditional
characters are mapped to simplified ones, with one pattern whose alternatives share their
prefixes (a character trie), the longest form first.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from storage.text_tools import literal_alternation, traditional_to_simplified

LEXICON = Path(__file__).with_name("lexicon.toml")

# Words (letters and digits, joined by - ' & / inside: H-1B, one-time, A&M, D/S) and numbers.
# The repeats are possessive: a run of letters never needs giving back (what may follow it is
# not a letter), and saying so spares the engine its backtracking records (≈ 12 % faster).
TOKEN = re.compile(r"[A-Za-z0-9]++(?:[-'&/][A-Za-z0-9]++)*+")
# ASCII text without a joining mark has no token but the maximal runs of letters and digits:
# every other byte made a space, `split` finds them at C speed (a regex match per token
# costs an allocation of the matcher's stack). A joining mark becomes a NUL, to be seen.
_SPACED = bytes(
    c if chr(c).isalnum() and c < 128 else 0 if chr(c) in "-'&/" else 32 for c in range(256)
)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CAPS_FORM = re.compile(r"[A-Z0-9]+(?:[-&/][A-Z0-9]+)*")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


_ABBREVIATIONS = (("U.S.", "US"), ("U.K.", "UK"), ("E.U.", "EU"), ("U.N.", "UN"), ("D.C.", "DC"))


def word_tokens(text: str) -> list[str]:
    """`TOKEN.findall(text)`, faster for ASCII text without a joining mark (most text)."""
    if text.isascii():
        spaced = text.encode().translate(_SPACED)
        if 0 not in spaced:
            return spaced.decode().split()
    return TOKEN.findall(text)


def normalize_latin(text: str) -> str:
    """Straight quotes, no possessive 's, dotted abbreviations closed up: "U.S.'s" → "US"."""
    if not text.isascii():
        text = text.translate(_QUOTES)
    if "'" in text:
        text = text.replace("'s", "")
    if "." in text and (
        ".S." in text or ".K." in text or ".U." in text or ".N." in text or ".C." in text
    ):
        for dotted, closed in _ABBREVIATIONS:
            text = text.replace(dotted, closed)
    return text


def plural_variants(word: str) -> tuple[str, ...]:
    if word.endswith("y") and len(word) > 3 and word[-2] not in "aeiou":
        return (word, word[:-1] + "ies")
    return (word, word + "s", word + "es")


def singular_variants(word: str) -> tuple[str, ...]:
    if word.endswith("ies") and len(word) > 4:
        return (word[:-3] + "y",)
    if word.endswith("es") and len(word) > 4:
        return (word[:-2], word[:-1])
    if word.endswith("s") and len(word) > 3 and not word.endswith("ss"):
        return (word[:-1],)
    return ()


@dataclass(frozen=True, slots=True)
class FormMatcher:
    """The forms of several names (concepts, or stages) in English and Chinese."""

    caps: Mapping[str, str]  # one-word form in capitals -> name
    words: Mapping[str, str]  # one-word form, lower case, with its plurals -> name
    phrases: Mapping[tuple[str, str], tuple[tuple[tuple[str, ...], str], ...]]
    han: re.Pattern[str] | None  # Chinese forms, on simplified text
    han_names: Mapping[str, str]
    # The keys again as sets: `set & frozenset` iterates the smaller side, at C speed.
    caps_keys: frozenset[str]
    word_keys: frozenset[str]
    phrase_keys: frozenset[tuple[str, str]]
    phrase_starts: frozenset[str]  # first words of the several-word forms

    def in_tokens(self, tokens: list[str], lower: list[str]) -> list[tuple[str, str]]:
        """(name, matched words) for every form among a text's tokens."""
        found = [(self.caps[t], t) for t in set(tokens) & self.caps_keys]
        found += [(self.words[t], t) for t in set(lower) & self.word_keys]
        starts = set(pairwise(lower)) & self.phrase_keys
        for start in starts:
            for position in range(len(lower) - 1):
                if (lower[position], lower[position + 1]) != start:
                    continue
                for words, name in self.phrases[start]:  # longest first
                    if tuple(lower[position : position + len(words)]) == words:
                        found.append((name, " ".join(tokens[position : position + len(words)])))
                        break
        return found

    def in_lower_tokens(self, lower: list[str]) -> list[tuple[str, str]]:
        """(name, matched words) for the lower-case forms among lower-cased tokens."""
        found = [(self.words[t], t) for t in set(lower) & self.word_keys]
        if self.phrase_starts.isdisjoint(lower):
            return found  # no several-word form can start here (most texts)
        for start in set(pairwise(lower)) & self.phrase_keys:
            for position in range(len(lower) - 1):
                if (lower[position], lower[position + 1]) != start:
                    continue
                for words, name in self.phrases[start]:  # longest first
                    if tuple(lower[position : position + len(words)]) == words:
                        found.append((name, " ".join(words)))
                        break
        return found

    def in_han(self, simplified: str) -> list[tuple[str, str, tuple[int, int]]]:
        """(name, matched text, span) for every Chinese form in a simplified text."""
        if self.han is None:
            return []
        return [(self.han_names[m[0]], m[0], m.span()) for m in self.han.finditer(simplified)]


def _form_matcher(forms_by_name: Mapping[str, Iterable[str]]) -> FormMatcher:
    to_simplified = traditional_to_simplified()
    caps: dict[str, str] = {}
    words: dict[str, str] = {}
    phrases: dict[tuple[str, str], list[tuple[tuple[str, ...], str]]] = {}
    han: dict[str, str] = {}
    for name, forms in forms_by_name.items():
        for form in forms:
            if _HAN.search(form):
                han.setdefault(form.translate(to_simplified), name)
                continue
            if form.startswith("="):  # this spelling only: "=Temple" is not a temple
                caps.setdefault(form[1:], name)
                continue
            latin = normalize_latin(form)
            tokens = TOKEN.findall(latin)
            if len(tokens) == 1 and _CAPS_FORM.fullmatch(latin) and any(c.isalpha() for c in latin):
                caps.setdefault(latin, name)
            elif len(tokens) == 1:
                for variant in plural_variants(tokens[0].lower()):
                    words.setdefault(variant, name)
            elif tokens:
                lower = tuple(token.lower() for token in tokens)
                for last in sorted({*plural_variants(lower[-1]), *singular_variants(lower[-1])}):
                    words_of = (*lower[:-1], last)
                    key = (words_of[0], words_of[1])
                    phrases.setdefault(key, []).append((words_of, name))
    return FormMatcher(
        caps=caps,
        words=words,
        phrases={
            start: tuple(sorted(options, key=lambda option: -len(option[0])))
            for start, options in phrases.items()
        },
        han=re.compile(literal_alternation(sorted(han))) if han else None,
        han_names=han,
        caps_keys=frozenset(caps),
        word_keys=frozenset(words),
        phrase_keys=frozenset(phrases),
        phrase_starts=frozenset(first for first, _ in phrases),
    )


@dataclass(frozen=True, slots=True)
class Lexicon:
    concepts: FormMatcher
    concept_weight: Mapping[str, float]
    concept_label: Mapping[str, str]  # concept -> the name shown in explanations
    stages_anywhere: FormMatcher
    stages_in_title: FormMatcher  # every stage form: titles are read with all of them
    stage_order: tuple[str, ...]  # the first named stage wins
    compatible_stages: frozenset[frozenset[str]]
    first_stages: frozenset[str]  # stages an event can start at
    institutions: frozenset[str]  # concepts naming one university, lab or company
    institution_features: frozenset[str]  # the same as features: "c:harvard"
    weak_anchors: frozenset[str]  # anchor features that say little alone: "c:hangzhou"
    stopwords: frozenset[str]
    stage_words: frozenset[str]  # words of stage forms: shared by every event at that stage
    word_weight: Mapping[str, float]
    bigram_weight: Mapping[str, float]

    def stages_compatible(self, first: str | None, second: str | None) -> bool:
        return (
            first is None
            or second is None
            or first == second
            or frozenset((first, second)) in self.compatible_stages
        )


@cache
def load_lexicon() -> Lexicon:
    data = tomllib.loads(LEXICON.read_text("utf-8"))
    concepts: dict[str, list[str]] = data["concepts"]
    stages: dict[str, dict[str, list[str]]] = data["stages"]
    rules = data["stage-rules"]
    order = tuple(rules["order"])
    if set(order) != set(stages):  # pragma: no cover - a broken data file
        raise ValueError("lexicon.toml: stage-rules.order must list every stage once")
    anywhere = {name: forms.get("anywhere", []) for name, forms in stages.items()}
    every = {
        name: [*forms.get("anywhere", []), *forms.get("title", [])]
        for name, forms in stages.items()
    }
    words = data["words"]
    to_simplified = traditional_to_simplified()
    return Lexicon(
        concepts=_form_matcher(concepts),
        concept_weight={name: float(data["weights"].get(name, 1.0)) for name in concepts},
        concept_label={
            name: next((f for f in forms if not _HAN.search(f)), forms[0])
            for name, forms in concepts.items()
        },
        stages_anywhere=_form_matcher(anywhere),
        stages_in_title=_form_matcher(every),
        stage_order=order,
        compatible_stages=frozenset(frozenset(pair) for pair in rules["compatible"]),
        first_stages=frozenset(rules["first"]),
        institutions=frozenset(data["kinds"]["institutions"]),
        institution_features=frozenset(f"c:{name}" for name in data["kinds"]["institutions"]),
        weak_anchors=frozenset(f"c:{name}" for name in data["kinds"]["weak-anchors"]),
        stopwords=frozenset(words["stop"]),
        stage_words=frozenset(
            variant
            for forms in every.values()
            for form in forms
            if not _HAN.search(form)
            for token in TOKEN.findall(form.lower())
            for variant in plural_variants(token)
        ),
        word_weight={word: float(weight) for word, weight in words["weights"].items()},
        bigram_weight={
            pair.translate(to_simplified): float(weight)
            for pair, weight in words["zh-weights"].items()
        },
    )

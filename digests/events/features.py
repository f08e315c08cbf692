"""What a telling says about its event: weighted features and the stage it reports.

Features (keys are prefixed by kind):

- `c:` a concept of the lexicon (an agency, program, person, university, place or action),
  whatever the language or wording that named it;
- `n:` an exact number and `~:` the same number to two significant figures ("$100,000",
  "10万美元"; "331,602" and "33.1万" meet at ~:330000), `y:` a year;
- `x:` a name-like Latin token the lexicon does not know (MATLAB, NeurIPS, FY2026);
- `w:` another English word, lightly stemmed (revoked, revoking → revok);
- `b:` a pair of adjacent Chinese characters outside any concept (for Chinese–Chinese pairs).

Concepts, numbers, years and `x:` tokens can be shared across languages; the rest only within
one. Title features weigh more than summary ones, and only the opening of a summary is read.
*Anchors* are the features that tie a telling to something specific (a specific concept, a
number, a name): two tellings must share one to be linked, unless their titles are copies.

English words are looked up token by token in caches of what each spelling means, so most of
the work is C-level dictionary and set operations.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import chain, compress

from digests.events.lexicon import (
    TOKEN,
    FormMatcher,
    Lexicon,
    load_lexicon,
    normalize_latin,
    word_tokens,
)
from digests.events.numbers import number_features
from digests.events.stage import stage_of
from storage.text_tools import traditional_to_simplified
from storage.types import StoredItem

SUMMARY_CHARS = 320  # the opening of a summary is the news; the rest is background
TITLE_WEIGHT = 1.0
SUMMARY_WEIGHT = 0.6
BIGRAM_WEIGHT = 0.35  # a character pair says less than a word
STAGE_WORD_WEIGHT = 0.3  # "charged", "proposes": the stage is compared on its own
ANCHOR_CONCEPT_WEIGHT = 0.6  # a concept this specific can anchor a link
NAME_MIN_WEIGHT = 0.6  # a capitalised word this plain ("Officials") is not taken for a name
CROSS_LANGUAGE_KINDS = frozenset("cn~yx")
MAX_CACHED_TOKENS = 200_000

_OUTLET_SEPARATORS = (" - ", " – ", " — ", " | ")  # "Headline - Outlet", as aggregators write
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DIGIT = re.compile(r"\d")
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")
_SENTENCE_START = re.compile(r"(?:^|[.!?:]['\")\]]*\s+)['\"(]?([A-Z][a-z][\w'-]*)")

Record = tuple[str, float] | None  # what one token spelling contributes: (feature, weight)
# Per spelling: its feature in a title, in a summary, in Chinese text; and whether it anchors.
# A spelling that contributes nothing has `_NOTHING` in the first two (the dict a text's
# records make is built at C speed without filtering them; its one key is then removed).
_NOTHING = ("", 0.0)
_TITLE_RECORDS: dict[str, tuple[str, float]] = {}
_SUMMARY_RECORDS: dict[str, tuple[str, float]] = {}
_CHINESE_RECORDS: dict[str, Record] = {}
_ANCHORS: dict[str, str | None] = {}
_ANCHORED: set[str] = set()  # the spellings whose `_ANCHORS` entry is not None
_PHRASE_STARTS: set[str] = set()  # spellings that can start a several-word concept form
_DIGITAL: set[str] = set()  # spellings with a digit (a number may start there)
# Spellings that are (or start) a stage form: a telling without one names no stage.
_STAGED: set[str] = set()
# The spellings in any of the four sets above: most tokens are in none, so a telling's are
# sorted out by two intersections with this set instead of a pass over them for each.
_SPECIAL: set[str] = set()
_NO_STAGE: tuple[str | None, str | None, bool] = (None, None, False)  # what stage_of says then
_NO_INSTITUTIONS: frozenset[str] = frozenset()


@dataclass(slots=True, eq=False)
class Telling:
    """One item as the event matcher sees it. The stage is read when first asked for: most
    tellings of a digest are never compared with another."""

    item: StoredItem
    weights: dict[str, float]  # feature -> weight (where it stands × what kind it is)
    anchors: AbstractSet[str]  # features that tie it to something specific
    title_features: AbstractSet[str]
    institutions: frozenset[str]  # the universities, labs and companies it names
    chinese: bool
    at: float  # publication time, POSIX seconds
    title: str  # normalised, for the stage
    summary: str
    _stage: tuple[str | None, str | None, bool] | None = None

    def _read_stage(self) -> tuple[str | None, str | None, bool]:
        if self._stage is None:
            self._stage = stage_of(self.title, self.summary, self.chinese)
        return self._stage

    @property
    def stage(self) -> str | None:
        return self._read_stage()[0]

    @property
    def stage_word(self) -> str | None:
        """The word that named the stage, for explanations."""
        return self._read_stage()[1]

    @property
    def stage_in_title(self) -> bool:
        """Whether the title names the stage (a summary's stage word may be background)."""
        return self._read_stage()[2]


def concept_anchors(name: str, lexicon: Lexicon) -> bool:
    return lexicon.concept_weight[name] >= ANCHOR_CONCEPT_WEIGHT


def _stem(word: str) -> str:
    """A light stemmer that only has to agree with itself: visas → visa, revoked and
    revoking and revoke → revok."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for ending in ("ing", "ed"):
        if len(word) > len(ending) + 3 and word.endswith(ending):
            word = word[: -len(ending)]
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def _classify(token: str, lexicon: Lexicon) -> tuple[Record, bool]:
    """A token's feature, and whether it is name-like (kept in Chinese text too)."""
    concepts = lexicon.concepts
    name = concepts.caps.get(token)
    lower = token.lower()
    if name is None and not (token.isupper() and len(token) > 1):
        name = concepts.words.get(lower)
    if name is not None:
        return (f"c:{name}", lexicon.concept_weight[name]), True
    if token.isdigit() or len(lower) < 3 or lower in lexicon.stopwords:
        return None, False
    if (
        any(c.isdigit() for c in token)
        or (token.isupper() and len(token) >= 2)
        or any(c.isupper() for c in token[1:])
    ):
        return (f"x:{lower}", 1.0), True
    weight = lexicon.word_weight.get(lower, 1.0)
    if lower in lexicon.stage_words:
        weight *= STAGE_WORD_WEIGHT
    return ((f"w:{_stem(lower)}", weight) if weight > 0 else None), False


def forget_spellings() -> None:
    """Empty the caches of classified spellings (they are refilled as items are read)."""
    for cache in (_TITLE_RECORDS, _SUMMARY_RECORDS, _CHINESE_RECORDS, _ANCHORS):
        cache.clear()
    for spellings in (_ANCHORED, _PHRASE_STARTS, _DIGITAL, _STAGED, _SPECIAL):
        spellings.clear()


def _learn(tokens: Iterable[str], lexicon: Lexicon) -> None:
    """Classify the spellings not seen before (few, once a few hundred items are in)."""
    spellings = set(tokens)
    unseen = spellings.difference(_TITLE_RECORDS)  # a dict: iterates the small set
    if not unseen:
        return
    if len(_TITLE_RECORDS) + len(unseen) > MAX_CACHED_TOKENS:
        # A long-running process meets ever new spellings (names, numbers): start again
        # rather than grow without end. The text's known spellings are forgotten too, and
        # its caller looks them all up next, so all of them are learnt again.
        forget_spellings()
        unseen = spellings
    stages = lexicon.stages_in_title  # every stage form, the summary's among them
    for token in unseen:
        record, name_like = _classify(token, lexicon)
        _TITLE_RECORDS[token] = _NOTHING if record is None else record
        _SUMMARY_RECORDS[token] = (
            _NOTHING if record is None else (record[0], record[1] * SUMMARY_WEIGHT)
        )
        anchor = None
        if record is not None and record[0][0] == "x":
            anchor = record[0]
        elif record is not None and record[0][0] == "c":
            anchor = record[0] if concept_anchors(record[0][2:], lexicon) else None
        elif record is not None and token[0].isupper() and token[1:2].islower():
            # Capitalised inside a sentence: likely a name (see `_names`).
            anchor = record[0] if record[1] >= NAME_MIN_WEIGHT else None
        _ANCHORS[token] = anchor
        if anchor is not None:
            _ANCHORED.add(token)
        if token.lower() in lexicon.concepts.phrase_starts:
            _PHRASE_STARTS.add(token)
        if any(c.isdigit() for c in token):
            _DIGITAL.add(token)
        if token.lower() in stages.word_keys or token.lower() in stages.phrase_starts:
            _STAGED.add(token)
        if token in _ANCHORED or token in _PHRASE_STARTS or token in _DIGITAL or token in _STAGED:
            _SPECIAL.add(token)
        # Latin words inside Chinese text are names: keep them even when plain English.
        if record is None or not name_like:
            plain = token.lower()
            record = None if token.isdigit() or len(plain) < 2 else (f"x:{plain}", 1.0)
        _CHINESE_RECORDS[token] = record


def _phrases(tokens: list[str], matcher: FormMatcher) -> list[str]:
    """Names of the several-word forms among the tokens: only where a word that can start
    one stands (found at C speed) are the next words compared."""
    found = []
    count = len(tokens)
    for position in compress(range(count - 1), map(_PHRASE_STARTS.__contains__, tokens)):
        options = matcher.phrases.get((tokens[position].lower(), tokens[position + 1].lower()))
        for words, name in options or ():  # longest first
            end = position + len(words)
            if end <= count and tuple(t.lower() for t in tokens[position:end]) == words:
                found.append(name)
                break
    return found


def _add(out: dict[str, float], key: str, weight: float) -> None:
    if weight > out.get(key, 0.0):
        out[key] = weight


def _title_case(tokens: list[str]) -> bool:
    return sum(map(str.istitle, tokens)) >= 0.6 * len(tokens)


def _phrase_features(
    tokens: list[str], weight: float, lexicon: Lexicon, out: dict[str, float], anchors: set[str]
) -> None:
    for name in _phrases(tokens, lexicon.concepts):
        _add(out, f"c:{name}", weight * lexicon.concept_weight[name])
        if concept_anchors(name, lexicon):
            anchors.add(f"c:{name}")


def _is_name(
    token: str, title_tokens: list[str], in_summary: AbstractSet[str], summary: str
) -> bool:
    """A capitalised word is a name only inside sentence-case text: not the first word of a
    sentence, not in a Title Case headline. (`in_summary`: the summary's tokens that are in
    `_SPECIAL`, as `token` is.)"""
    if token in title_tokens[1:] and not _title_case(title_tokens):
        return True
    return token in in_summary and token not in _SENTENCE_START.findall(summary)


def _read_english(
    title: str,
    summary: str,
    title_tokens: list[str],
    summary_tokens: list[str],
    lexicon: Lexicon,
) -> tuple[dict[str, float], dict[str, float], set[str], bool]:
    """Features of the summary and of the title, anchors, and whether a word that is (or
    starts) a stage form is among the tokens."""
    try:
        weights = dict(map(_SUMMARY_RECORDS.__getitem__, summary_tokens))
        title_weights = dict(map(_TITLE_RECORDS.__getitem__, title_tokens))
    except KeyError:  # a spelling not seen before (rare once a few hundred items are in)
        _learn(chain(title_tokens, summary_tokens), lexicon)
        weights = dict(map(_SUMMARY_RECORDS.__getitem__, summary_tokens))
        title_weights = dict(map(_TITLE_RECORDS.__getitem__, title_tokens))
    weights.pop("", None)  # (removing a key keeps the order of the others)
    title_weights.pop("", None)
    anchors: set[str] = set()
    in_title = _SPECIAL.intersection(title_tokens)
    in_summary = _SPECIAL.intersection(summary_tokens)
    if not in_title and not in_summary:
        return weights, title_weights, anchors, False
    for token in _ANCHORED.intersection(in_title.union(in_summary)):
        key = _ANCHORS[token]
        if key is None:
            continue
        if key[0] != "w" or _is_name(token, title_tokens, in_summary, summary):
            anchors.add(key)
    # Several-word forms, where a word that can start one is present.
    if not _PHRASE_STARTS.isdisjoint(in_summary):
        _phrase_features(summary_tokens, SUMMARY_WEIGHT, lexicon, weights, anchors)
    if not _PHRASE_STARTS.isdisjoint(in_title):
        _phrase_features(title_tokens, TITLE_WEIGHT, lexicon, title_weights, anchors)
    if not _DIGITAL.isdisjoint(in_summary):
        number_features(summary, SUMMARY_WEIGHT, weights, anchors)
    if not _DIGITAL.isdisjoint(in_title):
        number_features(title, TITLE_WEIGHT, title_weights, anchors)
    staged = not (_STAGED.isdisjoint(in_title) and _STAGED.isdisjoint(in_summary))
    return weights, title_weights, anchors, staged


def _read_chinese(
    text: str, in_title: bool, lexicon: Lexicon, out: dict[str, float], anchors: set[str]
) -> list[str]:
    weight = TITLE_WEIGHT if in_title else SUMMARY_WEIGHT
    simplified = text.translate(traditional_to_simplified())
    pieces, last = [], 0
    for name, _, (start, end) in lexicon.concepts.in_han(simplified):
        _add(out, f"c:{name}", weight * lexicon.concept_weight[name])
        if concept_anchors(name, lexicon):
            anchors.add(f"c:{name}")
        pieces.append(simplified[last:start])
        last = end
    pieces.append(simplified[last:])
    rest = " ".join(pieces)  # concepts cut out, so their characters make no pairs
    tokens = TOKEN.findall(rest)
    if tokens:
        _learn(tokens, lexicon)
        for record in filter(None, map(_CHINESE_RECORDS.__getitem__, tokens)):
            _add(out, record[0], weight * record[1])
            kind = record[0][0]
            if kind == "x" or (kind == "c" and concept_anchors(record[0][2:], lexicon)):
                anchors.add(record[0])
        for name in _phrases(tokens, lexicon.concepts):
            _add(out, f"c:{name}", weight * lexicon.concept_weight[name])
    number_features(rest, weight, out, anchors)
    pair_weight = weight * BIGRAM_WEIGHT
    for run in _HAN_RUN.findall(rest):
        for i in range(len(run) - 1):
            pair = run[i : i + 2]
            _add(out, f"b:{pair}", pair_weight * lexicon.bigram_weight.get(pair, 1.0))
    return list(map(str.lower, tokens))


def _without_outlet(title: str) -> str:
    if title.isascii() and " - " not in title and " | " not in title:
        return title.strip()  # no separator (the other two are not ASCII)
    for separator in _OUTLET_SEPARATORS:
        cut = title.rfind(separator)
        if cut > 0:
            outlet = title[cut + len(separator) :]
            if 0 < len(outlet) <= 40 and not any(s.strip() in outlet for s in _OUTLET_SEPARATORS):
                return title[:cut].strip()
    return title.strip()


def _texts(item: StoredItem) -> tuple[str, str, bool]:
    """The title (without an aggregator's outlet suffix) and the opening of the summary,
    normalised, and whether the item is in Chinese."""
    title = _without_outlet(item.title)
    summary = item.summary[:SUMMARY_CHARS]
    if len(item.summary) > SUMMARY_CHARS and " " in summary[-40:]:
        summary = summary.rsplit(" ", 1)[0]
    ascii_text = title.isascii() and summary.isascii()
    chinese = item.language == "zh" or (not ascii_text and len(_HAN.findall(title)) >= 4)
    if not ascii_text:
        title = unicodedata.normalize("NFKC", title)
        summary = unicodedata.normalize("NFKC", summary)
    return normalize_latin(title), normalize_latin(summary), chinese


def read_tellings(items: Sequence[StoredItem]) -> list[Telling]:
    """Every item's telling. A spelling is classified the first time it is met (then looked up
    in the caches)."""
    lexicon = load_lexicon()
    institutions = lexicon.institution_features
    tellings = []
    for item in items:
        title, summary, chinese = _texts(item)
        stage = None  # read when first asked for
        if chinese:
            weights: dict[str, float] = {}
            title_weights: dict[str, float] = {}
            anchors: set[str] = set()
            _read_chinese(summary, False, lexicon, weights, anchors)
            _read_chinese(title, True, lexicon, title_weights, anchors)
        else:
            title_tokens, summary_tokens = word_tokens(title), word_tokens(summary)
            weights, title_weights, anchors, staged = _read_english(
                title, summary, title_tokens, summary_tokens, lexicon
            )
            # No word that is or starts a stage form: stage_of would find none (it reads the
            # title's words and those of the summary's first sentence, in lower case).
            if not staged:
                stage = _NO_STAGE
        weights.update(title_weights)  # a title weight is never below a summary weight
        found = anchors.intersection(institutions) if anchors else None
        # (Positional: the fields in their order; keywords cost a search for each.)
        tellings.append(
            Telling(
                item,
                weights,
                anchors,
                title_weights.keys(),
                frozenset(key[2:] for key in found) if found else _NO_INSTITUTIONS,
                chinese,
                item.published_at.timestamp(),
                title,
                summary,
                stage,
            )
        )
    return tellings


def read_telling(item: StoredItem) -> Telling:
    return read_tellings([item])[0]

"""The search document: text normalised in Python, identically for both backends.

Both engines index the tokens written here and do no linguistic work of their own: FTS5 with a
plain `unicode61` tokenizer (which keeps each of our tokens whole), PostgreSQL with a tsvector
built from the same tokens verbatim (no text search parser or dictionary). Query words go through
the same `tokenize`, so a query matches the same items on SQLite and PostgreSQL.

Tokens are lower-cased ASCII words (accents folded, a minimal plural stemmer), Chinese as
overlapping character bigrams (traditional characters mapped to simplified ones, character by
character, so a substring of a text always maps like the text), single symbols such as emoji,
and anything else (Cyrillic, Arabic, …) hex-encoded as `_u…`, so that no engine ever sees a
character it might classify or fold differently from Python.

An item's document has two parts, stored in `items.search_text` and `items.search_meta`:
- text: title tokens, the separator token `_`, summary tokens (the separator keeps a phrase
  from matching across title and summary);
- meta: one token per filterable fact (tags, alert flag, language, published day and the
  coarser periods containing it) and every Chinese character once, so that a one-character
  query finds it wherever it stands. Meta tokens start with `_` and can never come from text.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Item
from storage.search_periods import FIRST_DAY, LAST_DAY, day_tokens, range_tokens, utc_day
from storage.text_tools import traditional_to_simplified

# The period helpers moved to search_periods stay importable from here.
__all__ = [
    "EVERY_ITEM", "FIRST_DAY", "LAST_DAY", "MAX_META_TOKENS", "MAX_OCCURRENCES", "MAX_RUN",
    "MAX_TEXT_TOKENS", "MAX_TITLE_TOKENS", "SEPARATOR", "Run", "alert_token", "day_tokens",
    "document_meta", "document_text", "guess_language", "han_char_token", "han_characters",
    "is_han_token", "language_code", "language_token", "normalize", "range_tokens",
    "replace_tag_tokens", "retag_search_meta", "runs", "search_columns", "stem", "tag_token",
    "tokenize", "utc_day",
]  # fmt: skip

SEPARATOR = "_"  # between title and summary tokens
EVERY_ITEM = "_i"  # a meta token every item has (a positive anchor for exclusion-only matches)

# Bounds that keep a document inside PostgreSQL's tsvector limits (positions ≤ 16,383, at most
# 256 positions per lexeme, which it would otherwise drop silently and unlike FTS5).
MAX_RUN = 40  # characters of one word kept
MAX_TITLE_TOKENS = 200
MAX_TEXT_TOKENS = 8000
MAX_META_TOKENS = 4000
MAX_OCCURRENCES = 256


_ASCII_WORD = re.compile(r"[a-z0-9]+")
# In ASCII text the only alphanumerics are these, and there are no symbols (So) or combining
# marks, so its runs are exactly the matches of this pattern (the fast path of `runs`).
_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")
_ALPHA = re.compile(r"[a-z]+")
_LANGUAGE = re.compile(r"[a-z]{2,8}")


# The same code points as `_is_han`, for scanning whole texts at C speed.
_HAN_CHAR = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0003134f]")


def _is_han(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3134F
    )


def _is_plain_han(char: str) -> bool:
    """Han characters every SQLite unicode61 table knows as letters (Unicode ≤ 6.1)."""
    code = ord(char)
    return 0x4E00 <= code <= 0x9FCC or 0x3400 <= code <= 0x4DB5


def _encoded(text: str) -> str:
    return "_u" + text.encode("utf-8").hex()


@lru_cache(maxsize=1 << 16)  # Chinese bigrams repeat as words do
def _han_token(chars: str) -> str:
    return chars if all(_is_plain_han(c) for c in chars) else _encoded(chars)


def stem(word: str) -> str:
    """A minimal English plural stemmer: visas → visa, policies → policy, fees → fee.

    Words ending in -ss, -us and -is keep their s (class, status, analysis). Deliberately
    simple and predictable: the same function runs on documents and queries.
    """
    if len(word) < 3 or word[-1] != "s" or word[-2] in "sui":
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1]


@lru_cache(maxsize=1 << 16)  # headline words repeat; normalising them is the costly part
def _word_token(run: str) -> str:
    folded = run[:MAX_RUN].casefold()
    ascii_form = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    if _ASCII_WORD.fullmatch(ascii_form):
        return stem(ascii_form) if _ALPHA.fullmatch(ascii_form) else ascii_form
    return _encoded(unicodedata.normalize("NFC", folded))


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of (NFKC-normalised) text that yields tokens: a word, Chinese, or a symbol."""

    kind: str  # "word" | "han" | "symbol"
    start: int
    end: int
    tokens: tuple[str, ...]


@cache  # per character: text repeats a small alphabet
def _classify(char: str) -> str:
    if _is_han(char):
        return "han"
    if char.isalnum():
        return "word"
    category = unicodedata.category(char)
    if category == "So":
        return "symbol"
    if category in ("Mn", "Mc", "Me"):
        return "mark"
    return "space"


def _han_tokens(run: str) -> tuple[str, ...]:
    return _normalized_han_tokens(unicodedata.normalize("NFKC", run))


def _normalized_han_tokens(run: str) -> tuple[str, ...]:
    """Bigrams of a Chinese run already in NFKC (each pair built and looked up in C)."""
    chars = run.translate(traditional_to_simplified())
    if len(chars) == 1:
        return (_han_token(chars),)
    return tuple(map(_han_token, map(operator.add, chars, chars[1:])))


def runs(text: str) -> Iterator[Run]:
    """Runs of `text` after NFKC normalisation (the offsets refer to that normalised text)."""
    if text.isascii():
        for match in _ASCII_RUN.finditer(text):
            yield Run("word", match.start(), match.end(), (_word_token(match.group()),))
        return
    yield from _classified_runs(text)


def _classified_runs(text: str) -> Iterator[Run]:
    """`runs` for any text, one character class at a time."""
    start = 0
    kind = "space"
    for index, char in enumerate(text):
        char_kind = _classify(char)
        if char_kind == "mark" and kind == "word":
            continue  # a combining accent belongs to the word it follows
        if char_kind == kind and kind != "symbol":
            continue
        if kind not in ("space", "mark"):
            yield _run(text, kind, start, index)
        kind, start = char_kind, index
    if kind not in ("space", "mark"):
        yield _run(text, kind, start, len(text))


def _run(text: str, kind: str, start: int, end: int) -> Run:
    piece = text[start:end]
    if kind == "han":
        tokens = _han_tokens(piece)
    elif kind == "word":
        tokens = (_word_token(piece),)
    else:
        tokens = (_encoded(piece),)
    return Run(kind, start, end, tokens)


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def tokenize(text: str) -> list[str]:
    """The search tokens of `text`, in order (for documents and query words alike)."""
    if text.isascii():  # the fast path of `runs`, without building its Run objects
        return [_word_token(word) for word in _ASCII_RUN.findall(text)]
    return _normalized_tokens(normalize(text))


# ASCII punctuation and spaces are always "space" to `_classify`, so no run crosses them: the
# stretches between them can be tokenised one by one, the all-ASCII ones as single words.
_STRETCH = re.compile("[A-Za-z0-9\x80-\U0010ffff]+")
_HAN_OR_OTHER = re.compile(
    "([\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0003134f]+)"
    "|[^\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0003134f]+"
)


def _spaceish() -> str:
    """Non-ASCII punctuation that `_classify` calls space (curly quotes, dashes, CJK brackets…)."""
    ranges = [(0xA0, 0xC0), (0x2000, 0x2070), (0x3000, 0x3040), (0xFF01, 0xFF66)]
    chars = [chr(c) for start, end in ranges for c in range(start, end)]
    return "".join(
        c for c in chars if _classify(c) == "space" and unicodedata.normalize("NFKC", c) == c
    )


# Text whose only non-ASCII characters separate words, like ASCII punctuation does.
_NOT_PLAIN = re.compile(f"[^\x00-\x7f{re.escape(_spaceish())}]")


def _normalized_tokens(text: str) -> list[str]:
    """`tokenize` of NFKC-normalised, non-ASCII text: the same tokens as `runs`, found faster."""
    if not _NOT_PLAIN.search(text):  # English with typographic quotes and dashes
        return [_word_token(word) for word in _ASCII_RUN.findall(text)]
    tokens: list[str] = []
    for stretch in _STRETCH.findall(text):
        if stretch.isascii():
            tokens.append(_word_token(stretch))
            continue
        # Chinese runs end at the first other character whatever it is, and what follows one
        # starts a run exactly as it would after a space: each part can be classified alone.
        for part in _HAN_OR_OTHER.finditer(stretch):
            if part.group(1) is not None:
                tokens.extend(_normalized_han_tokens(part.group()))
            else:
                for run in _classified_runs(part.group()):
                    tokens.extend(run.tokens)
    return tokens


def han_char_token(char: str) -> str:
    """The token of one Chinese character (traditional mapped to simplified)."""
    return _han_token(char.translate(traditional_to_simplified()))


def han_characters(text: str) -> list[str]:
    """Each Chinese character of `text` once, in order of appearance, as a token."""
    return _han_characters(normalize(text))


def _han_characters(normalized: str) -> list[str]:
    found = _HAN_CHAR.findall(normalized)
    if not found:
        return []
    table = traditional_to_simplified()
    seen: dict[str, None] = {}
    for char in dict.fromkeys(found):  # each character once: texts repeat a few hundred
        seen.setdefault(_han_token(char.translate(table)), None)
    return list(seen)


def is_han_token(token: str) -> bool:
    """A single Chinese character (matched through the meta part, anywhere in the text)."""
    if token.startswith("_u"):
        try:
            decoded = bytes.fromhex(token[2:]).decode("utf-8")
        except ValueError:
            return False
        return len(decoded) == 1 and _is_han(decoded)
    return len(token) == 1 and _is_han(token)


def _capped(tokens: Sequence[str], limit: int) -> list[str]:
    if len(tokens) <= min(limit, MAX_OCCURRENCES):
        return list(tokens)  # too few tokens for any cap to apply
    counts = Counter(tokens)  # counted in C: most documents need no cap at all
    if len(tokens) <= limit and max(counts.values()) <= MAX_OCCURRENCES:
        return list(tokens)
    counts.clear()
    kept: list[str] = []
    for token in tokens:
        counts[token] += 1
        if counts[token] <= MAX_OCCURRENCES:
            kept.append(token)
            if len(kept) >= limit:
                break
    return kept


def document_text(title: str, summary: str) -> str:
    """`items.search_text`: title tokens, the separator, summary tokens."""
    return _document_text(tokenize(title), tokenize(summary))


def _document_text(title_tokens: list[str], summary_tokens: list[str]) -> str:
    tokens = [*title_tokens[:MAX_TITLE_TOKENS], SEPARATOR, *summary_tokens]
    return " ".join(_capped(tokens, MAX_TEXT_TOKENS))


# --- meta tokens -------------------------------------------------------------------------------


def tag_token(tag: str) -> str:
    return "_t" + tag.strip().lower().encode("utf-8").hex()


def alert_token(alert: bool) -> str:
    return "_a1" if alert else "_a0"


def language_code(language: str | None) -> str | None:
    """'zh-Hans-CN' → 'zh'; None when it is not a language code."""
    if not language:
        return None
    primary = language.strip().lower().replace("_", "-").split("-")[0]
    return primary if _LANGUAGE.fullmatch(primary) else None


def language_token(code: str) -> str:
    return "_l" + code


def guess_language(language: str | None, text: str) -> str | None:
    """The declared language, else 'zh' for text that is mostly Chinese characters."""
    declared = language_code(language)
    if declared:
        return declared
    if not _HAN_CHAR.search(text):
        return None  # no Chinese character: never mostly Chinese (decided at C speed)
    letters = [c for c in text if c.isalpha()]
    if letters and sum(_is_han(c) for c in letters) * 2 >= len(letters):
        return "zh"
    return None


def document_meta(
    *,
    title: str,
    summary: str,
    tags: Iterable[str],
    alert: bool,
    language: str | None,
    published_at: datetime,
) -> str:
    """`items.search_meta`: the filterable facts and the Chinese characters of the text."""
    text = f"{title} {summary}"
    return _document_meta(
        text, normalize(text), tags=tags, alert=alert, language=language, published_at=published_at
    )


def _document_meta(
    text: str,
    normalized: str,
    *,
    tags: Iterable[str],
    alert: bool,
    language: str | None,
    published_at: datetime,
) -> str:
    meta = [EVERY_ITEM, alert_token(alert), *day_tokens(utc_day(published_at))]
    meta.extend(sorted({tag_token(tag) for tag in tags}))
    code = guess_language(language, text)
    if code:
        meta.append(language_token(code))
    meta.extend(_han_characters(normalized))
    return " ".join(meta[:MAX_META_TOKENS])


def search_columns(
    *,
    title: str,
    summary: str,
    tags: Mapping[str, float] | Iterable[str],
    alert: bool,
    language: str | None,
    published_at: datetime,
) -> dict[str, str]:
    """The two search columns of an item row, as `store_items` writes them.

    Each text is normalised once and scanned once for tokens and once for Chinese characters.
    """
    title_normal = title if title.isascii() else normalize(title)
    summary_normal = summary if summary.isascii() else normalize(summary)
    text = f"{title} {summary}"
    return {
        "search_text": _document_text(_tokens(title_normal), _tokens(summary_normal)),
        "search_meta": _document_meta(
            text,
            f"{title_normal} {summary_normal}",
            tags=list(tags),
            alert=alert,
            language=language,
            published_at=published_at,
        ),
    }


def _tokens(normalized: str) -> list[str]:
    if normalized.isascii():
        return [_word_token(word) for word in _ASCII_RUN.findall(normalized)]
    return _normalized_tokens(normalized)


def replace_tag_tokens(meta: str, tags: Iterable[str], alert: bool) -> str:
    """`meta` with its tag and alert tokens replaced (after a retag)."""
    kept = [t for t in meta.split() if not t.startswith(("_t", "_a"))]
    head, rest = kept[:1], kept[1:]
    return " ".join([*head, alert_token(alert), *rest, *sorted({tag_token(t) for t in tags})])


def retag_search_meta(session: Session, updates: Mapping[int, tuple[Iterable[str], bool]]) -> None:
    """Rewrite the tag and alert tokens of retagged items (their text is unchanged)."""
    ids = list(updates)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(select(Item.id, Item.search_meta).where(Item.id.in_(chunk)))
        for item_id, meta in rows.all():
            tags, alert = updates[item_id]
            new_meta = replace_tag_tokens(meta, tags, alert)
            if new_meta != meta:
                session.execute(update(Item).where(Item.id == item_id).values(search_meta=new_meta))

"""Ranking and snippets, computed in Python so both backends give the same order.

The engines only find the candidates (the newest matches, a bounded set); every candidate is
then scored here from its stored search document: a BM25-style term-frequency relevance with
the title weighted above the summary, blended with recency and the alert flag. Identical
inputs give identical scores on SQLite and PostgreSQL, so the two agree on the ranked list,
not only on the set of matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.query import TextAtom
from storage.search_text import (
    SEPARATOR,
    han_char_token,
    is_han_token,
    runs,
)

# Weights of the blend; they sum to 1, so a score lies in 0…1.
RELEVANCE_WEIGHT = 0.6
RECENCY_WEIGHT = 0.3
ALERT_WEIGHT = 0.1
RECENCY_HALF_LIFE_DAYS = 14.0
TITLE_WEIGHT = 2.0
BODY_WEIGHT = 1.0
_K1 = 1.2
_B = 0.75
_AVERAGE_TITLE = 12.0
_AVERAGE_BODY = 60.0


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    search_text: str
    published_at: datetime
    alert: bool


def _occurrences(tokens: list[str], wanted: tuple[str, ...]) -> int:
    if len(wanted) == 1:
        token = wanted[0]
        if is_han_token(token) and not token.startswith("_u"):
            return sum(token in t for t in tokens if not t.isascii())
        return tokens.count(token)
    size = len(wanted)
    first = wanted[0]
    return sum(
        1
        for i in range(len(tokens) - size + 1)
        if tokens[i] == first and tuple(tokens[i : i + size]) == wanted
    )


def _saturated(frequency: int, length: int, average: float) -> float:
    """BM25's term-frequency part, scaled to 0…1."""
    if frequency == 0:
        return 0.0
    norm = _K1 * (1 - _B + _B * length / average)
    return frequency * (_K1 + 1) / (frequency + norm) / (_K1 + 1)


def relevance(search_text: str, atoms: Sequence[TextAtom]) -> float:
    """How well a document matches the query's words and phrases, 0…1."""
    if not atoms:
        return 0.0
    tokens = search_text.split()
    try:
        split = tokens.index(SEPARATOR)
    except ValueError:
        split = len(tokens)
    title, body = tokens[:split], tokens[split + 1 :]
    total = 0.0
    for atom in atoms:
        total += TITLE_WEIGHT * _saturated(
            _occurrences(title, atom.tokens), len(title), _AVERAGE_TITLE
        )
        total += BODY_WEIGHT * _saturated(_occurrences(body, atom.tokens), len(body), _AVERAGE_BODY)
    return total / ((TITLE_WEIGHT + BODY_WEIGHT) * len(atoms))


def recency(published_at: datetime, now: datetime) -> float:
    """1 for an item published now, halving every RECENCY_HALF_LIFE_DAYS (future dates: 1)."""
    moment = published_at if published_at.tzinfo else published_at.replace(tzinfo=UTC)
    age_days = max(0.0, (now - moment).total_seconds() / 86400)
    return float(0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS))


def score(candidate: Candidate, atoms: Sequence[TextAtom], now: datetime) -> float:
    blended = (
        RELEVANCE_WEIGHT * relevance(candidate.search_text, atoms)
        + RECENCY_WEIGHT * recency(candidate.published_at, now)
        + ALERT_WEIGHT * candidate.alert
    )
    return round(blended, 6)


def rank(
    candidates: Sequence[Candidate], atoms: Sequence[TextAtom], now: datetime
) -> list[tuple[int, float]]:
    """(id, score), best first; ties go to the newer item (higher id)."""
    scored = [(c.id, score(c, atoms, now)) for c in candidates]
    return sorted(scored, key=lambda pair: (-pair[1], -pair[0]))


# --- snippets ----------------------------------------------------------------------------------


def _token_spans(text: str) -> list[tuple[str, int, int]]:
    """Every search token of `text` in order, with the characters it came from."""
    found: list[tuple[str, int, int]] = []
    for run in runs(text):
        if run.kind == "han" and run.end - run.start > 1:
            # Overlapping bigrams: the i-th covers characters i and i+1 of the run.
            found += [(t, run.start + i, run.start + i + 2) for i, t in enumerate(run.tokens)]
        else:
            found += [(token, run.start, run.end) for token in run.tokens]
    return found


def _spans(text: str, atoms: Sequence[TextAtom]) -> list[tuple[int, int]]:
    """Character spans of `text` where a query term stands whole.

    A term of several tokens (H-1B is `h` `1b`; a quoted phrase; 人才引进 as bigrams) is one span
    from its first token to its last, and only where all of them stand together, as the search
    matched it: "**H-1B**", never "**H**-**1B**" or a lone "H". A single Chinese character is
    found inside longer words, as the search finds it.
    """
    tokens = _token_spans(text)
    words = [token for token, _, _ in tokens]
    spans: list[tuple[int, int]] = []
    for atom in atoms:
        wanted = atom.tokens
        if not wanted:
            continue
        if len(wanted) == 1 and is_han_token(wanted[0]) and not wanted[0].startswith("_u"):
            for run in runs(text):
                if run.kind == "han":
                    for offset, char in enumerate(text[run.start : run.end]):
                        if han_char_token(char) == wanted[0]:
                            spans.append((run.start + offset, run.start + offset + 1))
            continue
        size = len(wanted)
        for index in range(len(words) - size + 1):
            if words[index] == wanted[0] and tuple(words[index : index + size]) == wanted:
                spans.append((tokens[index][1], tokens[index + size - 1][2]))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _boundary(text: str, index: int) -> int:
    """Move `index` back to the start of the word it falls in."""
    while 0 < index < len(text) and not text[index - 1].isspace() and text[index - 1].isascii():
        index -= 1
        if index == 0 or text[index - 1].isspace():
            break
    return index


def snippet(
    text: str,
    atoms: Sequence[TextAtom],
    *,
    width: int = 200,
    marks: tuple[str, str] = ("**", "**"),
) -> str:
    """About `width` characters of `text` around the first match, matches between `marks`."""
    flat = " ".join(text.split())
    spans = _spans(flat, atoms)
    start = 0
    if spans and spans[0][1] > width:
        start = _boundary(flat, max(0, spans[0][0] - width // 3))
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", start + width // 2, end)
        end = space if space > 0 else end
    pieces: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for first, last in spans:
        left, right = max(first, start), min(last, end)
        if left >= right:
            continue
        pieces += [flat[cursor:left], marks[0], flat[left:right], marks[1]]
        cursor = right
    pieces.append(flat[cursor:end])
    if end < len(flat):
        pieces.append("…")
    return "".join(pieces)

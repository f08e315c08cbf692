"""A generated archive of any size for the benches (search, chat, alert matching).

Deterministic for a seed: item n is always the same story, so the archive is the same on both
backends and between runs. Titles and summaries come from templates over the terms in
GLOSSARY.md; about one item in twelve is in Chinese (some in traditional characters).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tests.corpus.vocabulary import CHINESE, CHINESE_DETAILS, DOCKETS, SOURCES, TOPICS

END = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # the bench's "now"
SPAN = timedelta(days=730)


@dataclass(frozen=True, slots=True)
class GeneratedItem:
    n: int
    title: str
    summary: str
    language: str | None
    published_at: datetime
    first_seen_at: datetime
    tags: dict[str, float]
    alert: bool
    source: int  # index into SOURCES


def generate(count: int, seed: int = 7) -> Iterator[GeneratedItem]:
    """`count` items, oldest first, first seen over the two years before END."""
    rng = random.Random(seed)
    topics = list(TOPICS)
    start = END - SPAN
    step = SPAN / max(count, 1)
    for n in range(count):
        first_seen = start + step * n
        # Most items are seen within hours of publication; a few are backfilled old stories.
        lag = timedelta(hours=rng.uniform(0, 20))
        if rng.random() < 0.02:
            lag = timedelta(days=rng.uniform(30, 400))
        topic = rng.choice(topics)
        tags = {topic: round(rng.uniform(0.5, 1.0), 2)}
        if rng.random() < 0.3:
            tags[rng.choice(topics)] = round(rng.uniform(0.3, 0.6), 2)
        alert = rng.random() < (0.25 if topic == "visa-policy" else 0.06)
        if rng.random() < 0.08:
            title = rng.choice(CHINESE[topic])
            summary = rng.choice(CHINESE_DETAILS)
            language: str | None = "zh" if rng.random() < 0.5 else None
            source = rng.randrange(34, len(SOURCES))
        else:
            words = TOPICS[topic]
            title = (
                f"{rng.choice(words['subjects'])} {rng.choice(words['verbs'])} "
                f"{rng.choice(words['objects'])}"
            )
            summary = " ".join(rng.sample(words["details"], k=min(2, len(words["details"]))))
            # Docket numbers make rare words: each one appears in about 1 item in 10,000.
            summary += f" Docket {DOCKETS[topic]}-{first_seen.year}-{rng.randrange(10000):04d}."
            language = "en"
            source = rng.randrange(0, 34)
        yield GeneratedItem(
            n=n,
            title=title,
            summary=summary,
            language=language,
            published_at=first_seen - lag,
            first_seen_at=first_seen,
            tags=tags,
            alert=alert,
            source=source,
        )

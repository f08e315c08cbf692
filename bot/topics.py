"""Topic ids come from the taxonomy only: what each covers, section order, and validation.

The default taxonomy ships with the tagger (feeds/tagging/taxonomy.toml) and the config's
`[taxonomy]` table can add, change or disable topics; every place a user types a topic id
(channels, source hints, `--tags`, `--tag`, `tag:` in a query, subscriptions) is checked against
the resulting list, so a typo is an error instead of an empty digest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from digests.model import TopicCatalog
from feeds.tagging.taxonomy import Taxonomy
from storage.errors import BadInput

ALERT_FLAG = "alert"


@dataclass(frozen=True, slots=True)
class TopicInfo:
    """One topic as `talentbrief topics` and `/brief topics` show it."""

    id: str
    label: str
    description: str


def topic_infos(taxonomy: Taxonomy) -> list[TopicInfo]:
    return [TopicInfo(t.id, t.label, t.description) for t in taxonomy.topics]


def topic_catalog(taxonomy: Taxonomy) -> TopicCatalog:
    """The digest sections: the taxonomy's topics in its order, with its labels."""
    return TopicCatalog(order=taxonomy.topic_ids(), titles={t.id: t.label for t in taxonomy.topics})


def unknown_topic(ids: Iterable[str], known: Iterable[str], where: str) -> BadInput | None:
    """The error for the first id that is not a topic, naming the known ones; None if all are."""
    known = tuple(known)
    for topic in ids:
        if topic not in known:
            return BadInput(f"{where}: unknown topic {topic!r} (known: {', '.join(known)})")
    return None


def check_topics(ids: Iterable[str], known: Iterable[str], where: str) -> None:
    error = unknown_topic(ids, known, where)
    if error is not None:
        raise error

"""The platform-neutral digest the renderers turn into Slack, Discord, Markdown or text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from storage.types import StoredItem

ALERTS = "alerts"
OTHER = "other"

SECTION_TITLES = {ALERTS: "Policy alerts", OTHER: "Other news"}


@dataclass(frozen=True, slots=True)
class TopicCatalog:
    """The topics a digest knows, in section order, with their display titles.

    It comes from the tagger's taxonomy (the composition root builds it), so a topic added in
    the config's `[taxonomy]` gets its section, its title and its place without code here.
    """

    order: tuple[str, ...] = ()
    titles: Mapping[str, str] = field(default_factory=dict)

    def title(self, key: str) -> str:
        known = SECTION_TITLES.get(key) or self.titles.get(key)
        return known or key.replace("-", " ").replace("_", " ").capitalize()


def story_tags(item: StoredItem, others: Sequence[StoredItem]) -> Mapping[str, float]:
    """Every tag of a story's tellings (its lead `item` and the `others`), at its best score."""
    if not others:
        return item.tags
    merged = dict(item.tags)
    for other in others:
        for tag, score in other.tags.items():
            if score > merged.get(tag, 0.0):
                merged[tag] = score
    return merged


@dataclass(frozen=True, slots=True)
class Entry:
    """One story: its lead telling (the most authoritative), the other outlets that ran it,
    and their own tellings (`others`, in the order they are listed)."""

    item: StoredItem
    also: tuple[str, ...] = ()
    item_ids: tuple[int, ...] = ()
    topic: str | None = None
    others: tuple[StoredItem, ...] = ()

    @property
    def outlets(self) -> int:
        return 1 + len(self.also)

    @property
    def alert(self) -> bool:
        """A story is an alert when any of its tellings is."""
        return self.item.alert or any(other.alert for other in self.others)

    @property
    def tags(self) -> Mapping[str, float]:
        """Every tag of any telling, at its best score."""
        return story_tags(self.item, self.others)

    @property
    def also_links(self) -> tuple[tuple[str, str | None], ...]:
        """(outlet, url) for each name in `also`: the outlet's own telling where there is one,
        else the lead's (storage keeps one item for copies of the same URL)."""
        urls: dict[str, str | None] = {}
        for other in self.others:
            for name in (other.source, *other.sources):
                if name:
                    urls.setdefault(name, other.url)
        return tuple((name, urls.get(name, self.item.url)) for name in self.also)


@dataclass(frozen=True, slots=True)
class Section:
    key: str  # "alerts", a topic id, or "other"
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    channel: str
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    timezone: str
    window_start: datetime
    window_end: datetime
    omitted: int = 0  # stories beyond the channel's max_items, counted in the footer
    weekly: bool = False
    repeated: int = 0  # stories left out because an earlier digest already showed them

    @property
    def entries(self) -> list[Entry]:
        return [entry for section in self.sections for entry in section.entries]

    @property
    def item_ids(self) -> list[int]:
        return [item_id for entry in self.entries for item_id in entry.item_ids]

    @property
    def is_empty(self) -> bool:
        return not self.sections

    @property
    def footer(self) -> str:
        parts = []
        if self.omitted:
            more = "story" if self.omitted == 1 else "stories"
            parts.append(f"{self.omitted} more {more} not shown (max items reached)")
        if self.repeated:
            again = "story" if self.repeated == 1 else "stories"
            parts.append(f"{self.repeated} {again} from earlier digests not repeated")
        parts.append("talentbrief")
        return " · ".join(parts)

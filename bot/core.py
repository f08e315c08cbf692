"""The application core: one object, built from the config, behind every front-end.

`Talentbrief` owns the database, the tagger and the settings, and exposes each action the CLI,
the scheduler and chat perform as an async method returning plain dataclasses. Database work
runs in worker threads, never on the event loop (chat clients share that loop). Front-ends
parse their input, call one method and render the result; none of them holds an action of its
own. The model is lemon24/reader's `Reader`. Two groups of actions live in their own modules
and are reached through the core: `core.alerts` (bot/alerts/actions.py) and `core.digests`
(bot/digest_actions.py).

    core = Talentbrief(load_config())
    hits = asyncio.run(core.search("H-1B since:7d"))
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from bot.config import PRIORITY, Config
from bot.durations import parse_duration
from storage.db import Database, open_database
from storage.errors import BadInput
from storage.locks import CONFIG_SYNC
from storage.sources import (
    SourceSpec,
    SourceStatus,
    earliest_due_at,
    list_sources,
    source_clash,
    sync_config_sources,
)

# Each action imports its machinery when it runs (the archive, digests, platforms, topics, the
# query grammar): `talentbrief poll` loads the config, the database and the poll, nothing more.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.alerts.actions import AlertActions
    from bot.archive import ItemExplanation, RetagSummary
    from bot.digest_actions import DigestActions
    from bot.doctor import DoctorReport
    from bot.sources import AddedSource, OpmlImport
    from bot.topics import TopicInfo
    from digests.model import TopicCatalog
    from feeds.guard import AddressGuard
    from feeds.poll import PollProgress, PollReport
    from feeds.tagging import Tagger
    from feeds.tagging.taxonomy import Taxonomy
    from storage.query import Query
    from storage.types import SearchHit

T = TypeVar("T")
MAX_SEARCH_RESULTS = 200


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    url: str  # the database, password hidden
    before: str | None  # the applied revision (None: an empty database)
    after: str | None  # after an upgrade; for a status, the newest revision there is


def configured_tagger(config: Config) -> Tagger:
    """The tagger the config asks for: its taxonomy overrides and its `[tagger]` settings
    (compiled once per distinct overrides and settings, by `load_tagger`)."""
    from feeds.tagging import load_tagger

    settings = config.tagger
    return load_tagger(
        config.taxonomy,
        second_opinion=settings.second_opinion,
        may_remove=settings.second_opinion_may_remove,
    )


class Talentbrief:
    """Every action of talentbrief, over one database, tagger and config."""

    def __init__(
        self,
        config: Config,
        *,
        database: Database | None = None,
        env: Mapping[str, str] | None = None,
        console: TextIO | None = None,
        guard: AddressGuard | None = None,
    ) -> None:
        self.config = config
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.console = console
        # The address policy for chat-added sources; tests allow their loopback servers.
        self.guard = guard
        self._database = database
        self._owns_database = database is None
        self._sources_synced = False
        self._open_lock = threading.Lock()

    # --- what the core owns ---------------------------------------------------------------

    @property
    def tagger(self) -> Tagger:
        return configured_tagger(self.config)

    @cached_property
    def taxonomy(self) -> Taxonomy:
        """The topics (with `[taxonomy]` applied); reading it does not compile the tagger."""
        from feeds.tagging.taxonomy import load_taxonomy

        return load_taxonomy(self.config.taxonomy)

    @property
    def topic_ids(self) -> tuple[str, ...]:
        return self.taxonomy.topic_ids()

    @cached_property
    def alerts(self) -> AlertActions:
        """Subscriptions and the admin channel (bot/alerts/actions.py)."""
        from bot.alerts.actions import AlertActions

        return AlertActions(self)

    @cached_property
    def digests(self) -> DigestActions:
        """Channels, previews and posting (bot/digest_actions.py)."""
        from bot.digest_actions import DigestActions

        return DigestActions(self)

    @property
    def catalog(self) -> TopicCatalog:
        from bot.topics import topic_catalog

        return topic_catalog(self.taxonomy)

    def database(self, *, sync_sources: bool = True) -> Database:
        """The migrated database, the config's sources written into it (blocking: call it in a
        worker thread from async code, or use `open`)."""
        with self._open_lock:
            if self._database is None:
                self._database = open_database(self.config.storage.url)
            if sync_sources and not self._sources_synced:
                with self._database.session(lock=CONFIG_SYNC) as session:
                    sync_config_sources(session, self.config.source_specs())
                self._sources_synced = True
            return self._database

    async def open(self) -> Database:
        return await asyncio.to_thread(self.database)

    async def _db(
        self,
        work: Callable[..., T],
        *args: Any,
        sync_sources: bool = True,
        lock: int | None = None,
    ) -> T:
        """Run `work(session, *args)` in a worker thread, in one transaction (under `lock`, a
        key from storage.locks, when given)."""

        def run() -> T:
            with self.database(sync_sources=sync_sources).session(lock=lock) as session:
                return work(session, *args)

        return await asyncio.to_thread(run)

    async def in_session(
        self,
        work: Callable[..., T],
        *args: Any,
        sync_sources: bool = True,
        lock: int | None = None,
    ) -> T:
        """`work(session, *args)` in a worker thread, in one transaction (for the services and
        the action groups: `alerts`, `digests`)."""
        return await self._db(work, *args, sync_sources=sync_sources, lock=lock)

    def close(self) -> None:
        if self._database is not None and self._owns_database:
            self._database.dispose()
            self._database = None

    def upgrade_database(self) -> SchemaStatus:
        """Apply every pending migration (every other action also does, on first use)."""
        from storage.migrate import current_revision

        database = Database(self.config.storage.url)
        try:
            before = current_revision(database.engine)
            database.upgrade()
            return SchemaStatus(database.safe_url, before, current_revision(database.engine))
        finally:
            database.dispose()

    def schema_status(self) -> SchemaStatus:
        from storage.migrate import current_revision, head_revision

        database = Database(self.config.storage.url)
        try:
            return SchemaStatus(
                database.safe_url, current_revision(database.engine), head_revision()
            )
        finally:
            database.dispose()

    async def doctor(self, *, now: datetime | None = None) -> DoctorReport:
        """Check, changing nothing: the database, tokens, channels, schedules and sources."""
        from bot.doctor import diagnose

        return await diagnose(self.config, env=self.env, guard=self.guard, now=now)

    # --- topics -----------------------------------------------------------------------------

    def topics(self) -> list[TopicInfo]:
        from bot.topics import topic_infos

        return topic_infos(self.taxonomy)

    def check_topics(self, ids: Sequence[str], where: str) -> tuple[str, ...]:
        from bot.topics import check_topics

        check_topics(ids, self.topic_ids, where)
        return tuple(ids)

    # --- sources ----------------------------------------------------------------------------

    async def add_source(
        self,
        url: str,
        *,
        name: str | None = None,
        interval: str | int = "30m",
        tags: Sequence[str] = (),
        kind: str | None = None,
        priority: int = 0,
        origin: str = "cli",
        check: bool = True,
        force: bool = False,
    ) -> AddedSource:
        """Add a source after one fetch shows it answers with a feed.

        Sources from chat (origin "chat") are fetched through the address guard, then and at
        every poll. With `force`, a source whose check fails is added anyway (the reason is in
        the result).
        """
        from bot import sources as source_actions

        url = source_actions.source_url(url)
        if not -PRIORITY <= priority <= PRIORITY:
            raise BadInput(f"priority must be between -{PRIORITY} and {PRIORITY}")
        chosen_kind = source_actions.check_kind(kind, url)
        try:
            seconds = parse_duration(interval)
        except ValueError as exc:
            raise BadInput(f"interval: {exc}") from None
        spec = SourceSpec(
            name=source_actions.source_name(name, url),
            url=url,
            kind=chosen_kind,
            interval_seconds=source_actions.check_interval(url, seconds),
            hint_tags=self.check_topics(tuple(tags), "tags"),
            origin=origin,
            priority=priority,
        )
        await self._db(_refuse_taken, spec)  # before spending a fetch on it
        checked, problem = None, None
        if check:
            try:
                checked = await source_actions.check_feed(
                    url,
                    chosen_kind,
                    source_actions.fetch_settings(self.config.poll),
                    guarded=origin == "chat",
                    guard=self.guard,
                )
            except source_actions.FeedCheckFailed as exc:
                if not force:
                    raise
                problem = str(exc)
        await self._db(source_actions.store_new_source, spec)
        return source_actions.AddedSource(
            spec.name, url, spec.kind, spec.interval_seconds, spec.hint_tags, checked, problem
        )

    async def remove_source(self, name: str) -> None:
        from bot import sources as source_actions

        await self._db(source_actions.remove_named_source, self.config, name)

    async def sources(self) -> list[SourceStatus]:
        return await self._db(list_sources)

    async def import_opml(self, data: bytes, *, interval: str | int = "30m") -> OpmlImport:
        from bot import sources as source_actions

        try:
            seconds = parse_duration(interval)
        except ValueError as exc:
            raise BadInput(f"interval: {exc}") from None
        return await self._db(
            lambda session: source_actions.import_opml(
                session, data, interval_seconds=seconds, known_topics=self.topic_ids
            )
        )

    async def export_opml(self) -> bytes:
        from bot import sources as source_actions

        return await self._db(source_actions.export_opml)

    # --- polling ----------------------------------------------------------------------------

    async def poll(
        self, *, due_only: bool = True, progress: Callable[[PollProgress], None] | None = None
    ) -> PollReport:
        from bot.sources import fetch_settings
        from feeds.poll import poll_sources

        database = await self.open()
        return await poll_sources(
            database,
            fetch_settings(self.config.poll),
            # Compiling the tagger takes most of a second: a cycle where no feed changed
            # (all 304s) never pays for it.
            lambda: self.tagger,
            due_only=due_only,
            progress=progress,
            guard=self.guard,
            lease=timedelta(seconds=self.config.leases.sources),
        )

    async def next_poll_due(self) -> datetime | None:
        """When the next source falls due; None when no source is enabled."""
        return await self._db(earliest_due_at)

    # --- the archive --------------------------------------------------------------------------

    def parse_query(
        self,
        text: str,
        *,
        tags: Sequence[str] = (),
        sources: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        now: datetime | None = None,
    ) -> Query:
        """A query in the search grammar, with every `tag:` checked against the taxonomy."""
        from storage.query import parse_query

        return parse_query(
            text,
            now=now,
            tags=tags,
            sources=sources,
            since=since,
            until=until,
            known_tags=self.topic_ids,
        )

    async def search(
        self,
        query: str | Query,
        *,
        limit: int = 10,
        now: datetime | None = None,
        marks: tuple[str, str] = ("**", "**"),
    ) -> list[SearchHit]:
        """The best items for a query; `marks` go around the matched words of each snippet."""
        if not 1 <= limit <= MAX_SEARCH_RESULTS:
            raise BadInput(f"limit must be between 1 and {MAX_SEARCH_RESULTS}")
        from bot import archive

        parsed = self.parse_query(query, now=now) if isinstance(query, str) else query
        return await self._db(
            lambda s: archive.search(s, parsed, limit=limit, now=now, marks=marks)
        )

    async def item_count(self) -> int:
        """How many items the archive holds (an empty one explains an empty search)."""
        from storage.items import count_items

        return await self._db(count_items)

    async def latest(self, topic: str | None = None, *, limit: int = 10) -> list[SearchHit]:
        if topic is not None:
            self.check_topics([topic], "topic")
        from bot import archive

        return await self._db(
            lambda s: archive.latest(s, topic=topic, limit=limit, known_topics=self.topic_ids)
        )

    async def explain(self, item_id: int) -> ItemExplanation:
        from bot import archive

        return await self._db(archive.explain, item_id)

    async def count_to_retag(self, since: datetime | None = None) -> int:
        from bot import archive

        database = await self.open()
        return await asyncio.to_thread(archive.count_to_retag, database, since)

    async def retag(
        self,
        *,
        since: datetime | None = None,
        batch_size: int = 500,
        progress: Callable[[int], object] | None = None,
    ) -> RetagSummary:
        if batch_size < 1:
            raise BadInput("batch size must be at least 1")
        from bot import archive

        database = await self.open()
        return await asyncio.to_thread(
            archive.retag_archive,
            database,
            self.tagger,
            since=since,
            batch_size=batch_size,
            progress=progress,
        )


def _refuse_taken(session: Session, spec: SourceSpec) -> None:
    clash = source_clash(session, spec)
    if clash is not None:
        raise BadInput(clash)

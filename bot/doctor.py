"""`talentbrief doctor`: is this installation ready to run? Each check is one plain row.

The checks read and ask; they change nothing: the database is opened without migrating it (a
missing SQLite file is not created), feeds are fetched once without being stored, and the chat
platforms are asked who the bot is and whether it sees its channels (Slack `auth.test` and
`conversations.info`, Discord `GET /users/@me`, `/channels/{id}` and `/webhooks/{id}/{token}`,
all through the configured `api_base_url`). Sources are checked concurrently through one fetcher
with the `[poll]` limits and timeouts. Chat checks live in `bot.doctor_chat`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import make_url

from bot.config import DATABASE_ENV, Config
from bot.sources import FeedCheckFailed, check_feed, fetch_settings
from digests.schedule import next_slot
from feeds.fetch import Fetcher
from feeds.guard import AddressGuard
from storage.channels import ChannelSpec, list_channels
from storage.db import Database, normalize_url
from storage.errors import TalentbriefError
from storage.migrate import alembic_config, current_revision, head_revision
from storage.sources import SourceSpec, list_sources

Status = Literal["ok", "problem", "skipped"]


@dataclass(frozen=True, slots=True)
class Check:
    """One row of the report: what was checked, how it went, and what to do about it."""

    area: str  # config | database | clock | token | channel | schedule | source
    name: str  # the file, URL, variable, channel or source checked
    status: Status
    detail: str  # one line: what was found, or what is wrong and what to do
    seconds: float | None = None  # how long the check took, when it asked a server
    next_post: datetime | None = None  # schedules: the next digest, in the channel's zone


@dataclass(frozen=True, slots=True)
class DoctorReport:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problems(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if check.status == "problem")


def config_problem(message: str) -> DoctorReport:
    """The report when the config file cannot be loaded: nothing else can be checked."""
    return DoctorReport((Check("config", "config file", "problem", message),))


async def diagnose(
    config: Config,
    *,
    env: Mapping[str, str],
    guard: AddressGuard | None = None,
    now: datetime | None = None,
) -> DoctorReport:
    now = now or datetime.now(UTC)
    database, readable = await asyncio.to_thread(check_database, config.storage.url)
    stored_sources: list[SourceSpec] = []
    stored_channels: list[ChannelSpec] = []
    if readable:
        stored_sources, stored_channels = await asyncio.to_thread(_stored, config.storage.url)
    sources = _merge_sources(config.source_specs(), stored_sources)
    channels = _merge_channels(config.channel_specs(), stored_channels)
    from bot.doctor_chat import check_chat  # noqa: PLC0415 (it builds on this module's Check)

    chat, feeds = await asyncio.gather(
        check_chat(config, channels, env),
        check_sources(sources, config, guard=guard),
    )
    checks = [
        check_config(config, env, sources=len(sources), channels=len(channels)),
        database,
        clock(now),
        *chat,
        *(check_schedule(channel, now) for channel in channels),
        *feeds,
    ]
    return DoctorReport(tuple(checks))


# --- config, database, clock -----------------------------------------------------------------


def check_config(config: Config, env: Mapping[str, str], *, sources: int, channels: int) -> Check:
    found = f"valid: {_count(sources, 'source')}, {_count(channels, 'channel')}"
    if channels == 0:
        found += " (without [[channels]] nothing is posted: `run` only polls)"
    elif sources == 0:
        found += " (without [[sources]] nothing is polled: add some, or `feeds add URL`)"
    if env.get(DATABASE_ENV):
        found += f"; ${DATABASE_ENV} sets the database"
    if config.path is None:
        return Check(
            "config",
            "built-in defaults",
            "ok",
            "no ./talentbrief.toml and no --config or $TALENTBRIEF_CONFIG: the built-in "
            f"sources and a console channel; {found}",
        )
    return Check("config", str(config.path), "ok", found)


def check_database(url: str) -> tuple[Check, bool]:
    """The database reachable and at the newest migration, opened without migrating it.

    The second value says whether its tables can be read (it exists and is up to date).
    """
    newest = head_revision()
    try:
        parsed = make_url(normalize_url(url))
        safe = parsed.render_as_string(hide_password=True)
        file = parsed.database if parsed.get_backend_name() == "sqlite" else None
        if file and file != ":memory:" and not Path(file).expanduser().exists():
            folder = Path(file).expanduser().resolve().parent
            if not folder.is_dir():
                return Check("database", safe, "problem", f"folder {folder} does not exist"), False
            return Check(
                "database", safe, "ok", "not created yet: the first poll or run creates it"
            ), False
        database = Database(url)
    except TalentbriefError as exc:
        return Check("database", url, "problem", str(exc)), False
    try:
        current = current_revision(database.engine)
    except Exception as exc:  # the driver's own errors (refused, auth, not a database)
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        return Check("database", safe, "problem", f"cannot read it: {reason}"), False
    finally:
        database.dispose()
    if current == newest:
        return Check("database", safe, "ok", f"reachable, at the newest revision ({newest})"), True
    if current is None:
        detail = "reachable and empty: the first poll or run (or `talentbrief db upgrade`) " + (
            "creates the tables"
        )
        return Check("database", safe, "ok", detail), False
    known = _known_revisions()
    if current not in known:
        detail = (
            f"at revision {current}, which this talentbrief does not know: a newer version "
            "wrote it; upgrade talentbrief"
        )
    else:
        detail = f"at revision {current}, the newest is {newest}: run `talentbrief db upgrade`"
    return Check("database", safe, "problem", detail), False


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory  # noqa: PLC0415 (only for a database behind)

    script = ScriptDirectory.from_config(alembic_config())
    return {revision.revision for revision in script.walk_revisions()}


def _stored(url: str) -> tuple[list[SourceSpec], list[ChannelSpec]]:
    """Sources and enabled channels added outside the config file (CLI, OPML, chat)."""
    database = Database(url)
    try:
        with database.session() as session:
            sources = [
                SourceSpec(
                    name=row.name,
                    url=row.url,
                    kind=row.kind,
                    interval_seconds=row.interval_seconds,
                    origin=row.origin,
                    enabled=row.enabled,
                )
                for row in list_sources(session)
                if row.origin != "config"
            ]
            channels = [
                stored.spec
                for stored in list_channels(session, enabled_only=True)
                if stored.spec.origin != "config"
            ]
            return sources, channels
    finally:
        database.dispose()


def _merge_sources(config: list[SourceSpec], stored: list[SourceSpec]) -> list[SourceSpec]:
    names = {spec.name for spec in config}
    return [*config, *(spec for spec in stored if spec.name not in names)]


def _merge_channels(config: list[ChannelSpec], stored: list[ChannelSpec]) -> list[ChannelSpec]:
    names = {spec.name for spec in config}
    return [*config, *(spec for spec in stored if spec.name not in names)]


def clock(now: datetime) -> Check:
    local = now.astimezone()
    offset = local.strftime("%z")
    detail = (
        f"now {now:%Y-%m-%d %H:%M:%S} UTC; this machine's time zone is {local.tzname()} "
        f"(UTC{offset[:3]}:{offset[3:]}); schedules use each channel's own timezone"
    )
    return Check("clock", "this machine", "ok", detail)


def check_schedule(channel: ChannelSpec, now: datetime) -> Check:
    upcoming = next_slot(channel.schedule, channel.timezone, channel.days, now)
    if upcoming is None:
        return Check(
            "schedule", channel.name, "problem", "its schedule never fires: check schedule, days"
        )
    utc = upcoming.astimezone(UTC)
    day = "" if utc.date() == upcoming.date() else f"{utc:%a} "
    detail = (
        f"next digest {upcoming:%a %Y-%m-%d %H:%M} {upcoming.tzname()} ({channel.timezone}) "
        f"= {day}{utc:%H:%M} UTC"
    )
    return Check("schedule", channel.name, "ok", detail, next_post=upcoming)


# --- sources ---------------------------------------------------------------------------------


async def check_sources(
    sources: Sequence[SourceSpec], config: Config, *, guard: AddressGuard | None
) -> list[Check]:
    """Every enabled source fetched once, concurrently, within the `[poll]` limits."""
    settings = fetch_settings(config.poll)
    async with Fetcher(settings, guard=guard) as fetcher:
        return list(
            await asyncio.gather(*(_check_source(spec, fetcher, guard) for spec in sources))
        )


async def _check_source(spec: SourceSpec, fetcher: Fetcher, guard: AddressGuard | None) -> Check:
    if not spec.enabled:
        return Check("source", spec.name, "skipped", "disabled: not polled")
    started = time.perf_counter()
    try:
        found = await check_feed(
            spec.url,
            spec.kind,
            fetcher.settings,
            guarded=spec.origin == "chat",
            guard=guard,
            fetcher=fetcher,
        )
    except FeedCheckFailed as exc:
        seconds = time.perf_counter() - started
        reason = str(exc).removeprefix(f"{spec.url}: ").removeprefix(spec.url).strip()
        return Check("source", spec.name, "problem", f"{reason} (after {seconds:.2f} s)", seconds)
    except Exception as exc:  # one broken source never hides the others
        seconds = time.perf_counter() - started
        return Check("source", spec.name, "problem", f"{type(exc).__name__}: {exc}", seconds)
    seconds = time.perf_counter() - started
    detail = f"a feed with {_count(found.entries, 'entry', 'entries')} in {seconds:.2f} s"
    return Check("source", spec.name, "ok", detail, seconds)


def _count(number: int, word: str, many: str | None = None) -> str:
    return f"{number} {word if number == 1 else (many or word + 's')}"

"""The config file: TOML validated into typed objects.

Secrets never live here; they come from the environment (SLACK_BOT_TOKEN, DISCORD_TOKEN, …).
`TALENTBRIEF_CONFIG` picks the file and `TALENTBRIEF_DATABASE_URL` overrides `storage.url`.
With no config file at all, the built-in default sources and a console channel are used.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.durations import interval_problem, parse_duration
from storage.db import normalize_url
from storage.errors import BadInput, ConfigError
from storage.sources import SourceSpec
from storage.urls import redact_url, url_problem

if TYPE_CHECKING:
    from storage.channels import ChannelSpec

# What only channels, topic ids and the `[taxonomy]` table need (platforms, the scheduler's
# cron reading, the query grammar, the taxonomy) is imported by the validators that use it:
# a config of sources alone (`talentbrief poll`) never loads them.

CONFIG_ENV = "TALENTBRIEF_CONFIG"
DATABASE_ENV = "TALENTBRIEF_DATABASE_URL"
DEFAULT_CONFIG_FILE = "talentbrief.toml"

_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


Seconds = Annotated[int, BeforeValidator(parse_duration)]
# Every number has a range: a value beyond it is a typo, and would otherwise fail much later
# (an overflow in a date sum, an integer too big for the database column, a 50 GB read).
PRIORITY = 1000
MAX_TIMEOUT = 600
MAX_BODY_BYTES = 1024**3
MAX_BACKOFF = 30 * 86400
MAX_LEASE = 3600


def _printable(text: str, what: str) -> str:
    if _CONTROL.search(text):
        raise ValueError(f"{what} must not contain control characters (line breaks, tabs)")
    return text


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageConfig(_Section):
    url: str = "sqlite:///talentbrief.db"

    @field_validator("url")
    @classmethod
    def _database_url(cls, url: str) -> str:
        try:
            normalize_url(url)
        except BadInput as exc:
            raise ValueError(str(exc).removeprefix("storage.url: ")) from None
        return url


class SourceConfig(_Section):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=2000)
    kind: Literal["feed", "federal_register"] = "feed"
    interval: Seconds = 1800
    tags: tuple[str, ...] = Field(default=(), max_length=20)
    priority: int = Field(default=0, ge=-PRIORITY, le=PRIORITY)
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _one_line_name(cls, name: str) -> str:
        return _printable(name, "a source name")

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        problem = url_problem(url)
        if problem is not None:
            raise ValueError(f"{redact_url(url)[:100]!r} {problem}")
        return url

    @model_validator(mode="after")
    def _sane_interval(self) -> SourceConfig:
        problem = interval_problem(self.url, self.interval)
        if problem is not None:
            raise ValueError(f"interval: {problem}")
        return self

    def spec(self) -> SourceSpec:
        return SourceSpec(
            name=self.name,
            url=self.url,
            kind=self.kind,
            interval_seconds=self.interval,
            hint_tags=self.tags,
            origin="config",
            priority=self.priority,
            enabled=self.enabled,
        )


class ChannelConfig(_Section):
    """A place digests go. The digest feature reads the scheduling and selection keys."""

    name: str = Field(min_length=1, max_length=100)
    platform: Literal["slack", "discord", "console"] = "console"
    target: str = ""
    schedule: tuple[str, ...] = ("08:00",)
    timezone: str = "UTC"
    days: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    query: str | None = None
    max_items: int = Field(default=30, ge=1, le=500)
    post_empty: bool = False
    weekly: str | None = None  # a weekday ("mon") for the weekly edition with its chart

    @field_validator("schedule", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("schedule")
    @classmethod
    def _valid_schedule(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        if not entries:
            raise ValueError("give at least one time of day or a cron expression")
        for entry in entries:
            if _TIME_OF_DAY.fullmatch(entry):
                hour, minute = (int(part) for part in entry.split(":"))
                if hour > 23 or minute > 59:
                    raise ValueError(f"{entry!r} is not a time of day")
            elif len(entry.split()) == 5:
                from digests.schedule import cron_trigger  # noqa: PLC0415 - see the imports

                try:
                    # The scheduler's own reading, with crontab's day numbers (7 = Sunday).
                    cron_trigger(entry, "UTC")
                except ValueError as exc:
                    raise ValueError(f"{entry!r} is not a valid cron expression: {exc}") from None
            else:
                raise ValueError(f"{entry!r}: write a time of day (08:00) or a cron expression")
        return entries

    @field_validator("days")
    @classmethod
    def _weekdays(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        normalised = tuple(day.strip().lower()[:3] for day in days)
        for day, short in zip(days, normalised, strict=True):
            if short not in WEEKDAYS:
                raise ValueError(f"{day!r} is not a day of the week (mon … sun)")
        return normalised

    @field_validator("query")
    @classmethod
    def _valid_query(cls, text: str | None) -> str | None:
        if text is not None:
            from storage.query import QuerySyntaxError, parse_query  # noqa: PLC0415

            try:
                parse_query(text)
            except QuerySyntaxError as exc:
                raise ValueError(str(exc)) from None
        return text

    @field_validator("weekly")
    @classmethod
    def _weekly_day(cls, day: str | None) -> str | None:
        if day is None:
            return None
        short = day.strip().lower()[:3]
        if short not in WEEKDAYS:
            raise ValueError(f"{day!r} is not a day of the week (mon … sun)")
        return short

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {name!r}") from None
        return name

    @model_validator(mode="after")
    def _target_works(self) -> ChannelConfig:
        from bot.platforms import platform  # noqa: PLC0415 - see the imports

        # Checked here, not at 08:00 when the first post would fail.
        problem = platform(self.platform).target_problem(self.target)
        if problem is not None:
            raise ValueError(f"channel {self.name!r}: {problem}")
        return self

    def spec(self) -> ChannelSpec:
        from storage.channels import ChannelSpec  # noqa: PLC0415 - see the imports

        return ChannelSpec(
            name=self.name,
            platform=self.platform,
            target=self.target,
            schedule=self.schedule,
            timezone=self.timezone,
            days=self.days,
            topics=self.topics,
            query=self.query,
            max_items=self.max_items,
            post_empty=self.post_empty,
            weekly=self.weekly,
            origin="config",
        )


def _api_url(url: str) -> str:
    problem = url_problem(url)
    if problem is not None:
        raise ValueError(f"{redact_url(url)[:100]!r} {problem}")
    return url


class SlackConfig(_Section):
    mode: Literal["socket", "http"] = "socket"
    host: str = Field(default="0.0.0.0", min_length=1, max_length=255)
    port: int = Field(default=3000, ge=0, le=65535)  # 0: any free port (tests)
    api_base_url: Annotated[str, AfterValidator(_api_url)] = "https://slack.com/api/"
    admins: tuple[str, ...] = ()

    @field_validator("admins")
    @classmethod
    def _user_ids(cls, admins: tuple[str, ...]) -> tuple[str, ...]:
        for user in admins:
            if not re.fullmatch(r"[UW][A-Z0-9]+", user):
                raise ValueError(f"{user!r} is not a Slack user id (U… as in the user's profile)")
        return admins


class DiscordConfig(_Section):
    api_base_url: Annotated[str, AfterValidator(_api_url)] = "https://discord.com/api/v10"
    guilds: tuple[int, ...] = ()

    @field_validator("guilds", mode="before")
    @classmethod
    def _snowflakes(cls, guilds: Any) -> Any:
        if isinstance(guilds, list | tuple):
            for guild in guilds:
                if not re.fullmatch(r"\d{15,21}", str(guild)):
                    raise ValueError(f"{guild!r} is not a Discord server id (digits)")
            return tuple(int(guild) for guild in guilds)
        return guilds


class PollConfig(_Section):
    concurrency: int = Field(default=16, ge=1, le=512)
    per_host: int = Field(default=4, ge=1, le=64)
    connect_timeout: Annotated[Seconds, Field(le=MAX_TIMEOUT)] = 10
    timeout: Annotated[Seconds, Field(le=MAX_TIMEOUT)] = 20
    max_bytes: int = Field(default=15 * 1024 * 1024, ge=1024, le=MAX_BODY_BYTES)
    failing_after: int = Field(default=3, ge=1, le=1000)
    max_backoff: Annotated[Seconds, Field(le=MAX_BACKOFF)] = 6 * 3600
    max_entries: int = Field(default=1000, ge=1, le=100_000)
    user_agent: str = Field(
        default="talentbrief/0.1 (+https://github.com/talentbrief/talentbrief; feed reader)",
        min_length=1,
        max_length=300,
    )

    @field_validator("user_agent")
    @classmethod
    def _header_safe(cls, agent: str) -> str:
        return _printable(agent, "a User-Agent")


class LeasesConfig(_Section):
    """How long a process holds work it claimed (renewed while it works on it). After a crash,
    that work waits at most this long for another process to pick it up."""

    sources: Annotated[Seconds, Field(ge=2, le=MAX_LEASE)] = 60
    digests: Annotated[Seconds, Field(ge=2, le=MAX_LEASE)] = 60


class AlertsConfig(_Section):
    """Policy alerts: subscriptions as saved queries, delivered from an outbox."""

    max_per_user: int = Field(default=20, ge=1, le=1000)
    # Who may subscribe a whole channel (`subscribe … here`): anyone in it, or admins only.
    channel_subscriptions: Literal["anyone", "admins"] = "anyone"
    # More than `flood_threshold` matches of one subscription within `flood_window` become
    # one message listing them.
    flood_threshold: int = Field(default=5, ge=1, le=1000)
    flood_window: Seconds = 600
    max_attempts: int = Field(default=5, ge=1, le=50)
    retry_after: Seconds = 30  # the first wait after a failed post; doubles each time
    # How long a dispatcher holds the deliveries it claimed; after a crash they come back when
    # it runs out (a message that may have gone out is looked up before it is sent again).
    lease: Seconds = Field(default=60, ge=2, le=3600)
    # A [[channels]] entry (by name) that hears about paused targets and source health.
    admin_channel: str | None = None
    # How long a source may stay without a new item, in multiples of its interval, before the
    # admin channel hears it went quiet (and at least a day).
    quiet_after_intervals: int = Field(default=48, ge=2, le=10_000)


class TaggerConfig(_Section):
    """The topic tagger beyond its taxonomy."""

    # The learned second opinion (feeds/tagging/similar.py): may add a topic or the alert flag
    # the rules missed, with its score as the reason. Off: the rules alone.
    second_opinion: bool = True
    # With the second opinion on: it may also remove a topic or the alert flag the rules gave
    # when it scores it under its doubt threshold (feeds/tagging/doubts.py). Off: it only adds.
    second_opinion_may_remove: bool = False


class Config(_Section):
    storage: StorageConfig = StorageConfig()
    sources: tuple[SourceConfig, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()
    slack: SlackConfig = SlackConfig()
    discord: DiscordConfig = DiscordConfig()
    poll: PollConfig = PollConfig()
    leases: LeasesConfig = LeasesConfig()
    alerts: AlertsConfig = AlertsConfig()
    tagger: TaggerConfig = TaggerConfig()
    # Validated by the tagger (feeds.tagging), which owns its schema.
    taxonomy: dict[str, Any] = Field(default_factory=dict)
    # Where this config came from, for messages; None for the built-in defaults.
    path: Path | None = None

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        for section, names in (
            ("sources", [s.name for s in self.sources]),
            ("channels", [c.name for c in self.channels]),
        ):
            seen: set[str] = set()
            for name in names:
                if name in seen:
                    raise ValueError(f"{section}: the name {name!r} is used twice")
                seen.add(name)
        admin = self.alerts.admin_channel
        if admin is not None and admin not in {channel.name for channel in self.channels}:
            raise ValueError(f"alerts.admin_channel: no [[channels]] entry is named {admin!r}")
        return self

    def channel(self, name: str) -> ChannelConfig:
        for channel in self.channels:
            if channel.name == name:
                return channel
        known = ", ".join(c.name for c in self.channels) or "none"
        raise ConfigError(f"no channel named {name!r} in the config (known: {known})")

    def source_specs(self) -> list[SourceSpec]:
        return [source.spec() for source in self.sources]

    def channel_specs(self) -> list[ChannelSpec]:
        return [channel.spec() for channel in self.channels]


def _format_error(error: ValidationError, origin: str) -> str:
    first = error.errors()[0]
    location = ""
    for part in first["loc"]:
        location += (
            f"[{part}]" if isinstance(part, int) else (f".{part}" if location else str(part))
        )
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    more = len(error.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{origin}: {location or 'config'}: {message}{suffix}"


def _validate(data: dict[str, Any], origin: str, path: Path | None) -> Config:
    try:
        config = Config.model_validate({**data, "path": path})
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, origin)) from None
    _check_topics(config, origin)
    return config


def _names_topics(config: Config) -> bool:
    """Whether the config has anything to check against the taxonomy: its own `[taxonomy]`
    table, or topic ids in a channel or a source (a channel's query may name `tag:`s)."""
    return bool(
        config.taxonomy
        or any(channel.topics or channel.query for channel in config.channels)
        or any(source.tags for source in config.sources)
    )


def _check_topics(config: Config, origin: str) -> None:
    """Topic ids in channels and sources must be the taxonomy's (with `[taxonomy]` applied)."""
    if not _names_topics(config):
        return  # the shipped taxonomy alone is checked by its own tests, not at every start
    from bot.topics import unknown_topic  # noqa: PLC0415 - see the imports
    from feeds.tagging.taxonomy import load_taxonomy  # noqa: PLC0415
    from storage.query import parse_query  # noqa: PLC0415

    try:
        known = load_taxonomy(config.taxonomy).topic_ids()
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from None
    for index, channel in enumerate(config.channels):
        error = unknown_topic(channel.topics, known, f"{origin}: channels[{index}].topics")
        if error is None and channel.query:
            try:
                parse_query(channel.query, known_tags=known)
            except BadInput as exc:
                error = BadInput(f"{origin}: channels[{index}].query: {exc}")
        if error is not None:
            raise ConfigError(str(error))
    for index, source in enumerate(config.sources):
        error = unknown_topic(source.tags, known, f"{origin}: sources[{index}].tags")
        if error is not None:
            raise ConfigError(str(error))


def builtin_defaults() -> Config:
    """The default sources and a console channel, used when no config file exists."""
    text = resources.files("bot").joinpath("defaults.toml").read_text("utf-8")
    return _validate(tomllib.loads(text), "built-in defaults", None)


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Load the config: explicit path, else $TALENTBRIEF_CONFIG, else ./talentbrief.toml if it
    exists, else the built-in defaults. $TALENTBRIEF_DATABASE_URL overrides storage.url."""
    env = dict(os.environ) if env is None else env
    chosen = path or env.get(CONFIG_ENV) or None
    if chosen is None and Path(DEFAULT_CONFIG_FILE).is_file():
        chosen = DEFAULT_CONFIG_FILE
    if chosen is None:
        config = builtin_defaults()
    else:
        file = Path(chosen).expanduser()
        try:
            data = tomllib.loads(file.read_text("utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {str(file)!r} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {str(file)!r}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from None
        if "path" in data:
            raise ConfigError(f"{file}: path: unknown key")
        config = _validate(data, str(file), file)
    override = env.get(DATABASE_ENV)
    if override:
        try:
            storage = StorageConfig(url=override)
        except ValidationError as exc:
            raise ConfigError(_format_error(exc, f"${DATABASE_ENV}")) from None
        config = config.model_copy(update={"storage": storage})
    return config

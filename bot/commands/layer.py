"""The platform-neutral command layer: which commands exist, how text becomes arguments, and what
a caller sees when something goes wrong.

Slack sends the text after `/brief` (`search H-1B since:7d`); Discord sends a subcommand with
typed options. Both end in `CommandLayer.run(caller, name, arguments)`. Mistakes a user makes
(an unknown command, a bad query, an unknown topic or source, a missing permission, too many
commands a minute) get one short reply; the bot's own failures are logged with a reference the
reply quotes, never a stack trace.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.commands import handlers
from bot.commands.model import Caller, Reply, Usage
from bot.core import Talentbrief
from bot.platforms import platform
from storage.errors import BadInput

log = logging.getLogger(__name__)

PREFIX = "/brief"
MAX_TEXT = 500  # characters of arguments a command accepts
RATE = 10  # commands per user per RATE_WINDOW
RATE_WINDOW = 60.0

Handler = Callable[..., Awaitable[Reply]]
TextParser = Callable[[str], dict[str, str | None]]


class NotAllowed(BadInput):
    """The caller may not run this command."""


@dataclass(frozen=True, slots=True)
class Command:
    usage: Usage
    handler: Handler
    from_text: TextParser


def _nothing(text: str) -> dict[str, str | None]:
    if text.strip():
        raise BadInput(f"this command takes no arguments (got {text.strip()[:40]!r})")
    return {}


def _required(name: str, what: str) -> TextParser:
    def parse(text: str) -> dict[str, str | None]:
        if not text.strip():
            raise BadInput(f"give {what}")
        return {name: text.strip()}

    return parse


def _optional(name: str) -> TextParser:
    return lambda text: {name: text.strip() or None}


def _feeds_add(text: str) -> dict[str, str | None]:
    parts = text.split(maxsplit=1)
    if not parts:
        raise BadInput("give the feed's URL, e.g. feeds add https://example.org/feed.xml")
    return {"url": parts[0].strip("<>"), "tags": parts[1] if len(parts) > 1 else None}


def _subscribe(text: str) -> dict[str, str | None]:
    """`subscribe "Thousand Talents" here` → the query, and where (here | dm) if it ends so."""
    words = text.split()
    if not words:
        raise BadInput("give a query, e.g. subscribe tag:visa-policy alert:yes dm")
    if words[-1].lower() in ("here", "dm") and len(words) > 1:
        return {"query": text.strip()[: -len(words[-1])].strip(), "where": words[-1].lower()}
    return {"query": text.strip(), "where": None}


def _commands() -> dict[str, Command]:
    entries = [
        Command(
            Usage("search", "QUERY", "the ten best recent items", "search H-1B since:7d"),
            handlers.search,
            _required("query", 'a query, e.g. H-1B since:7d or "talent program" -opinion'),
        ),
        Command(
            Usage("latest", "[TOPIC]", "the newest items, alerts first", "latest visa-policy"),
            handlers.latest,
            _optional("topic"),
        ),
        Command(
            Usage("digest", "[TOPIC]", "a private preview of today's digest", "digest returnees"),
            handlers.digest,
            _optional("topic"),
        ),
        Command(
            Usage("topics", "", "the topic ids and what each covers", "topics"),
            handlers.topics,
            _nothing,
        ),
        Command(
            Usage("why", "ITEM", "why an item has its topics and alert flag", "why 1234"),
            handlers.why,
            _required("item", "an item id from search results, e.g. why 1234"),
        ),
        Command(
            Usage("sources", "", "every source with its health", "sources"),
            handlers.sources,
            _nothing,
        ),
        Command(
            Usage(
                "feeds add",
                "URL [TOPICS]",
                "add a feed after checking it answers (admins)",
                "feeds add https://example.org/feed.xml visa-policy",
                admin=True,
            ),
            handlers.feeds_add,
            _feeds_add,
        ),
        Command(
            Usage(
                "feeds remove",
                "NAME",
                "stop polling a source (admins)",
                "feeds remove ITIF",
                admin=True,
            ),
            handlers.feeds_remove,
            _required("name", "the source's name, as `sources` shows it"),
        ),
        Command(
            Usage(
                "subscribe",
                "QUERY [here|dm]",
                "get new items matching a query as alerts, here or in your DMs",
                "subscribe tag:visa-policy alert:yes dm",
            ),
            handlers.subscribe,
            _subscribe,
        ),
        Command(
            Usage("unsubscribe", "ID", "stop a subscription", "unsubscribe 12"),
            handlers.unsubscribe,
            _required("subscription", "the subscription's id, as subscriptions shows it"),
        ),
        Command(
            Usage("subscriptions", "", "your subscriptions and their deliveries", "subscriptions"),
            handlers.subscriptions,
            _nothing,
        ),
    ]
    return {command.usage.name: command for command in entries}


COMMANDS = _commands()


def help_reply(commands: Mapping[str, Command] = COMMANDS) -> Reply:
    fields = [
        (f"{PREFIX} {c.usage.line}", f"{c.usage.summary}: {PREFIX} {c.usage.example}")
        for c in commands.values()
    ]
    fields.append((f"{PREFIX} help", "this list"))
    return Reply(
        title="talentbrief commands",
        fields=tuple(fields),
        footer="Mention the bot or send it a direct message to search, e.g. H-1B since:7d",
    )


class RateLimiter:
    """At most `limit` commands per caller in any `window` seconds."""

    def __init__(
        self,
        limit: int = RATE,
        window: float = RATE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def wait_needed(self, caller: Caller) -> float:
        """0 when the caller may go on (and counts it); else seconds until they may."""
        now = self.clock()
        seen = self._seen[(caller.platform, caller.user_id)]
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            return self.window - (now - seen[0])
        seen.append(now)
        return 0.0


class CommandLayer:
    """Runs `/brief` commands for any platform over one core."""

    def __init__(self, core: Talentbrief, *, limiter: RateLimiter | None = None) -> None:
        self.core = core
        self.limiter = limiter or RateLimiter()
        self.commands = dict(COMMANDS)

    def split(self, text: str) -> tuple[str, str]:
        """`feeds add https://…` → ("feeds add", "https://…"); `search x` → ("search", "x")."""
        words = text.strip().split(maxsplit=2)
        if not words:
            return "help", ""
        first = words[0].lower()
        if len(words) > 1 and f"{first} {words[1].lower()}" in self.commands:
            return f"{first} {words[1].lower()}", words[2] if len(words) > 2 else ""
        rest = text.strip()[len(words[0]) :].strip()
        return first, rest

    async def run_text(self, caller: Caller, text: str) -> Reply:
        """A command typed as text (Slack's `/brief …`)."""
        name, rest = self.split(text)
        command = self.commands.get(name)
        if command is None:
            return await self.run(caller, name, {})
        try:
            arguments = command.from_text(rest)
        except BadInput as exc:
            return self._mistake(f"{exc} — usage: {PREFIX} {command.usage.line}")
        return await self.run(caller, name, arguments)

    async def search_text(self, caller: Caller, text: str) -> Reply:
        """A mention of the bot or a direct message: a search, or help when empty."""
        cleaned = text.strip()
        if not cleaned or cleaned.lower() == "help":
            return await self.run(caller, "help", {})
        return await self.run(caller, "search", {"query": cleaned})

    async def run(self, caller: Caller, name: str, arguments: Mapping[str, Any]) -> Reply:
        wait = self.limiter.wait_needed(caller)
        if wait:
            return self._mistake(
                f"That is more than {self.limiter.limit} commands a minute: "
                f"try again in {wait:.0f} s."
            )
        if name == "help":
            return help_reply(self.commands)
        command = self.commands.get(name)
        if command is None:
            return self._mistake(
                f"There is no command {name[:40]!r}. "
                f"Try {PREFIX} help, or {PREFIX} search {name[:40]}."
            )
        try:
            await self._check(caller, command, arguments)
            return await command.handler(self.core, caller, **arguments)
        except BadInput as exc:
            return self._mistake(str(exc))
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception(
                "command %r failed (ref %s) for %s user %s in %s",
                name,
                reference,
                caller.platform,
                caller.user_id,
                caller.channel_id,
            )
            return Reply(
                title="Something went wrong",
                lines=(f"The bot could not finish that command. Reference: {reference}.",),
                error=True,
                reference=reference,
            )

    async def _check(self, caller: Caller, command: Command, arguments: Mapping[str, Any]) -> None:
        for value in arguments.values():
            if isinstance(value, str) and len(value) > MAX_TEXT:
                raise BadInput(f"that is {len(value)} characters; keep it under {MAX_TEXT}")
        if command.usage.admin and not await caller.is_admin():
            where = platform(caller.platform).admin_rule
            raise NotAllowed(f"{PREFIX} {command.usage.name} is for admins ({where}).")

    @staticmethod
    def _mistake(message: str) -> Reply:
        return Reply(title="Not done", lines=(message,), error=True)

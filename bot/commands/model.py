"""What a chat command receives and returns, independent of any platform.

Every piece of text in a `Reply` is plain and untrusted (it may carry feed text): each
platform's renderer escapes all of it for its own markup and keeps it within its limits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from digests.model import Digest
from storage.types import StoredItem

# Around the matched words of a snippet: private-use characters no feed text can fake after
# escaping, which each renderer turns into its own bold.
MARKS = ("\ue000", "\ue001")


AdminCheck = Callable[[], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who typed the command, and where."""

    platform: str  # slack | discord | console
    user_id: str
    channel_id: str | None = None  # where the command was typed (a DM channel in a DM)
    # Whether the caller may run admin commands, or how to find out (Slack asks users.info, so
    # only admin commands pay for that call). Slack: listed in [slack] admins or a workspace
    # admin; Discord: Manage Server in the guild.
    admin: bool | AdminCheck = False
    in_dm: bool = False
    guild_id: str | None = None  # Discord only

    async def is_admin(self) -> bool:
        return self.admin if isinstance(self.admin, bool) else await self.admin()


@dataclass(frozen=True, slots=True)
class Listing:
    """One item in a reply: enough to read the headline, follow it and ask `why`."""

    id: int
    title: str
    url: str | None
    source: str | None
    published: datetime
    tags: tuple[str, ...]
    alert: bool
    snippet: str = ""

    @classmethod
    def of(cls, item: StoredItem, *, snippet: str = "") -> Listing:
        return cls(
            id=item.id,
            title=item.title,
            url=item.url,
            source=item.source,
            published=item.published_at,
            tags=tuple(item.tags),
            alert=item.alert,
            snippet=snippet,
        )


@dataclass(frozen=True, slots=True)
class Reply:
    title: str
    lines: tuple[str, ...] = ()  # paragraphs of plain text
    items: tuple[Listing, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()  # (label, value) pairs
    footer: str = ""
    digest: Digest | None = None  # a digest preview, rendered as the platform renders digests
    private: bool = True  # only the caller sees it, where the platform can do that
    error: bool = False
    reference: str | None = None  # for "something went wrong": the id in the bot's log


@dataclass(frozen=True, slots=True)
class Usage:
    """How a command is typed, for `help` and for errors that point at it."""

    name: str  # "search", "feeds add"
    arguments: str  # "QUERY", "[TOPIC]"
    summary: str
    example: str
    admin: bool = False
    aliases: tuple[str, ...] = field(default_factory=tuple)

    @property
    def line(self) -> str:
        return f"{self.name} {self.arguments}".strip()

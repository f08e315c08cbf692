"""The Discord state the REST and gateway fakes share, and the payloads Discord builds from it.

One application (whose bot user has the same id) in one guild, "Talent Desk", with the channels
#briefing and #general. Three people: olga owns the guild; ada has the "Desk admin" role, which
grants Manage Server; ben has only @everyone. Commands synced over REST are kept here, so a
pushed interaction names a command the fake knows (as Discord does), and interactions are
registered here so their callbacks and webhook tokens can be checked.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

APPLICATION_ID = 1_310_000_000_000_000_001
GUILD_ID = 1_310_000_000_000_000_100
BRIEFING = 1_310_000_000_000_000_101
GENERAL = 1_310_000_000_000_000_102
DESK_ADMIN_ROLE = 1_310_000_000_000_000_110
TOKEN = "discord-test-token"
TIMESTAMP = "2026-03-02T13:00:00.000000+00:00"

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
EVERYONE_PERMISSIONS = (
    (1 << 6) | (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)
)  # add reactions, view channel, send, embed links, attach files, read history, app commands
ALL_PERMISSIONS = (1 << 51) - 1

# Gateway intents that matter to the fakes.
GUILDS, GUILD_MEMBERS, GUILD_PRESENCES = 1 << 0, 1 << 1, 1 << 8
GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 9, 1 << 12, 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
EPHEMERAL, LOADING = 1 << 6, 1 << 7  # message flags


@dataclass(frozen=True)
class FakeUser:
    id: int
    name: str
    display: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.display,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    channels: dict[str, int]
    roles: dict[int, tuple[str, int]]  # role id -> (name, permission bits); @everyone = guild id
    members: dict[int, tuple[int, ...]]  # user id -> role ids besides @everyone


@dataclass
class PendingInteraction:
    id: int
    token: str
    payload: dict[str, Any]
    created: float  # time.monotonic()
    responded: bool = False
    original: dict[str, Any] | None = None
    followups: dict[str, dict[str, Any]] = field(default_factory=dict)


class DiscordWorld:
    def __init__(self) -> None:
        self.token = TOKEN
        self.application_id = APPLICATION_ID
        self.bot = FakeUser(APPLICATION_ID, "talentbrief", "talentbrief", bot=True)
        people = [
            FakeUser(1_310_000_000_000_000_201, "olga", "Olga Brandt"),
            FakeUser(1_310_000_000_000_000_202, "ada", "Ada Whitfield"),
            FakeUser(1_310_000_000_000_000_203, "ben", "Ben Okafor"),
        ]
        self.users = {user.name: user for user in [self.bot, *people]}
        olga, ada, ben = people
        self.guilds = [
            FakeGuild(
                GUILD_ID,
                "Talent Desk",
                owner_id=olga.id,
                channels={"briefing": BRIEFING, "general": GENERAL},
                roles={
                    GUILD_ID: ("@everyone", EVERYONE_PERMISSIONS),
                    DESK_ADMIN_ROLE: ("Desk admin", MANAGE_GUILD),
                },
                members={self.bot.id: (), olga.id: (), ada.id: (DESK_ADMIN_ROLE,), ben.id: ()},
            )
        ]
        self.commands: dict[int | None, dict[str, dict[str, Any]]] = {}  # scope -> name -> cmd
        self.interactions: dict[int, PendingInteraction] = {}
        self._snowflakes = itertools.count(1_310_000_000_100_000_000)

    def snowflake(self) -> int:
        return next(self._snowflakes)

    def guild(self, guild_id: int) -> FakeGuild:
        return next(g for g in self.guilds if g.id == guild_id)

    def channel_guild(self, channel_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds if channel_id in g.channels.values()), None)

    def permissions(self, guild: FakeGuild, user: FakeUser) -> int:
        if user.id == guild.owner_id:
            return ALL_PERMISSIONS
        bits = guild.roles[guild.id][1]
        for role in guild.members[user.id]:
            bits |= guild.roles[role][1]
        return ALL_PERMISSIONS if bits & ADMINISTRATOR else bits

    # -- payloads -----------------------------------------------------------------------------

    def member(self, guild: FakeGuild, user: FakeUser, *, with_user: bool = True) -> dict[str, Any]:
        member: dict[str, Any] = {
            "roles": [str(role) for role in guild.members[user.id]],
            "nick": None,
            "avatar": None,
            "joined_at": "2025-09-01T12:00:00.000000+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            member["user"] = user.payload()
        return member

    def channel(self, guild: FakeGuild, name: str) -> dict[str, Any]:
        return {
            "id": str(guild.channels[name]),
            "type": 0,
            "guild_id": str(guild.id),
            "name": name,
            "position": list(guild.channels).index(name),
            "permission_overwrites": [],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }

    def dm_channel(self, user: FakeUser) -> dict[str, Any]:
        return {
            "id": str(user.id + 500_000),  # one stable DM channel per user
            "type": 1,
            "recipients": [user.payload()],
            "last_message_id": None,
            "flags": 0,
        }

    def guild_create(self, guild: FakeGuild) -> dict[str, Any]:
        roles = [
            {
                "id": str(role_id),
                "name": name,
                "color": 0,
                "hoist": False,
                "icon": None,
                "unicode_emoji": None,
                "position": position,
                "permissions": str(bits),
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
            for position, (role_id, (name, bits)) in enumerate(guild.roles.items())
        ]
        members = [self.member(guild, u) for u in self.users.values() if u.id in guild.members]
        empty = ("features", "emojis", "stickers", "voice_states", "presences", "threads")
        more = ("stage_instances", "guild_scheduled_events", "soundboard_sounds")
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "owner_id": str(guild.owner_id),
            "roles": roles,
            "channels": [self.channel(guild, name) for name in guild.channels],
            "members": members,
            "member_count": len(members),
            "large": False,
            "unavailable": False,
            "joined_at": TIMESTAMP,
            "preferred_locale": "en-US",
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_id": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "application_id": None,
            **{key: [] for key in (*empty, *more)},
        }

    def message(
        self, channel_id: int, author: FakeUser, content: str, **fields: Any
    ) -> dict[str, Any]:
        """A message object as Discord returns and dispatches it; `fields` override."""
        guild = self.channel_guild(channel_id)
        message: dict[str, Any] = {
            "id": str(self.snowflake()),
            "channel_id": str(channel_id),
            "author": author.payload(),
            "content": content,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        if guild is not None:
            message["guild_id"] = str(guild.id)
            if author.id in guild.members:
                message["member"] = self.member(guild, author, with_user=False)
        message.update(fields)
        return message

    def command(self, name: str, guild: FakeGuild | None) -> dict[str, Any]:
        """A synced command, guild-scoped first; LookupError if it was never synced."""
        for scope in ((guild.id,) if guild else ()) + (None,):
            if name in self.commands.get(scope, {}):
                return self.commands[scope][name]
        where = f"guild {guild.id} or globally" if guild else "globally"
        raise LookupError(f"no command {name!r} was synced to {where}")

    def interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user: FakeUser,
        guild: FakeGuild | None,
        channel: str,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload (kind 2: command, 4: autocomplete), registered so its
        callback and webhook token are accepted."""
        interaction_id = self.snowflake()
        token = f"aW50ZXJhY3Rpb24.{interaction_id}.fake-token"
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10_485_760,
        }
        if guild is not None:
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                channel_id=str(guild.channels[channel]),
                channel=self.channel(guild, channel),
                member={
                    **self.member(guild, user),
                    "permissions": str(self.permissions(guild, user)),
                },
                app_permissions=str(self.permissions(guild, self.bot)),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            dm = self.dm_channel(user)
            payload.update(
                channel_id=dm["id"],
                channel=dm,
                user=user.payload(),
                app_permissions=str(EVERYONE_PERMISSIONS),
                authorizing_integration_owners={"0": str(user.id)},
                context=1,
            )
        self.interactions[interaction_id] = PendingInteraction(
            interaction_id, token, payload, time.monotonic()
        )
        return payload

    def find_interaction(self, token: str) -> PendingInteraction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)


def option(name: str, value: str | int | float | bool, *, focused: bool = False) -> dict[str, Any]:
    """An application command option as an interaction carries it (string, integer, ...)."""
    kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
    kind = 10 if isinstance(value, float) else kind
    result: dict[str, Any] = {"type": kind, "name": name, "value": value}
    if focused:
        result["focused"] = True
    return result


def subcommand(
    name: str, *options: dict[str, Any], **values: str | int | float | bool
) -> dict[str, Any]:
    """A subcommand option: subcommand('search', query='H-1B')."""
    given = [*options, *(option(key, value) for key, value in values.items())]
    return {"type": 1, "name": name, "options": given}

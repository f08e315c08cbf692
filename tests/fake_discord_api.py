"""A fake Discord REST API (v10) on 127.0.0.1: what the digest poster and discord.py 2.7 call.

Point discord.py at it with fake_discord_client.point_discord_at(discord). Bot routes check
`Authorization: Bot <token>` (401 after `revoke()`); webhook and interaction routes are
authorised by their token, as on Discord. What is sent is recorded in `posted` (fake_http) with
these paths: `channels/{id}` (channel messages), `webhook` (webhook executes),
`interactions/{id}/callback`, `original/{id}` and `followup/{id}` (an interaction's reply,
edits and follow-ups, by interaction id), `commands/{guild id or global}` (command syncs).
Posts obey the fault knobs of fake_http.FakeServer. An interaction answered twice gets 400
(40060), and one answered after `interaction_deadline` seconds 404 (10062), as on Discord.
`GET /channels/{id}` knows the guild's channels; `GET /webhooks/{id}/{token}` knows any
well-formed webhook (it posts to #briefing) except the ids in `deleted_webhooks`, which answer
404 Unknown Webhook (10015) to a post too.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from aiohttp import web

from tests.fake_discord_gateway import FakeDiscordGateway
from tests.fake_discord_world import EPHEMERAL, LOADING, DiscordWorld, PendingInteraction
from tests.fake_http import FakeServer, Posted, read_json_or_multipart

PREFIX = "/api/v10"


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly application/json.
    headers = {**(headers or {}), "Content-Type": "application/json"}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=headers)


def _error(status: int, message: str, code: int) -> web.Response:
    return _json({"message": message, "code": code}, status=status)


class FakeDiscord(FakeServer):
    def __init__(self, world: DiscordWorld | None = None) -> None:
        super().__init__()
        self.world = world or DiscordWorld()
        self.revoked: set[str] = set()
        self.deleted_webhooks: set[str] = set()  # webhook ids Discord no longer knows
        self.gateway: FakeDiscordGateway | None = None
        self.interaction_deadline: float | None = 3.0
        self._by_nonce: dict[str, str] = {}
        add = self.app.router.add_route
        for method, path, handler in [
            ("GET", "/users/@me", self.me),
            ("GET", "/gateway", self.gateway_url),
            ("GET", "/gateway/bot", self.gateway_url),
            ("GET", "/oauth2/applications/@me", self.application),
            ("*", "/applications/{app}/commands", self.commands),
            ("*", "/applications/{app}/guilds/{guild}/commands", self.commands),
            ("POST", "/interactions/{interaction}/{token}/callback", self.callback),
            ("*", "/webhooks/{app}/{token}/messages/{message}", self.webhook_message_edit),
            ("POST", "/webhooks/{webhook}/{token}", self.webhook_message),
            ("GET", "/channels/{channel}", self.get_channel),
            ("GET", "/webhooks/{webhook}/{token}", self.get_webhook),
            ("POST", "/channels/{channel}/messages", self.channel_message),
            ("GET", "/channels/{channel}/messages", self.channel_history),
            ("POST", "/users/@me/channels", self.dm_channel),
        ]:
            add(method, PREFIX + path, handler)

    @property
    def api(self) -> str:
        return f"{self.base}{PREFIX}"

    async def start_gateway(self) -> FakeDiscordGateway:
        """Start the gateway fake that GET /gateway/bot will name."""
        self.gateway = await FakeDiscordGateway(self.world, revoked=self.revoked).start()
        return self.gateway

    async def stop(self) -> None:
        if self.gateway is not None:
            await self.gateway.stop()
        await super().stop()

    def revoke(self, token: str) -> None:
        """Discord now answers this token 401, and the gateway closes its IDENTIFY with 4004."""
        self.revoked.add(token)

    def replies(self, interaction: dict[str, Any]) -> list[Posted]:
        """The callback, edits and follow-ups sent for an interaction payload, in order."""
        iid = interaction["id"]
        paths = {f"interactions/{iid}/callback", f"original/{iid}", f"followup/{iid}"}
        return [p for p in self.posted if p.path in paths]

    # -- faults -------------------------------------------------------------------------------

    def rate_limited(self) -> web.Response:
        # discord.py treats a 429 without a Via header as a Cloudflare ban, not a rate limit.
        headers = {
            "Retry-After": str(math.ceil(self.retry_after)),
            "Via": "1.1 google",
            "X-RateLimit-Scope": "user",
        }
        body = {"message": "You are being rate limited.", "retry_after": self.retry_after}
        return _json({**body, "global": False}, status=429, headers=headers)

    def refused(self) -> web.Response:
        return web.Response(status=502, text="bad gateway")

    # -- identity and discovery ---------------------------------------------------------------

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        token = request.headers.get("Authorization", "").removeprefix("Bot ")
        if token != self.world.token or token in self.revoked:
            return _error(401, "401: Unauthorized", 0)
        return None

    async def me(self, request: web.Request) -> web.Response:
        self.requests.append("users/@me")
        return self._unauthorized(request) or _json(
            {**self.world.bot.payload(), "flags": 0, "verified": True, "mfa_enabled": False}
        )

    async def gateway_url(self, request: web.Request) -> web.Response:
        self.requests.append(request.path.removeprefix(PREFIX + "/"))
        if self.gateway is None:
            return web.Response(status=503, text="the fake gateway was not started")
        if request.path.endswith("/bot") and (refusal := self._unauthorized(request)):
            return refusal
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway.url, "shards": 1, "session_start_limit": limit})

    async def application(self, request: web.Request) -> web.Response:
        self.requests.append("oauth2/applications/@me")
        owner = self.world.users["olga"].payload()
        return self._unauthorized(request) or _json(
            {
                "id": str(self.world.application_id),
                "name": "talentbrief",
                "icon": None,
                "description": "Briefings on the competition for scientific talent",
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": owner,
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "summary": "",
            }
        )

    # -- commands -----------------------------------------------------------------------------

    async def commands(self, request: web.Request) -> web.Response:
        if refusal := self._unauthorized(request):
            return refusal
        if int(request.match_info["app"]) != self.world.application_id:
            return _error(403, "Missing Access", 50001)
        guild = request.match_info.get("guild")
        scope = int(guild) if guild else None
        label = f"commands/{guild or 'global'}"
        self.requests.append(label)
        if request.method == "PUT":
            body = await request.json()
            known = self.world.commands.get(scope, {})
            synced = {}
            for command in body:
                same = known.get(command["name"])
                command_id = same["id"] if same else str(self.world.snowflake())
                synced[command["name"]] = self._command(command, command_id, guild)
            self.world.commands[scope] = synced
            self.record(Posted(label, {"commands": body}, dict(request.headers), label))
        return _json(list(self.world.commands.get(scope, {}).values()))

    def _command(self, body: dict[str, Any], command_id: str, guild: str | None) -> dict[str, Any]:
        command = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **body,
            "id": command_id,
            "application_id": str(self.world.application_id),
            "version": str(self.world.snowflake()),
        }
        if guild:
            command["guild_id"] = guild
        return command

    # -- interactions -------------------------------------------------------------------------

    def _pending(self, interaction_id: str, token: str) -> PendingInteraction | None:
        pending = self.world.interactions.get(int(interaction_id))
        if pending is None or pending.token != token:
            return None
        deadline = self.interaction_deadline
        age = time.monotonic() - pending.created
        if deadline is not None and not pending.responded and age >= deadline:
            return None
        return pending

    async def callback(self, request: web.Request) -> web.StreamResponse:
        info = request.match_info
        pending = self._pending(info["interaction"], info["token"])
        if pending is None:
            return _error(404, "Unknown interaction", 10062)
        if pending.responded:
            return _error(400, "Interaction has already been acknowledged.", 40060)
        body, files = await read_json_or_multipart(request)
        kind, data = body.get("type"), body.get("data") or {}

        def accept(posted: Posted) -> None:
            pending.responded = True
            if kind in (4, 5):
                flags = int(data.get("flags", 0)) | (LOADING if kind == 5 else 0)
                content = data.get("content", "") if kind == 4 else ""
                pending.original = self._reply(pending, data, content=content, flags=flags)
                pending.original["id"] = posted.id

        def answer(posted: Posted) -> web.Response:
            if request.query.get("with_response") not in ("1", "true"):
                return web.Response(status=204)
            message = pending.original if kind in (4, 5) else None
            flags = int((message or {}).get("flags", 0))
            summary = {
                "id": str(pending.id),
                "type": pending.payload["type"],
                "response_message_id": message["id"] if message else None,
                "response_message_loading": bool(flags & LOADING),
                "response_message_ephemeral": bool(flags & EPHEMERAL),
            }
            resource: dict[str, Any] = {"type": kind}
            if message:
                resource["message"] = message
            return _json({"interaction": summary, "resource": resource})

        path = f"interactions/{pending.id}/callback"
        return await self.deliver(
            request,
            path,
            body,
            new_id=self._message_id,
            answer=answer,
            files=files,
            accepted=accept,
        )

    def _reply(
        self, pending: PendingInteraction, body: dict[str, Any], **fields: Any
    ) -> dict[str, Any]:
        channel = int(pending.payload["channel_id"])
        content = fields.pop("content", body.get("content") or "")
        extra = {key: body[key] for key in ("embeds", "components") if key in body}
        return self.world.message(
            channel,
            self.world.bot,
            content,
            application_id=str(self.world.application_id),
            webhook_id=str(self.world.application_id),
            **extra,
            **fields,
        )

    async def webhook_message_edit(self, request: web.Request) -> web.StreamResponse:
        """GET, PATCH or DELETE an interaction's @original reply or one of its follow-ups."""
        pending = self.world.find_interaction(request.match_info["token"])
        if pending is None or int(request.match_info["app"]) != self.world.application_id:
            return _error(404, "Unknown Webhook", 10015)
        which = request.match_info["message"]
        store = pending.followups
        found = pending.original if which == "@original" else store.get(which)
        if found is None:
            return _error(404, "Unknown Message", 10008)
        if request.method == "GET":
            return _json(found)
        body, files = await read_json_or_multipart(request)
        path = f"{'original' if which == '@original' else 'followup'}/{pending.id}"
        if request.method == "DELETE":
            self.record(Posted(path, {"deleted": found["id"]}, dict(request.headers), found["id"]))
            if which == "@original":
                pending.original = None
            else:
                del store[which]
            return web.Response(status=204)
        updated = {**found, **{k: v for k, v in body.items() if k != "allowed_mentions"}}
        updated["flags"] = int(found.get("flags", 0)) & ~LOADING  # an edit ends "thinking"
        updated["edited_timestamp"] = updated["timestamp"]

        def accept(_: Posted) -> None:
            if which == "@original":
                pending.original = updated
            else:
                store[which] = updated

        return await self.deliver(
            request,
            path,
            body,
            new_id=lambda: found["id"],
            answer=lambda _: _json(updated),
            files=files,
            accepted=accept,
        )

    # -- channels and webhooks --------------------------------------------------------------

    async def get_channel(self, request: web.Request) -> web.Response:
        if refusal := self._unauthorized(request):
            return refusal
        self.requests.append(f"get channels/{request.match_info['channel']}")
        try:
            channel_id = int(request.match_info["channel"])
        except ValueError:
            return _error(404, "Unknown Channel", 10003)
        guild = self.world.channel_guild(channel_id)
        if guild is None:
            return _error(404, "Unknown Channel", 10003)
        name = next(name for name, cid in guild.channels.items() if cid == channel_id)
        return _json(self.world.channel(guild, name))

    async def get_webhook(self, request: web.Request) -> web.Response:
        """A webhook by its id and token (no bot token): any well-formed one posts to #briefing."""
        webhook = request.match_info["webhook"]
        self.requests.append(f"get webhook/{webhook}")
        if webhook in self.deleted_webhooks or not webhook.isdigit():
            return _error(404, "Unknown Webhook", 10015)
        guild = self.world.guilds[0]
        return _json(
            {
                "type": 1,
                "id": webhook,
                "name": "talentbrief digests",
                "avatar": None,
                "channel_id": str(guild.channels["briefing"]),
                "guild_id": str(guild.id),
                "application_id": None,
                "token": request.match_info["token"],
            }
        )

    # -- messages -----------------------------------------------------------------------------

    async def webhook_message(self, request: web.Request) -> web.StreamResponse:
        """Execute a webhook: an interaction follow-up when the token is an interaction's."""
        if request.match_info["webhook"] in self.deleted_webhooks:
            return _error(404, "Unknown Webhook", 10015)
        body, files = await read_json_or_multipart(request)
        wait = request.query.get("wait") in ("true", "1")
        pending = self.world.find_interaction(request.match_info["token"])
        if pending is not None:
            message = self._reply(pending, body, flags=int(body.get("flags", 0)))

            def accept(_: Posted) -> None:
                pending.followups[message["id"]] = message

            return await self.deliver(
                request,
                f"followup/{pending.id}",
                body,
                new_id=lambda: message["id"],
                answer=lambda _: _json(message) if wait else web.Response(status=204),
                files=files,
                accepted=accept,
            )

        def answer(posted: Posted) -> web.Response:
            if not wait:
                return web.Response(status=204)
            return _json({**body, "id": posted.id})

        return await self.deliver(
            request, "webhook", body, new_id=self._message_id, answer=answer, files=files
        )

    def forget_nonces(self) -> None:
        """Discord remembers a nonce for a few minutes only: act as if they had passed."""
        self._by_nonce.clear()

    async def channel_history(self, request: web.Request) -> web.Response:
        """GET /channels/{id}/messages: newest first, `limit` and `before` as on Discord, with
        no nonces (Discord does not return them here)."""
        if refusal := self._unauthorized(request):
            return refusal
        self.requests.append("channel history")
        channel = request.match_info["channel"]
        limit = min(int(request.query.get("limit", "50")), 100)
        before = int(request.query.get("before", str(2**63)))
        found = []
        for posted in reversed(self.posted):
            is_bot = posted.path == f"channels/{channel}"
            # Every webhook posts to #briefing (see get_webhook).
            is_hook = posted.path == "webhook" and channel == str(
                self.world.guilds[0].channels["briefing"]
            )
            if (is_bot or is_hook) and int(posted.id) < before:
                author = self.world.bot.payload() if is_bot else {"id": "1", "bot": True}
                found.append(
                    {
                        "id": posted.id,
                        "channel_id": channel,
                        "author": author,
                        "content": posted.body.get("content") or "",
                        "embeds": posted.body.get("embeds") or [],
                    }
                )
        return _json(found[:limit])

    def _message_id(self) -> str:
        return str(self.world.snowflake())

    async def channel_message(self, request: web.Request) -> web.StreamResponse:
        if refusal := self._unauthorized(request):
            return refusal
        body, files = await read_json_or_multipart(request)
        channel = request.match_info["channel"]
        nonce = body.get("nonce")
        if body.get("enforce_nonce") and nonce in self._by_nonce:
            return _json({"id": self._by_nonce[nonce], "nonce": nonce})

        def accept(posted: Posted) -> None:
            if nonce:
                self._by_nonce[nonce] = posted.id

        def answer(posted: Posted) -> web.Response:
            kept = ("embeds", "components", "nonce", "message_reference", "flags", "tts")
            fields = {key: body[key] for key in kept if key in body}
            content = body.get("content") or ""
            if "message_reference" in body:
                fields["type"] = 19  # a reply
            fields["id"] = posted.id
            return _json(self.world.message(int(channel), self.world.bot, content, **fields))

        path = f"channels/{channel}"
        return await self.deliver(
            request,
            path,
            body,
            new_id=self._message_id,
            answer=answer,
            files=files,
            accepted=accept,
        )

    async def dm_channel(self, request: web.Request) -> web.Response:
        if refusal := self._unauthorized(request):
            return refusal
        self.requests.append("users/@me/channels")
        recipient = int((await request.json())["recipient_id"])
        user = next((u for u in self.world.users.values() if u.id == recipient), None)
        if user is None:
            return _error(400, "Invalid Recipient(s)", 50033)
        return _json(self.world.dm_channel(user))

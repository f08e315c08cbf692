"""Slack with slack-bolt's AsyncApp: `/brief`, mentions of the app, and direct messages.

The adapter only translates: a slash command's text goes to `CommandLayer.run_text`, a mention
or a DM to `CommandLayer.search_text`, and the `Reply` comes back as Block Kit. Every command is
acknowledged at once (Slack allows 3 s) and the work happens after the ack. Answers are
ephemeral (only the asker sees them) unless the command starts with `share`.

Socket Mode (the default: no public URL needed) connects with SLACK_APP_TOKEN; HTTP mode serves
bolt's `/slack/events` on `[slack] port` and checks every request's signature with
SLACK_SIGNING_SECRET (bolt answers 401 to a bad one). Every Web API call goes to
`[slack] api_base_url`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.chat.replies import slack_messages
from bot.commands.layer import CommandLayer
from bot.commands.model import Caller, Reply
from bot.config import SlackConfig
from storage.errors import BadInput

log = logging.getLogger(__name__)

BOT_TOKEN_ENV = "SLACK_BOT_TOKEN"
APP_TOKEN_ENV = "SLACK_APP_TOKEN"
SIGNING_SECRET_ENV = "SLACK_SIGNING_SECRET"
EVENTS_PATH = "/slack/events"
ADMIN_CACHE_SECONDS = 600.0
MAX_RESPONSES = 5  # Slack accepts five messages per response_url
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_SHARE = re.compile(r"^\s*share\b\s*", re.IGNORECASE)


class _ClientWins(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment on its own and warns that the client we
    pass (built with `[slack] api_base_url`) takes precedence; that is the intent, not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_ClientWins())


def shared(text: str) -> tuple[bool, str]:
    """`share latest visa-policy` → (True, "latest visa-policy"): answer in the channel."""
    match = _SHARE.match(text)
    return (True, text[match.end() :]) if match else (False, text)


def without_mentions(text: str) -> str:
    return _MENTION.sub(" ", text).strip()


class SlackChat:
    """The `/brief` app for one workspace, over the command layer."""

    def __init__(self, layer: CommandLayer, config: SlackConfig, env: Mapping[str, str]) -> None:
        token = env.get(BOT_TOKEN_ENV)
        if not token:
            raise BadInput(f"{BOT_TOKEN_ENV} is not set: Slack chat needs the bot token")
        self.layer = layer
        self.config = config
        self.app_token = env.get(APP_TOKEN_ENV)
        self.signing_secret = env.get(SIGNING_SECRET_ENV)
        if config.mode == "socket" and not self.app_token:
            raise BadInput(f"{APP_TOKEN_ENV} is not set: Socket Mode needs the app-level token")
        if config.mode == "http" and not self.signing_secret:
            raise BadInput(f"{SIGNING_SECRET_ENV} is not set: HTTP mode checks signatures with it")
        self.client = AsyncWebClient(
            token=token,
            base_url=config.api_base_url,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )
        self.app = AsyncApp(
            client=self.client,
            # Socket Mode messages are not signed; bolt still wants a value.
            signing_secret=self.signing_secret or "socket-mode",
            request_verification_enabled=config.mode == "http",
        )
        self._admins: dict[str, tuple[float, bool]] = {}
        # One connection pool for response_url answers: bolt's `respond` opens a session (a new
        # connection, a TLS handshake to Slack) for every message.
        self._answers: aiohttp.ClientSession | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self._listen()

    # --- listeners ----------------------------------------------------------------------------

    def _listen(self) -> None:
        self.app.command("/brief")(self._brief)
        self.app.event("app_mention")(self._mention)
        # Every subscribed event needs a listener: bolt leaves unhandled ones unacknowledged.
        self.app.event("message")(self._message)

    def _caller(self, user: str, channel: str | None, *, in_dm: bool = False) -> Caller:
        async def admin() -> bool:
            return await self.is_admin(user)

        return Caller("slack", user, channel, admin=admin, in_dm=in_dm)

    async def _brief(self, ack: Any, command: dict[str, Any]) -> None:
        await ack()
        share, text = shared(command.get("text") or "")
        in_dm = command.get("channel_name") == "directmessage"
        caller = self._caller(command["user_id"], command.get("channel_id"), in_dm=in_dm)
        reply = await self.layer.run_text(caller, text)
        in_channel = share and not reply.error
        for body in slack_messages(reply)[:MAX_RESPONSES]:
            message = {
                "text": body["text"],
                "blocks": body["blocks"],
                "response_type": "in_channel" if in_channel else "ephemeral",
                "unfurl_links": False,
                "unfurl_media": False,
            }
            await self._answer(command["response_url"], message)  # every slash command has one

    async def _answer(self, response_url: str, message: dict[str, Any]) -> None:
        if self._answers is None or self._answers.closed:
            self._answers = aiohttp.ClientSession()
        await AsyncWebhookClient(response_url, session=self._answers).send_dict(message)

    async def _mention(self, event: dict[str, Any]) -> None:
        user, channel = event.get("user"), event.get("channel")
        if not user or not channel:
            return
        reply = await self.layer.search_text(
            self._caller(user, channel), without_mentions(event.get("text") or "")
        )
        await self._post(reply, channel=channel, ephemeral_to=user, thread=event.get("thread_ts"))

    async def _message(self, event: dict[str, Any]) -> None:
        # Only direct messages from people; the bot's own posts and edits are ignored.
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return
        user, channel = event.get("user"), event.get("channel")
        if not user or not channel:
            return
        reply = await self.layer.search_text(
            self._caller(user, channel, in_dm=True), without_mentions(event.get("text") or "")
        )
        await self._post(reply, channel=channel)

    async def _post(
        self,
        reply: Reply,
        *,
        channel: str,
        ephemeral_to: str | None = None,
        thread: str | None = None,
    ) -> None:
        for body in slack_messages(reply):
            if ephemeral_to is not None:
                await self.client.chat_postEphemeral(
                    channel=channel, user=ephemeral_to, thread_ts=thread, **body
                )
            else:
                await self.client.chat_postMessage(
                    channel=channel, unfurl_links=False, unfurl_media=False, **body
                )

    async def is_admin(self, user: str) -> bool:
        """Listed in [slack] admins, or a workspace admin or owner (users.info, cached)."""
        if user in self.config.admins:
            return True
        cached = self._admins.get(user)
        if cached is not None and time.monotonic() - cached[0] < ADMIN_CACHE_SECONDS:
            return cached[1]
        try:
            info = (await self.client.users_info(user=user)).get("user") or {}
        except SlackApiError as exc:
            log.warning("cannot look up Slack user %s: %s", user, exc.response.get("error"))
            return False
        allowed = bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))
        self._admins[user] = (time.monotonic(), allowed)
        return allowed

    # --- transports ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (Socket Mode) or start serving /slack/events (HTTP mode)."""
        if self.config.mode == "socket":
            assert self.app_token is not None
            self._socket = AsyncSocketModeHandler(self.app, self.app_token)
            try:
                await self._socket.connect_async()  # type: ignore[no-untyped-call]
            except SlackApiError as exc:
                error = exc.response.get("error") if exc.response is not None else exc
                raise BadInput(
                    f"Socket Mode was refused ({error}): check {APP_TOKEN_ENV}"
                ) from None
            log.info("Slack: connected in Socket Mode")
            return
        server = web.Application()
        server.router.add_post(EVENTS_PATH, self._http_event)
        self._runner = web.AppRunner(server, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("Slack: serving %s on %s:%s", EVENTS_PATH, self.config.host, self.port)

    async def _http_event(self, request: web.Request) -> web.Response:
        return await to_aiohttp_response(
            await self.app.async_dispatch(await to_bolt_request(request))
        )

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        session = getattr(self.client, "session", None)
        if session is not None:
            await session.close()
        if self._answers is not None:
            await self._answers.close()
            self._answers = None

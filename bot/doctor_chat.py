"""The chat half of `talentbrief doctor`: tokens accepted and channels reachable by the bot.

Slack: `auth.test` for SLACK_BOT_TOKEN, `conversations.info` for each channel (the bot must be a
member to post). Discord: `GET /users/@me` for DISCORD_TOKEN, `GET /channels/{id}` for a
channel-id target, `GET /webhooks/{id}/{token}` for a webhook target (no bot token needed). All
through the configured `api_base_url`; each answer becomes one row with what to do about it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.config import Config
from bot.doctor import Check
from bot.platforms import DISCORD_TOKEN_ENV, DISCORD_WEBHOOK, SLACK_TOKEN_ENV
from storage.channels import ChannelSpec

# As bot.chat.slack reads them (importing it would load slack-bolt for a check).
SLACK_APP_TOKEN_ENV = "SLACK_APP_TOKEN"
SLACK_SIGNING_SECRET_ENV = "SLACK_SIGNING_SECRET"

SLACK_TOKEN_ADVICE = {
    "not_authed": "the token is empty",
    "invalid_auth": "Slack does not know this token: copy the Bot User OAuth Token (xoxb-…) "
    "from the app's OAuth & Permissions page",
    "token_revoked": "the token was revoked: reinstall the app to the workspace and export "
    "the new xoxb- token",
    "token_expired": "the token expired: reinstall the app (or turn off token rotation)",
    "account_inactive": "the app was uninstalled or its bot deactivated: reinstall the app",
    "not_allowed_token_type": "this is not a bot token: use the Bot User OAuth Token (xoxb-…), "
    "not the app-level (xapp-) token",
}
SLACK_APP_TOKEN_ADVICE = {
    "invalid_auth": "Slack does not know this token: generate an app-level token (xapp-…) with "
    "connections:write under Basic Information → App-Level Tokens",
    "token_revoked": "the token was revoked: generate a new app-level token",
    "not_allowed_token_type": "this is not an app-level token: use the xapp-… token, not the "
    "bot token",
}
SLACK_CHANNEL_ADVICE = {
    "channel_not_found": "Slack knows no such channel for this bot: copy the id from the "
    "channel's details (C…); for a private channel, invite the bot first",
    "missing_scope": "the token lacks a scope: create the app from slack-app-manifest.json "
    "(README: Chat), or add the scopes it lists and reinstall the app",
}


class _Unreachable(Exception):
    """The platform did not answer (connection, timeout, or not its API)."""


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    data: Any  # the JSON body, or None when it was not JSON
    seconds: float


async def _ask(
    session: aiohttp.ClientSession, method: str, url: str, shown: str, **kwargs: Any
) -> _Answer:
    """One request; `shown` names the endpoint in messages (a webhook URL holds its token)."""
    started = time.perf_counter()
    try:
        async with session.request(method, url, **kwargs) as response:
            text = await response.text()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise _Unreachable(f"cannot reach {shown}: {reason}") from None
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = None
    return _Answer(status, data, time.perf_counter() - started)


async def check_chat(
    config: Config, channels: Sequence[ChannelSpec], env: Mapping[str, str]
) -> list[Check]:
    """A row per token (checked when set, or needed) and per channel."""
    timeout = aiohttp.ClientTimeout(
        total=float(config.poll.timeout), sock_connect=float(config.poll.connect_timeout)
    )
    async with aiohttp.ClientSession(timeout=timeout) as session:
        slack = _Slack(session, config.slack.api_base_url, env)
        discord = _Discord(session, config.discord.api_base_url, env.get(DISCORD_TOKEN_ENV) or None)
        tokens = await asyncio.gather(
            slack.check_token([c.name for c in channels if c.platform == "slack"]),
            discord.check_token(
                [
                    c.name
                    for c in channels
                    if c.platform == "discord" and not DISCORD_WEBHOOK.match(c.target.strip())
                ]
            ),
        )
        chat = await slack.check_chat_credential(config.slack.mode, config.slack.port)
        rows = await asyncio.gather(*(_check_channel(c, slack, discord) for c in channels))
    return [*tokens, *([chat] if chat else []), *rows]


async def _check_channel(channel: ChannelSpec, slack: _Slack, discord: _Discord) -> Check:
    if channel.platform == "slack":
        return await slack.check_channel(channel)
    if channel.platform == "discord":
        return await discord.check_channel(channel)
    return Check("channel", channel.name, "ok", "console: prints the digest to the terminal")


def _needed(names: Sequence[str], platform: str) -> str:
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return (
        f"channel{'s' if len(names) > 1 else ''} {shown} post{'' if len(names) > 1 else 's'} "
        + (f"to {platform}")
    )


class _Slack:
    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, env: Mapping[str, str]
    ) -> None:
        self.session = session
        self.base = base_url.rstrip("/") + "/"
        self.env = env
        self.token = env.get(SLACK_TOKEN_ENV) or None
        self.accepted = False
        self.bot = "@talentbrief"

    async def call(self, method: str, token: str | None = None, **params: str) -> _Answer:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        url = self.base + method
        answer = await _ask(self.session, "POST", url, url, data=params, headers=headers)
        if not isinstance(answer.data, dict) or "ok" not in answer.data:
            raise _Unreachable(
                f"{url} answered HTTP {answer.status}, not the Slack Web API: check [slack] "
                "api_base_url"
            )
        return answer

    async def check_token(self, needed_by: Sequence[str]) -> Check:
        if self.token is None:
            if needed_by:
                return Check(
                    "token",
                    SLACK_TOKEN_ENV,
                    "problem",
                    f"not set, and {_needed(needed_by, 'Slack')}: export {SLACK_TOKEN_ENV}="
                    "xoxb-… (the app's Bot User OAuth Token)",
                )
            detail = "not set: no channel posts to Slack, and `run` answers no chat there"
            return Check("token", SLACK_TOKEN_ENV, "skipped", detail)
        try:
            answer = await self.call("auth.test")
        except _Unreachable as exc:
            return Check("token", SLACK_TOKEN_ENV, "problem", str(exc))
        data = answer.data
        if not data.get("ok"):
            error = str(data.get("error"))
            advice = SLACK_TOKEN_ADVICE.get(error, "see https://api.slack.com/methods/auth.test")
            detail = f"Slack refused it ({error}): {advice}"
            return Check("token", SLACK_TOKEN_ENV, "problem", detail, answer.seconds)
        self.accepted = True
        self.bot = f"@{data.get('user') or 'talentbrief'}"
        team = data.get("team") or data.get("team_id")
        detail = f"accepted: bot {self.bot} in workspace {team}; `run` answers /brief on Slack"
        return Check("token", SLACK_TOKEN_ENV, "ok", detail, answer.seconds)

    async def check_chat_credential(self, mode: str, port: int) -> Check | None:
        """With the bot token set, `run` starts Slack chat: Socket Mode needs the app-level
        token (asked for a connection URL, which opens nothing), HTTP mode the signing secret."""
        if self.token is None:
            return None
        if mode == "http":
            if self.env.get(SLACK_SIGNING_SECRET_ENV):
                detail = f"set: HTTP mode serves /slack/events on port {port}"
                return Check("token", SLACK_SIGNING_SECRET_ENV, "ok", detail)
            detail = (
                "not set: HTTP mode checks every request from Slack with it (the app's Basic "
                "Information → Signing Secret)"
            )
            return Check("token", SLACK_SIGNING_SECRET_ENV, "problem", detail)
        app_token = self.env.get(SLACK_APP_TOKEN_ENV)
        if not app_token:
            detail = (
                f"not set: with {SLACK_TOKEN_ENV} set, `run` answers /brief over Socket Mode, "
                "which needs the app-level token (xapp-…, connections:write)"
            )
            return Check("token", SLACK_APP_TOKEN_ENV, "problem", detail)
        try:
            answer = await self.call("apps.connections.open", token=app_token)
        except _Unreachable as exc:
            return Check("token", SLACK_APP_TOKEN_ENV, "problem", str(exc))
        if answer.data.get("ok"):
            detail = "accepted: Socket Mode can connect"
            return Check("token", SLACK_APP_TOKEN_ENV, "ok", detail, answer.seconds)
        error = str(answer.data.get("error"))
        advice = SLACK_APP_TOKEN_ADVICE.get(error, "turn Socket Mode on in the app's settings")
        detail = f"Slack refused it ({error}): {advice}"
        return Check("token", SLACK_APP_TOKEN_ENV, "problem", detail, answer.seconds)

    async def check_channel(self, channel: ChannelSpec) -> Check:
        target = channel.target.strip()
        if not self.accepted:
            detail = f"slack {target}: needs an accepted {SLACK_TOKEN_ENV}"
            return Check("channel", channel.name, "skipped", detail)
        try:
            answer = await self.call("conversations.info", channel=target)
            if answer.data.get("error") == "missing_scope":
                # The app's manifest grants channels:history, not channels:read: reading one
                # message tells as well whether the bot can see the channel and is in it.
                return await self._check_by_history(channel.name, target)
        except _Unreachable as exc:
            return Check("channel", channel.name, "problem", str(exc))
        data = answer.data
        if not data.get("ok"):
            return self._refused(channel.name, target, answer)
        info = data.get("channel") or {}
        name = f"#{info.get('name') or target}"
        if info.get("is_archived"):
            detail = f"slack {target}: {name} is archived: unarchive it or choose another channel"
            return Check("channel", channel.name, "problem", detail, answer.seconds)
        if not info.get("is_member") and not info.get("is_im"):
            detail = f"slack {target}: the bot is not in {name}: type /invite {self.bot} there"
            return Check("channel", channel.name, "problem", detail, answer.seconds)
        detail = f"slack {target}: {name}, the bot is a member"
        return Check("channel", channel.name, "ok", detail, answer.seconds)

    async def _check_by_history(self, name: str, target: str) -> Check:
        answer = await self.call("conversations.history", channel=target, limit="1")
        if not answer.data.get("ok"):
            return self._refused(name, target, answer)
        detail = f"slack {target}: the bot is in the channel and can read it"
        return Check("channel", name, "ok", detail, answer.seconds)

    def _refused(self, name: str, target: str, answer: _Answer) -> Check:
        error = str(answer.data.get("error"))
        if error == "not_in_channel":
            advice = f"the bot is not in the channel: type /invite {self.bot} there"
        else:
            advice = SLACK_CHANNEL_ADVICE.get(error, "see https://api.slack.com/methods")
        detail = f"slack {target}: Slack says {error}: {advice}"
        return Check("channel", name, "problem", detail, answer.seconds)


class _Discord:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str | None) -> None:
        self.session = session
        self.base = base_url.rstrip("/")
        self.token = token
        self.accepted = False

    async def get(self, path: str, *, bot: bool) -> _Answer:
        headers = {"Authorization": f"Bot {self.token}"} if bot else {}
        answer = await _ask(self.session, "GET", self.base + path, self.base, headers=headers)
        if not isinstance(answer.data, dict):
            raise _Unreachable(
                f"{self.base} answered HTTP {answer.status}, not "
                "Discord's API: check [discord] api_base_url"
            )
        return answer

    async def check_token(self, needed_by: Sequence[str]) -> Check:
        if self.token is None:
            if needed_by:
                return Check(
                    "token",
                    DISCORD_TOKEN_ENV,
                    "problem",
                    f"not set, and {_needed(needed_by, 'a Discord channel id')}: export "
                    f"{DISCORD_TOKEN_ENV} (Developer Portal → your app → Bot → Reset Token), or "
                    "use a webhook URL as the target",
                )
            return Check(
                "token",
                DISCORD_TOKEN_ENV,
                "skipped",
                "not set; no channel needs it (webhook targets post without a token)",
            )
        try:
            answer = await self.get("/users/@me", bot=True)
        except _Unreachable as exc:
            return Check("token", DISCORD_TOKEN_ENV, "problem", str(exc))
        if answer.status != 200:
            detail = (
                f"Discord refused it ({_discord_error(answer)}): reset the bot token in the "
                "Developer Portal (your app → Bot → Reset Token) and export the new one"
            )
            return Check("token", DISCORD_TOKEN_ENV, "problem", detail, answer.seconds)
        self.accepted = True
        user = answer.data.get("username") or answer.data.get("id")
        return Check("token", DISCORD_TOKEN_ENV, "ok", f"accepted: bot {user}", answer.seconds)

    async def check_channel(self, channel: ChannelSpec) -> Check:
        target = channel.target.strip()
        webhook = DISCORD_WEBHOOK.match(target)
        try:
            if webhook:
                webhook_id, webhook_token = webhook.groups()
                answer = await self.get(f"/webhooks/{webhook_id}/{webhook_token}", bot=False)
                shown = f"discord webhook {webhook_id}"
            elif not self.accepted:
                detail = f"discord channel {target}: needs an accepted {DISCORD_TOKEN_ENV}"
                return Check("channel", channel.name, "skipped", detail)
            else:
                answer = await self.get(f"/channels/{target}", bot=True)
                shown = f"discord channel {target}"
        except _Unreachable as exc:
            return Check("channel", channel.name, "problem", str(exc))
        if answer.status == 200:
            found = answer.data
            if webhook:
                name = found.get("name") or "the webhook"
                where = f"{name} posts to channel {found.get('channel_id')}"
            else:
                where = f"#{found.get('name') or target}"
            return Check("channel", channel.name, "ok", f"{shown}: {where}", answer.seconds)
        if webhook:
            advice = (
                "the webhook was deleted or its URL is wrong: create one in the channel's "
                "settings (Integrations → Webhooks) and put its URL in target"
            )
        elif answer.status == 403:
            advice = "the bot cannot see it: add the bot to the server and let it view the channel"
        else:
            advice = (
                "no such channel: copy its id with Developer Mode on (right-click the channel → "
                "Copy Channel ID)"
            )
        detail = f"{shown}: Discord says {_discord_error(answer)}: {advice}"
        return Check("channel", channel.name, "problem", detail, answer.seconds)


def _discord_error(answer: _Answer) -> str:
    data = answer.data if isinstance(answer.data, dict) else {}
    message = data.get("message") or "error"
    code = f", code {data['code']}" if data.get("code") else ""
    return f"HTTP {answer.status} {message}{code}"

"""Posting digests to Discord over its REST API with aiohttp, each part at most once per attempt.

A target is a channel id (POST /channels/{id}/messages with the bot token from DISCORD_TOKEN) or
a webhook URL. With a token, a webhook target is posted through the bot API too, to the
webhook's channel (GET /webhooks/{id}/{token} names it): only bot posts can be made idempotent
and looked up. Requests go to `discord.api_base_url`, so tests point the adapter at a local fake.

Bot posts carry a nonce derived from the run and part with `enforce_nonce`: for a few minutes
Discord answers a repeated nonce with the message it already created, so a 5xx is retried
within the attempt safely. After longer (a crash, a stop), a part whose fate is unknown is
looked up in the channel's recent messages (the bot's own, same content) before it is sent
again. A webhook cannot be looked up: a part that may have arrived is not sent again (at most
once), and the outcome says so. 429s are waited out after the `retry_after` Discord sends.
`allowed_mentions` is always empty.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from typing import Any

import aiohttp

from bot.adapters.base import LookupImpossible, Part, PostingError
from bot.platforms import DISCORD_SNOWFLAKE, DISCORD_TOKEN_ENV, DISCORD_WEBHOOK
from storage.errors import BadInput
from storage.urls import redact_text

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_RETRY_AFTER = 60.0
LOOKUP_PAGES = 3  # of 100 messages, newest first

# What to do about Discord's JSON error codes, in the operator's words.
ADVICE = {
    0: f"check {DISCORD_TOKEN_ENV}: Discord did not accept the bot token",
    10003: "the channel does not exist: check the channel's target",
    10015: "the webhook was deleted: create a new one and update the target",
    50001: "the bot cannot see the channel: invite it or give it View Channel there",
    50013: "give the bot Send Messages and Embed Links in the channel",
    50035: "Discord rejected the message's form; please report this as a bug",
}


def nonce(run_key: str, index: int) -> str:
    """Discord nonces are at most 25 characters."""
    return f"{run_key}.{index}"[-25:]


def describe_refusal(status: int, reason: str, text: str, doing: str) -> str:
    """One line: the status, Discord's error code and message when it sent JSON (never an
    HTML error page), and what to do."""
    try:
        data = json.loads(text) if text else None
    except json.JSONDecodeError:
        data = None
    if isinstance(data, dict) and "code" in data:
        code = data.get("code")
        said = " ".join(str(data.get("message", "")).split())[:120]
        advice = ADVICE.get(code if isinstance(code, int) else -1)
        if advice is None:
            advice = "check the bot's permissions" if status < 500 else "it resumes later"
        return f"Discord refused {doing}: HTTP {status}, code {code} {said}: {advice}"
    where = "Discord or a proxy is having trouble" if status >= 500 else "not a Discord answer"
    return (
        f"Discord failed {doing}: HTTP {status} {reason} ({where}); "
        "the digest resumes on the next run"
    )


def snowflake_of(moment: datetime) -> int:
    """The smallest Discord id created at `moment`."""
    return max(0, int(moment.timestamp() * 1000) - 1_420_070_400_000) << 22


class DiscordPoster:
    platform = "discord"

    def __init__(
        self,
        *,
        target: str,
        token: str | None,
        base_url: str,
        timeout: float = 30.0,
    ) -> None:
        self.base = base_url.rstrip("/")
        self.token = token
        self.webhook_url: str | None = None
        self.channel: str | None = None
        webhook = DISCORD_WEBHOOK.match(target.strip())
        if webhook:
            webhook_id, webhook_token = webhook.groups()
            self.webhook_url = f"{self.base}/webhooks/{webhook_id}/{webhook_token}"
        elif DISCORD_SNOWFLAKE.match(target.strip()):
            if not token:
                raise BadInput(
                    f"{DISCORD_TOKEN_ENV} is not set: export the Discord bot token to post to "
                    f"channel {target}, or use a webhook URL as the target"
                )
            self.channel = target.strip()
        else:
            raise BadInput(
                f"Discord target {target[:60]!r} is neither a channel id nor a webhook URL"
            )
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._resolved = self.channel is not None or not token
        self._me: str | None = None

    @property
    def webhook(self) -> bool:
        return self.channel is None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bot {self.token}"}

    async def _resolve(self) -> None:
        """With a token, post to a webhook's channel through the bot API (idempotent there)."""
        if self._resolved:
            return
        self._resolved = True
        assert self.webhook_url is not None
        try:
            async with self._http().get(self.webhook_url) as response:
                data = await response.json(content_type=None) if response.status == 200 else {}
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise PostingError(
                f"cannot ask Discord which channel the webhook posts to: {redact_text(str(exc))}",
                maybe_delivered=False,
            ) from exc
        channel = data.get("channel_id") if isinstance(data, dict) else None
        if channel:
            self.channel = str(channel)
        else:
            log.warning(
                "Discord did not name the webhook's channel; posting through the webhook, whose "
                "posts cannot be looked up after an interruption"
            )

    def _body(self, part: Part) -> dict[str, Any]:
        body = dict(part.body)
        body["allowed_mentions"] = {"parse": []}
        if not self.webhook:
            body["nonce"] = nonce(part.run_key, part.index)
            body["enforce_nonce"] = True
        return body

    def _request_data(self, part: Part) -> dict[str, Any]:
        body = self._body(part)
        if part.attachment is None:
            return {"json": body}
        form = aiohttp.FormData()
        form.add_field("payload_json", json.dumps(body), content_type="application/json")
        form.add_field(
            "files[0]",
            part.attachment.data,
            filename=part.attachment.filename,
            content_type=part.attachment.content_type,
        )
        return {"data": form}

    async def post(self, part: Part) -> str:
        await self._resolve()
        if self.channel is not None:
            url, headers = f"{self.base}/channels/{self.channel}/messages", self._auth
        else:
            assert self.webhook_url is not None
            url, headers = f"{self.webhook_url}?wait=true", {}
        doing = f"part {part.index + 1}"
        last = ""
        for _attempt in range(MAX_ATTEMPTS):
            try:
                async with self._http().post(
                    url, headers=headers, **self._request_data(part)
                ) as response:
                    text = await response.text()
                    if response.status == 429:
                        await asyncio.sleep(_retry_after(response.headers, text))
                        last = "HTTP 429 (rate limited)"
                        continue
                    if response.status >= 500 and not self.webhook:
                        # Safe to repeat: the nonce makes Discord return what it created.
                        last = describe_refusal(response.status, response.reason or "", text, doing)
                        await asyncio.sleep(0.5)
                        continue
                    if response.status >= 300:
                        raise PostingError(
                            describe_refusal(response.status, response.reason or "", text, doing),
                            maybe_delivered=response.status >= 500,
                            # unauthorised, missing access, unknown channel: an admin must act
                            target_lost=response.status in (401, 403, 404),
                        )
                    data = json.loads(text) if text else {}
            except aiohttp.ClientConnectorError as exc:
                raise PostingError(
                    f"Discord unreachable for {doing}: {redact_text(str(exc))}: check "
                    "[discord] api_base_url and the network",
                    maybe_delivered=False,
                ) from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                reason = redact_text(" ".join(str(exc).split())) or type(exc).__name__
                raise PostingError(
                    f"Discord connection lost during {doing} ({type(exc).__name__}: {reason}); "
                    "it may have been posted"
                ) from exc
            except json.JSONDecodeError as exc:
                raise PostingError(f"Discord answered {doing} with something not JSON") from exc
            message_id = data.get("id") if isinstance(data, dict) else None
            if not message_id:
                raise PostingError(f"Discord did not return a message id for {doing}")
            return str(message_id)
        raise PostingError(f"Discord kept failing {doing}: {last}")

    async def open_dm(self, user_id: str) -> str:
        """The id of the bot's direct-message channel with a user (POST /users/@me/channels)."""
        try:
            async with self._http().post(
                f"{self.base}/users/@me/channels",
                headers=self._auth,
                json={"recipient_id": user_id},
            ) as response:
                text = await response.text()
                data = json.loads(text) if response.status < 300 and text else {}
                if response.status >= 300 or not isinstance(data, dict) or "id" not in data:
                    raise PostingError(
                        describe_refusal(response.status, response.reason or "", text,
                                         f"a direct message with {user_id}"),
                        maybe_delivered=False,
                        target_lost=response.status in (401, 403, 404),
                    )  # fmt: skip
                return str(data["id"])
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise PostingError(
                f"Discord unreachable: {type(exc).__name__}", maybe_delivered=False
            ) from exc

    async def find_posted(self, part: Part, *, since: datetime) -> str | None:
        """The part's id if the bot posted it in the channel; None if not. Raises PostingError
        when Discord cannot be asked (the part is then not sent again yet)."""
        await self._resolve()
        if self.channel is None:
            raise LookupImpossible(
                "Discord webhooks cannot be searched; set DISCORD_TOKEN (with the bot in that "
                "server) so digests go through the bot API and can be"
            )
        wanted = _fingerprint(self._body(part))
        before: str | None = None
        try:
            me = await self._bot_id()
            for _page in range(LOOKUP_PAGES):
                params = {"limit": "100", **({"before": before} if before else {})}
                async with self._http().get(
                    f"{self.base}/channels/{self.channel}/messages",
                    headers=self._auth,
                    params=params,
                ) as response:
                    text = await response.text()
                    if response.status != 200:
                        raise PostingError(
                            describe_refusal(response.status, response.reason or "", text,
                                             f"the lookup of part {part.index + 1}")
                        )  # fmt: skip
                    messages = json.loads(text)
                for message in messages:
                    author = (message.get("author") or {}).get("id")
                    if author == me and _fingerprint(message) == wanted:
                        return str(message["id"])
                if len(messages) < 100 or int(messages[-1]["id"]) < snowflake_of(since):
                    return None
                before = str(messages[-1]["id"])
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError, KeyError) as exc:
            raise PostingError(
                f"cannot tell whether part {part.index + 1} reached Discord, so it is not sent "
                f"again yet: {type(exc).__name__}: {redact_text(str(exc))}"
            ) from exc
        return None

    async def _bot_id(self) -> str:
        if self._me is None:
            async with self._http().get(f"{self.base}/users/@me", headers=self._auth) as response:
                text = await response.text()
                if response.status != 200:
                    raise PostingError(
                        describe_refusal(response.status, response.reason or "", text,
                                         "the bot's identity")
                    )  # fmt: skip
                self._me = str(json.loads(text)["id"])
        return self._me

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _fingerprint(message: dict[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What identifies a digest message: its text and its embeds' titles and descriptions."""
    embeds = tuple(
        (str(embed.get("title") or ""), str(embed.get("description") or ""))
        for embed in message.get("embeds") or []
    )
    return str(message.get("content") or ""), embeds


def _retry_after(headers: Any, text: str) -> float:
    try:
        seconds = float(json.loads(text).get("retry_after"))
    except (ValueError, TypeError, AttributeError):
        try:
            seconds = float(headers.get("Retry-After", 1))
        except (TypeError, ValueError):
            seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)

"""Posting digests to Discord over its REST API with aiohttp.

A target is either a webhook URL (POST /webhooks/{id}/{token}?wait=true, no bot token needed)
or a channel id (POST /channels/{id}/messages with the bot token from DISCORD_TOKEN). Requests
go to `discord.api_base_url`, so tests can point the adapter at a local fake server (discord.py's
own Webhook and HTTPClient hard-wire discord.com).

`allowed_mentions` is always empty. Channel posts carry a nonce derived from the run and part
with `enforce_nonce`, so Discord returns the existing message instead of a duplicate when an
interrupted send is retried; that makes retrying a 5xx safe there. Webhooks have no nonce: a
5xx is not retried within the run (the message may have been posted), the run resumes later.
429s are retried after the `retry_after` Discord sends.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import aiohttp

from bot.adapters.base import Part, PostingError
from bot.platforms import DISCORD_SNOWFLAKE, DISCORD_TOKEN_ENV, DISCORD_WEBHOOK
from storage.errors import BadInput

MAX_ATTEMPTS = 5
MAX_RETRY_AFTER = 60.0


def nonce(run_key: str, index: int) -> str:
    """Discord nonces are at most 25 characters."""
    return f"{run_key}.{index}"[-25:]


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
        base = base_url.rstrip("/")
        self.base = base
        webhook = DISCORD_WEBHOOK.match(target.strip())
        if webhook:
            webhook_id, webhook_token = webhook.groups()
            self.url = f"{base}/webhooks/{webhook_id}/{webhook_token}?wait=true"
            self.headers: dict[str, str] = {}
            self.webhook = True
        elif DISCORD_SNOWFLAKE.match(target.strip()):
            if not token:
                raise BadInput(
                    f"{DISCORD_TOKEN_ENV} is not set: export the Discord bot token to post to "
                    f"channel {target}, or use a webhook URL as the target"
                )
            self.url = f"{base}/channels/{target.strip()}/messages"
            self.headers = {"Authorization": f"Bot {token}"}
            self.webhook = False
        else:
            raise BadInput(
                f"Discord target {target[:60]!r} is neither a channel id nor a webhook URL"
            )
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

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
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        last = ""
        for _attempt in range(MAX_ATTEMPTS):
            try:
                async with self._session.post(
                    self.url, headers=self.headers, **self._request_data(part)
                ) as response:
                    text = await response.text()
                    if response.status == 429:
                        await asyncio.sleep(_retry_after(response.headers, text))
                        last = "rate limited"
                        continue
                    if response.status >= 500 and not self.webhook:
                        last = f"HTTP {response.status}"
                        await asyncio.sleep(0.5)
                        continue
                    if response.status >= 300:
                        raise PostingError(
                            f"Discord refused part {part.index}: HTTP {response.status} "
                            f"{text[:300]}",
                            maybe_delivered=response.status >= 500,
                            # unauthorised, missing access, unknown channel: an admin must act
                            target_lost=response.status in (401, 403, 404),
                        )
                    data = json.loads(text) if text else {}
            except aiohttp.ClientConnectorError as exc:
                raise PostingError(f"Discord unreachable: {exc}", maybe_delivered=False) from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise PostingError(f"Discord unreachable: {type(exc).__name__}: {exc}") from exc
            except json.JSONDecodeError as exc:
                raise PostingError("Discord answered with something that is not JSON") from exc
            message_id = data.get("id") if isinstance(data, dict) else None
            if not message_id:
                raise PostingError(f"Discord did not return a message id for part {part.index}")
            return str(message_id)
        raise PostingError(f"Discord kept failing part {part.index}: {last}")

    async def open_dm(self, user_id: str) -> str:
        """The id of the bot's direct-message channel with a user (POST /users/@me/channels)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(
                f"{self.base}/users/@me/channels",
                headers=self.headers,
                json={"recipient_id": user_id},
            ) as response:
                data = await response.json(content_type=None) if response.status < 300 else {}
                if response.status >= 300 or not isinstance(data, dict) or "id" not in data:
                    raise PostingError(
                        f"Discord would not open a direct message with {user_id}: "
                        f"HTTP {response.status}",
                        maybe_delivered=False,
                        target_lost=response.status in (401, 403, 404),
                    )
                return str(data["id"])
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise PostingError(
                f"Discord unreachable: {type(exc).__name__}", maybe_delivered=False
            ) from exc

    async def find_posted(self, part: Part, *, since: datetime) -> str | None:
        # Channel posts are deduplicated by their nonce; a webhook cannot be searched.
        return None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _retry_after(headers: Any, text: str) -> float:
    try:
        seconds = float(json.loads(text).get("retry_after"))
    except (ValueError, TypeError, AttributeError):
        try:
            seconds = float(headers.get("Retry-After", 1))
        except (TypeError, ValueError):
            seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)

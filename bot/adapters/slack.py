"""Posting digests to Slack with slack_sdk's AsyncWebClient.

Every message carries metadata naming its run and part, so a run interrupted between sending a
part and recording it can find that part in the channel (conversations.history, or .replies for
thread replies; needs the channels:history scope) instead of posting it twice. Overflow
messages go in the thread of the first; the weekly chart is uploaded with files_upload_v2 into
that thread. Rate limits are retried after Retry-After (AsyncRateLimitErrorRetryHandler).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.base import Part, PostingError
from bot.platforms import SLACK_TOKEN_ENV
from storage.errors import BadInput

log = logging.getLogger(__name__)

EVENT_TYPE = "talentbrief_digest_part"
# Slack's answers that mean the bot cannot post to this target until someone changes something.
TARGET_GONE = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "token_revoked",
        "account_inactive",
        "missing_scope",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
    }
)


def slack_client(token: str, base_url: str) -> AsyncWebClient:
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        # Only 429s are retried here: a connection that dropped after sending may have
        # delivered the message, and resending chat.postMessage blindly would post it twice.
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
    )


class SlackPoster:
    platform = "slack"

    def __init__(self, *, channel: str, token: str | None, base_url: str) -> None:
        if not token:
            raise BadInput(
                f"{SLACK_TOKEN_ENV} is not set: export the Slack bot token to post to Slack"
            )
        if not channel:
            raise BadInput("a Slack channel needs a target (the channel id, e.g. C0123456789)")
        self.channel = channel
        self.client = slack_client(token, base_url)

    async def post(self, part: Part) -> str:
        try:
            if part.kind == "chart":
                return await self._upload(part)
            response = await self.client.chat_postMessage(
                channel=self.channel,
                text=part.body.get("text", ""),
                blocks=part.body.get("blocks"),
                thread_ts=part.thread,
                unfurl_links=False,
                unfurl_media=False,
                metadata={
                    "event_type": EVENT_TYPE,
                    "event_payload": {"run": part.run_key, "part": part.index},
                },
            )
        except SlackApiError as exc:
            status = getattr(exc.response, "status_code", 0)
            raise PostingError(
                f"Slack refused part {part.index}: {_error(exc)}",
                maybe_delivered=status >= 500 or status == 0,
                target_lost=_error(exc) in TARGET_GONE,
                retry_after=_retry_after(exc) if status == 429 else None,
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            raise PostingError(f"Slack unreachable: {exc}", maybe_delivered=False) from exc
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            # It may have been delivered before the connection failed: looked up before a retry.
            raise PostingError(f"Slack unreachable: {type(exc).__name__}: {exc}") from exc
        return str(response["ts"])

    async def _upload(self, part: Part) -> str:
        if part.attachment is None:
            raise PostingError("the chart part has no image")
        body = part.body
        response = await self.client.files_upload_v2(
            channel=self.channel,
            file=part.attachment.data,
            filename=part.attachment.filename,
            title=body.get("title"),
            alt_txt=body.get("alt_txt"),
            initial_comment=body.get("initial_comment"),
            thread_ts=part.thread,
        )
        files: list[dict[str, Any]] = response.get("files") or []
        return str(files[0]["id"]) if files else f"file:{part.run_key}:{part.index}"

    async def find_posted(self, part: Part, *, since: datetime) -> str | None:
        if part.kind == "chart":
            return None
        oldest = f"{since.timestamp() - 60:.6f}"
        try:
            if part.thread is None:
                response = await self.client.conversations_history(
                    channel=self.channel, oldest=oldest, include_all_metadata=True, limit=200
                )
            else:
                response = await self.client.conversations_replies(
                    channel=self.channel,
                    ts=part.thread,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=200,
                )
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            log.warning(
                "cannot check whether part %s of %s reached Slack (%s); posting it",
                part.index,
                part.run_key,
                exc,
            )
            return None
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == EVENT_TYPE
                and payload.get("run") == part.run_key
                and payload.get("part") == part.index
            ):
                return str(message["ts"])
        return None

    async def aclose(self) -> None:
        session = getattr(self.client, "session", None)
        if session is not None:
            await session.close()


def _retry_after(exc: SlackApiError) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    try:
        return float(headers.get("Retry-After") or headers.get("retry-after") or 1)
    except (TypeError, ValueError):
        return 1.0


async def open_dm(client: AsyncWebClient, user: str) -> str:
    """The id of the bot's direct-message channel with `user` (conversations.open)."""
    try:
        response = await client.conversations_open(users=user)
    except SlackApiError as exc:
        raise PostingError(
            f"Slack would not open a direct message with {user}: {_error(exc)}",
            maybe_delivered=False,
            target_lost=_error(exc) in TARGET_GONE,
        ) from exc
    except (SlackClientError, OSError, TimeoutError) as exc:
        raise PostingError(
            f"Slack unreachable: {type(exc).__name__}", maybe_delivered=False
        ) from exc
    return str((response.get("channel") or {})["id"])


def _error(exc: SlackApiError) -> str:
    response = exc.response
    try:
        return str(response["error"])
    except (KeyError, TypeError):
        return f"HTTP {getattr(response, 'status_code', '?')}"

"""Posting digests to Slack with slack_sdk's AsyncWebClient, each part at most once per attempt.

chat.postMessage is not idempotent, so nothing here resends a message blindly: the client retries
only 429s (Slack refused the call, Retry-After says when to come back), never a connection that
dropped after sending (slack_sdk's connection-error handler would post the message twice).
Every message carries metadata naming its run and part; a part whose fate is unknown (a dropped
connection, a 5xx, a crash between sending and recording) is looked up in the channel
(conversations.history, or .replies for thread replies; needs channels:history) before it is
sent again, and when Slack cannot be asked, it is not sent again until it can. Overflow messages
go in the thread of the first; the weekly chart is uploaded with files_upload_v2 into that
thread and found again there by its file name.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.base import Part, PostingError
from bot.platforms import SLACK_TOKEN_ENV
from storage.errors import BadInput
from storage.urls import redact_text

log = logging.getLogger(__name__)

EVENT_TYPE = "talentbrief_digest_part"
# How far back a lookup reads: pages of 200 messages, newest first.
LOOKUP_PAGES = 5

# What to do about Slack's error codes, in the operator's words.
ADVICE = {
    "not_authed": f"set {SLACK_TOKEN_ENV} to the bot token (xoxb-…)",
    "invalid_auth": f"{SLACK_TOKEN_ENV} is not a valid bot token; copy it again from the app",
    "token_revoked": f"the token in {SLACK_TOKEN_ENV} was revoked; reinstall the app",
    "account_inactive": f"the token in {SLACK_TOKEN_ENV} belongs to a deactivated app",
    "not_allowed_token_type": f"{SLACK_TOKEN_ENV} must be the bot token (xoxb-…)",
    "channel_not_found": "check the channel's target id, and invite the bot to the channel",
    "not_in_channel": "invite the bot to the channel (/invite @talentbrief)",
    "is_archived": "the channel is archived; unarchive it or change the target",
    "missing_scope": "add the missing scope to the Slack app and reinstall it",
    "ratelimited": "Slack is rate-limiting the bot; the digest resumes on the next run",
}
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
    """A client that waits out rate limits and never repeats a request that may have arrived."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
    )


def describe_slack_error(exc: Exception, doing: str) -> tuple[str, bool]:
    """One line for people (status, Slack's error code, what to do) and whether the call may
    have taken effect."""
    if isinstance(exc, SlackApiError):
        status = _status(exc)
        data = getattr(exc.response, "data", None)
        code = _error(exc)
        needed = data.get("needed") if isinstance(data, dict) else None
        if code:
            advice = ADVICE.get(str(code), "the digest resumes on the next run")
            if needed:
                advice = f"add the {needed} scope to the Slack app and reinstall it"
            # A refusal with an error code means Slack did not post; a 5xx may have.
            return f"Slack refused {doing}: {code} (HTTP {status}): {advice}", status >= 500
        return (
            f"Slack failed {doing}: HTTP {status} without a Slack error code (Slack or a proxy "
            "is having trouble): the digest resumes on the next run",
            True,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        return (
            f"Slack unreachable {doing}: {redact_text(str(exc))}: check [slack] api_base_url "
            "and the network; the digest resumes on the next run",
            False,
        )
    reason = redact_text(" ".join(str(exc).split())) or type(exc).__name__
    return (
        f"Slack connection lost {doing} ({type(exc).__name__}: {reason}): it may have been "
        "posted; it is looked up in the channel before it is sent again",
        True,
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
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            message, maybe = describe_slack_error(exc, f"part {part.index + 1}")
            wait = None
            if isinstance(exc, SlackApiError) and _status(exc) == 429:
                wait = _retry_after(exc)  # rate-limited even after the client's own retries
            raise PostingError(
                message,
                maybe_delivered=maybe,
                target_lost=_error(exc) in TARGET_GONE,
                retry_after=wait,
            ) from exc
        return str(response["ts"])

    async def _upload(self, part: Part) -> str:
        if part.attachment is None:
            raise PostingError("the chart part has no image", maybe_delivered=False)
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
        """The part's id if it is in the channel; None if it is not. Raises PostingError when
        Slack cannot be asked: the part must not be sent again before it can."""
        oldest = f"{since.timestamp() - 60:.6f}"
        try:
            async for message in self._messages(part.thread, oldest):
                found = _match(message, part)
                if found is not None:
                    return found
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            problem, _ = describe_slack_error(exc, f"the lookup of part {part.index + 1}")
            raise PostingError(
                f"cannot tell whether part {part.index + 1} reached Slack, so it is not sent "
                f"again yet: {problem}"
            ) from exc
        return None

    async def _messages(self, thread: str | None, oldest: str) -> AsyncIterator[dict[str, Any]]:
        cursor = None
        for _page in range(LOOKUP_PAGES):
            arguments: dict[str, Any] = {
                "channel": self.channel,
                "oldest": oldest,
                "include_all_metadata": True,
                "limit": 200,
            }
            if cursor:
                arguments["cursor"] = cursor
            if thread is None:
                response = await self.client.conversations_history(**arguments)
            else:
                response = await self.client.conversations_replies(ts=thread, **arguments)
            for message in response.get("messages") or []:
                yield message
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    async def aclose(self) -> None:
        session = getattr(self.client, "session", None)
        if session is not None:
            await session.close()


def _match(message: dict[str, Any], part: Part) -> str | None:
    """The id under which `message` carries `part`, if it does."""
    if part.kind == "chart":
        name = part.attachment.filename if part.attachment else None
        for file in message.get("files") or []:
            if name and file.get("name") == name:
                return str(file.get("id") or message["ts"])
        return None
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if (
        metadata.get("event_type") == EVENT_TYPE
        and payload.get("run") == part.run_key
        and payload.get("part") == part.index
    ):
        return str(message["ts"])
    return None


def _status(exc: SlackApiError) -> int:
    return int(getattr(exc.response, "status_code", 0) or 0)


def _error(exc: Exception) -> str | None:
    """Slack's error code (`channel_not_found`…), or None when the answer carried none (a proxy's
    HTML page, a connection error)."""
    data = getattr(getattr(exc, "response", None), "data", None)
    code = data.get("error") if isinstance(data, dict) else None
    return None if code is None else str(code)


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
    except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        message, _ = describe_slack_error(exc, f"a direct message with {user}")
        raise PostingError(
            message, maybe_delivered=False, target_lost=_error(exc) in TARGET_GONE
        ) from exc
    return str((response.get("channel") or {})["id"])

"""What Slack sends an app, built the same way for Socket Mode envelopes and signed HTTP requests.

The workspace is fixed: team T0TALENT, app A0BRIEF whose bot user is U0BRIEFBOT; two people,
Ada (U0ADA, a workspace admin) and Ben (U0BEN), and the channel #desk (C0DESK).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

TEAM_ID = "T0TALENT"
TEAM_DOMAIN = "talentbrief-test"
APP_ID = "A0BRIEF"
BOT_USER_ID = "U0BRIEFBOT"
BOT_ID = "B0BRIEFBOT"
ADA = "U0ADA"
BEN = "U0BEN"
DESK = "C0DESK"
USER_NAMES = {ADA: "ada", BEN: "ben", BOT_USER_ID: "talentbrief"}

_serial = itertools.count(1)


def _next() -> int:
    return next(_serial)


def slash_command(
    text: str,
    *,
    response_url: str,
    command: str = "/brief",
    user_id: str = BEN,
    channel_id: str = DESK,
    channel_name: str = "desk",
) -> dict[str, str]:
    """The form fields of a slash command (the `payload` of a `slash_commands` envelope)."""
    serial = _next()
    return {
        "token": "verification-token-unused",
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": USER_NAMES.get(user_id, user_id.lower()),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{serial}.1772456400.trigger{serial:04d}",
    }


def app_mention(text: str, *, user: str = BEN, channel: str = DESK) -> dict[str, Any]:
    """An `app_mention` event; `text` follows the mention, e.g. 'H-1B since:7d'."""
    ts = f"1772456400.{_next():06d}"
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM_ID,
    }


def direct_message(text: str, *, user: str = BEN, channel: str | None = None) -> dict[str, Any]:
    """A `message.im` event: someone writes to the app in its direct-message channel."""
    ts = f"1772456400.{_next():06d}"
    return {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel or f"D{user[1:]}",
        "event_ts": ts,
        "team": TEAM_ID,
    }


def event_callback(event: dict[str, Any]) -> dict[str, Any]:
    """The Events API body around one event (the `payload` of an `events_api` envelope)."""
    serial = _next()
    return {
        "token": "verification-token-unused",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{serial:08d}",
        "event_time": 1772456400 + serial,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-fake-context-{serial}",
    }


def url_verification(challenge: str) -> dict[str, Any]:
    return {
        "token": "verification-token-unused",
        "challenge": challenge,
        "type": "url_verification",
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """X-Slack-Signature: v0= and the HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_request(
    secret: str, payload: dict[str, Any], *, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers Slack would POST to /slack/events for `payload`.

    Slash commands (all-string payloads with a `command`) go form-encoded, everything else as
    JSON, as Slack sends them. Pass another secret to forge a bad signature, or an old
    `timestamp` for a replay.
    """
    stamp = int(time.time()) if timestamp is None else timestamp
    if "command" in payload:
        body = urlencode(payload).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        body = json.dumps(payload).encode()
        content_type = "application/json"
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": signature(secret, stamp, body),
    }
    return body, headers

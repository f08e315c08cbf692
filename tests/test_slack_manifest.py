"""The Slack app manifest in the repository grants what the code uses, no more."""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST = Path(__file__).resolve().parent.parent / "slack-app-manifest.json"


def test_the_manifest_declares_the_command_the_events_and_the_scopes_the_bot_needs() -> None:
    manifest = json.loads(MANIFEST.read_text("utf-8"))
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/brief"
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    # Every subscribed event has a listener: bolt leaves unhandled events unacknowledged.
    assert events == {"app_mention", "message.im"}
    listened = {"app_mention", "message"}
    assert {event.split(".")[0] for event in events} <= listened
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {
        "commands": "the /brief command",
        "chat:write": "digests, DM answers and alerts",
        "app_mentions:read": "mentions are searches",
        "im:history": "direct messages are searches",
        "im:write": "alerts sent as direct messages",
        "users:read": "users.info tells workspace admins apart",
        "channels:history": "finding an interrupted digest post instead of repeating it",
        "groups:history": "the same in private channels",
        "files:write": "the weekly chart",
    }
    assert scopes == set(needed)
    assert manifest["settings"]["socket_mode_enabled"] is True  # the default mode

"""The fake chat platforms on 127.0.0.1, one module per protocol; import them from here or there.

- fake_slack_api.FakeSlack: the Slack Web API (and response_urls); fake_slack_socket: Socket
  Mode; fake_slack_payloads: slash commands, events and signed requests as Slack sends them.
- fake_discord_api.FakeDiscord: Discord's REST API; fake_discord_gateway: its gateway;
  fake_discord_world: the guild, people and payloads both share; fake_discord_client: pointing
  discord.py at them.
- fake_http: the recording and fault knobs both HTTP fakes share (`fail_next`, `lose_next`,
  `rate_limit_next`, `unavailable_next`, `drop_next`, `fail_calls`).
"""

from __future__ import annotations

from tests.fake_discord_api import FakeDiscord
from tests.fake_http import FakeServer, Posted
from tests.fake_slack_api import FakeSlack

__all__ = ["FakeDiscord", "FakeServer", "FakeSlack", "Posted"]

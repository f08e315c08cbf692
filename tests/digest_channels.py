"""One digest channel pointed at the fake Slack or Discord, and one scheduler tick through the
core: what the posting tests (test_digest_posting, test_posting_faults) build on."""

from __future__ import annotations

from datetime import datetime

from bot.config import ChannelConfig, Config, DiscordConfig, SlackConfig
from bot.core import Talentbrief
from bot.digest_posting import DigestOutcome
from storage.db import Database
from tests.fake_chat import FakeDiscord, FakeSlack

ENV = {"SLACK_BOT_TOKEN": "xoxb-test", "DISCORD_TOKEN": "discord-test-token"}
WEBHOOK = "https://discord.com/api/webhooks/123456789012345678/hook-token_1"
_NOWHERE = "http://127.0.0.1:9"  # nothing listens: a test that forgot its fake fails loudly


def digest_config(
    slack: FakeSlack | None = None, discord: FakeDiscord | None = None, **channel: object
) -> Config:
    """A config with one channel, "desk" on Slack at 08:00 New York unless `channel` says else."""
    values: dict[str, object] = {
        "name": "desk",
        "platform": "slack",
        "target": "C0123456789",
        "schedule": ("08:00",),
        "timezone": "America/New_York",
    }
    values.update(channel)
    return Config(
        channels=(ChannelConfig.model_validate(values),),
        slack=SlackConfig(api_base_url=slack.api if slack else f"{_NOWHERE}/api/"),
        discord=DiscordConfig(api_base_url=discord.api if discord else _NOWHERE),
    )


async def post_due_digests(
    database: Database, config: Config, *, now: datetime, env: dict[str, str] = ENV
) -> list[DigestOutcome]:
    """What the scheduler's digest job does, through the application core."""
    return await Talentbrief(config, database=database, env=env).digests.post_due(now=now)

"""Network faults while a digest is posted: each part reaches the channel exactly once.

The fakes accept a message and then lose the answer (500), cut the connection, answer 503
with an HTML page, or refuse; the real adapters post to them and the run resumes the way the
scheduler would call it again. What is asserted is what the channel shows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.config import Config
from bot.digest_posting import DigestOutcome
from storage.db import Database
from storage.types import StoredItem
from tests.corpus.digest import NOW, adversarial_items, distinct_title, fixed_items
from tests.digest_channels import ENV, WEBHOOK, digest_config, post_due_digests
from tests.digest_db import store
from tests.fake_chat import FakeDiscord, FakeSlack
from tests.fake_discord_world import BRIEFING


async def _post(
    database: Database, config: Config, minutes: float = 0, env: dict[str, str] = ENV
) -> DigestOutcome:
    """One call of the scheduler's digest job, `minutes` after the slot."""
    [outcome] = await post_due_digests(
        database, config, now=NOW + timedelta(minutes=minutes), env=env
    )
    return outcome


def _many(count: int) -> list[StoredItem]:
    return [
        replace(item, title=distinct_title(n), summary="")
        for n, item in enumerate(adversarial_items(count))
    ]


def _parts(slack: FakeSlack) -> list[tuple[str, int]]:
    """(run, part) of every message in the channel, in order."""
    found = []
    for message in slack.messages:
        payload = message.body["metadata"]["event_payload"]
        found.append((payload["run"], payload["part"]))
    return found


async def test_a_dropped_connection_after_slack_accepted_is_not_resent(
    database: Database, slack: FakeSlack
) -> None:
    """slack_sdk's connection-error retry used to post the part again at once."""
    store(database, _many(120))
    config = digest_config(slack, max_items=120)
    slack.fail_calls = set()
    slack.drop_next = 1  # the first part is posted, then the connection is cut
    failed = await _post(database, config)
    assert failed.status == "failed"
    assert "connection lost" in failed.detail and "\n" not in failed.detail
    assert len(slack.messages) == 1
    resumed = await _post(database, config, minutes=1)
    assert resumed.status == "resumed"
    parts = _parts(slack)
    assert len(parts) == len(set(parts)) == len(resumed.message_ids) >= 3
    assert resumed.message_ids[0] == slack.messages[0].id


async def test_a_part_that_cannot_be_looked_up_is_not_resent_until_it_can(
    database: Database, slack: FakeSlack
) -> None:
    """The old resume posted blindly when conversations.history failed."""
    store(database, fixed_items())
    config = digest_config(slack)
    slack.lose_next = 1  # posted; the answer is a 500
    assert (await _post(database, config)).status == "failed"
    slack.revoke(slack.bot_token)  # now Slack cannot be asked
    blind = await _post(database, config, minutes=1)
    assert blind.status == "failed"
    assert "cannot tell whether part 1 reached Slack" in blind.detail
    assert "token_revoked" in blind.detail
    assert len(slack.messages) == 1
    slack.revoked.clear()
    resumed = await _post(database, config, minutes=2)
    assert resumed.status == "resumed"
    assert len(slack.messages) == 1 and resumed.message_ids == (slack.messages[0].id,)


async def test_the_weekly_chart_is_found_in_the_thread_not_uploaded_twice(
    database: Database, slack: FakeSlack
) -> None:
    store(database, fixed_items())
    config = digest_config(slack, weekly="mon")  # NOW is a Monday in New York
    slack.lose_calls = {2}  # the chart is shared into the thread, the answer is a 500
    failed = await _post(database, config)
    assert failed.status == "failed", failed
    assert len(slack.completed) == 1
    resumed = await _post(database, config, minutes=1)
    assert resumed.status == "resumed"
    assert "conversations.replies" in slack.requests
    assert len(slack.completed) == 1  # shared once
    assert resumed.message_ids == (slack.messages[0].id, "F1")


async def test_slack_errors_are_one_readable_line(database: Database, slack: FakeSlack) -> None:
    store(database, fixed_items())
    config = digest_config(slack)
    slack.unavailable_next = 1  # 503 with an HTML page (not posted)
    unavailable = await _post(database, config)
    assert "HTTP 503" in unavailable.detail and "<" not in unavailable.detail
    assert "None" not in unavailable.detail and "'str' object" not in unavailable.detail
    slack.fail_next = 1  # Slack's own refusal
    refused = await _post(database, config, minutes=1)
    assert "fatal_error (HTTP 200)" in refused.detail
    slack.revoke(slack.bot_token)
    revoked = await _post(database, config, minutes=2)
    assert "token_revoked" in revoked.detail and "reinstall the app" in revoked.detail
    for outcome in (unavailable, refused, revoked):
        assert outcome.status == "failed" and "\n" not in outcome.describe()
    slack.revoked.clear()
    assert (await _post(database, config, minutes=3)).status == "resumed"
    assert len(slack.messages) == 1


async def test_a_slack_rate_limit_then_a_drop_posts_each_part_once(
    database: Database, slack: FakeSlack
) -> None:
    store(database, _many(120))
    config = digest_config(slack, max_items=120)
    slack.rate_limit_next, slack.retry_after = 1, 0.1
    slack.fail_calls = {3}  # after the 429 retried: part 1 posted, then part 2 refused
    slack.drop_next = 0
    outcome = await _post(database, config)
    assert outcome.status == "failed"
    slack.drop_next = 1
    outcome = await _post(database, config, minutes=1)
    assert outcome.status == "failed"
    outcome = await _post(database, config, minutes=2)
    assert outcome.status == "resumed"
    parts = _parts(slack)
    assert len(parts) == len(set(parts)) == len(outcome.message_ids)


async def test_a_discord_bot_post_lost_after_the_nonce_window_is_found_not_resent(
    database: Database, discord: FakeDiscord
) -> None:
    """Discord deduplicates a nonce for a few minutes only; a later resume looks it up."""
    store(database, _many(60))
    config = digest_config(discord=discord, platform="discord", target=str(BRIEFING), max_items=60)
    discord.drop_next = 1  # the first message is created, then the connection is cut
    failed = await _post(database, config)
    assert failed.status == "failed" and "connection lost" in failed.detail
    discord.forget_nonces()  # the resume comes later than Discord remembers nonces
    resumed = await _post(database, config, minutes=30)
    assert resumed.status == "resumed"
    assert "channel history" in discord.requests
    ids = [p.id for p in discord.posted]
    assert len(ids) == len(set(ids)) == len(resumed.message_ids) >= 2
    assert resumed.message_ids[0] == ids[0]


async def test_a_discord_webhook_5xx_after_delivery_is_not_posted_twice(
    database: Database, discord: FakeDiscord
) -> None:
    """Without a token a webhook cannot be looked up: the part is not sent again (49 for 48
    was seen before), and the outcome says it may be missing."""
    store(database, _many(60))
    config = digest_config(discord=discord, platform="discord", target=WEBHOOK, max_items=60)
    discord.lose_next = 1  # created, then a 500
    failed = await _post(database, config, env={})
    assert failed.status == "failed"
    assert "HTTP 500" in failed.detail and "internal error" not in failed.detail
    resumed = await _post(database, config, minutes=1, env={})
    assert resumed.status == "resumed"
    assert "part 1 may not have arrived" in resumed.detail and "DISCORD_TOKEN" in resumed.detail
    assert len(discord.posted) == len(resumed.message_ids)


async def test_a_discord_webhook_goes_through_the_bot_api_when_a_token_is_set(
    database: Database, discord: FakeDiscord
) -> None:
    store(database, _many(60))
    config = digest_config(discord=discord, platform="discord", target=WEBHOOK, max_items=60)
    discord.drop_next = 1
    assert (await _post(database, config)).status == "failed"
    discord.forget_nonces()
    resumed = await _post(database, config, minutes=30)
    assert resumed.status == "resumed"
    assert {p.path for p in discord.posted} == {f"channels/{BRIEFING}"}
    ids = [p.id for p in discord.posted]
    assert len(ids) == len(set(ids)) == len(resumed.message_ids)


async def test_discord_errors_are_one_readable_line(
    database: Database, discord: FakeDiscord
) -> None:
    store(database, fixed_items())
    config = digest_config(discord=discord, platform="discord", target=WEBHOOK)
    discord.unavailable_next = 1
    failed = await _post(database, config, env={})
    assert failed.status == "failed"
    detail = failed.describe()
    assert "HTTP 503 Service Unavailable" in detail
    assert "<html" not in detail and detail.count("503") == 1


async def test_a_revoked_discord_token_says_what_to_do(
    database: Database, discord: FakeDiscord
) -> None:
    store(database, fixed_items())
    discord.revoke("discord-test-token")
    config = digest_config(discord=discord, platform="discord", target=str(BRIEFING))
    refused = await _post(database, config)
    assert refused.status == "failed"
    assert "HTTP 401, code 0" in refused.detail and "DISCORD_TOKEN" in refused.detail
    assert "\n" not in refused.describe() and discord.posted == []

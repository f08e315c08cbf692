"""Posting through the real adapters to fake Slack and Discord servers: exactly once, resumable."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.digest_service import DigestService
from bot.platforms import platform
from storage.channels import get_channel
from storage.db import Database
from storage.digests import get_run, recent_runs
from storage.errors import BadInput
from storage.models import DigestRun
from storage.types import StoredItem
from tests.corpus.digest import NOW, adversarial_items, distinct_title, fixed_items
from tests.digest_channels import ENV, WEBHOOK, digest_config, post_due_digests
from tests.digest_db import store
from tests.fake_chat import FakeDiscord, FakeSlack


def _many(count: int) -> list[StoredItem]:
    """Distinct stories, enough for a digest of several messages."""
    return [
        replace(item, title=distinct_title(n), summary="")
        for n, item in enumerate(adversarial_items(count))
    ]


async def test_a_period_posts_once_with_overflow_in_the_thread(
    database: Database, slack: FakeSlack
) -> None:
    store(database, _many(120))
    config = digest_config(slack, max_items=120)
    [first] = await post_due_digests(database, config, now=NOW, env=ENV)
    assert first.status == "posted", first
    messages = slack.messages
    assert len(messages) >= 3
    assert first.message_ids == tuple(m.id for m in messages)
    head = messages[0]
    assert head.headers["Authorization"] == "Bearer xoxb-test"
    assert "thread_ts" not in head.body
    assert {m.body["thread_ts"] for m in messages[1:]} == {head.id}
    assert all(m.body["unfurl_links"] is False for m in messages)
    assert not any("link_names" in m.body or "parse" in m.body for m in messages)

    [again] = await post_due_digests(database, config, now=NOW + timedelta(minutes=5), env=ENV)
    assert again.status == "already_posted"
    assert "posted only once" in again.detail
    assert len(slack.messages) == len(messages)


async def test_a_crash_after_building_resumes_the_same_payload(
    database: Database, slack: FakeSlack
) -> None:
    store(database, fixed_items())
    config = digest_config(slack)
    slack.fail_next = 1
    [failed] = await post_due_digests(database, config, now=NOW, env=ENV)
    assert failed.status == "failed"
    assert slack.messages == []
    with database.session() as session:
        channel = get_channel(session, "desk")
        assert channel is not None
        run = get_run(session, channel.id, failed.period_key or "")
    assert run is not None and run.state == "built" and run.last_error
    # New items arrive before the retry: the resumed run keeps the content it was built with.
    later = [
        replace(
            i,
            id=i.id + 100,
            key=f"late{i.id}",
            title=f"Late {i.title}",
            first_seen_at=NOW + timedelta(minutes=1),
        )
        for i in fixed_items()[:3]
    ]
    store(database, later)
    [resumed] = await post_due_digests(database, config, now=NOW + timedelta(minutes=2), env=ENV)
    assert resumed.status == "resumed"
    assert [m.body["blocks"] for m in slack.messages] == [
        part["body"]["blocks"] for part in run.payload
    ]
    assert "Late " not in str(slack.messages[0].body)


async def test_a_failure_mid_digest_resumes_at_the_first_unposted_part(
    database: Database, slack: FakeSlack
) -> None:
    store(database, _many(120))
    config = digest_config(slack, max_items=120)
    slack.fail_calls = {2}  # the first message goes out, the second fails
    [failed] = await post_due_digests(database, config, now=NOW, env=ENV)
    assert failed.status == "failed"
    assert len(failed.message_ids) == 1
    [resumed] = await post_due_digests(database, config, now=NOW + timedelta(minutes=1), env=ENV)
    assert resumed.status == "resumed"
    ids = [m.id for m in slack.messages]
    assert len(ids) == len(set(ids)) == len(resumed.message_ids)
    assert resumed.message_ids[0] == failed.message_ids[0]  # the first part was not reposted
    texts = [m.body["text"] for m in slack.messages]
    assert len(texts) == len(set(texts))


async def test_a_part_delivered_before_the_crash_is_found_not_resent(
    database: Database, slack: FakeSlack
) -> None:
    store(database, fixed_items())
    config = digest_config(slack)
    slack.lose_next = 1  # Slack posts the message, the answer is lost
    [failed] = await post_due_digests(database, config, now=NOW, env=ENV)
    assert failed.status == "failed"
    assert len(slack.messages) == 1
    [resumed] = await post_due_digests(database, config, now=NOW + timedelta(minutes=1), env=ENV)
    assert resumed.status == "resumed"
    assert "conversations.history" in slack.requests
    assert len(slack.messages) == 1
    assert resumed.message_ids == (slack.messages[0].id,)


async def test_a_missed_digest_is_caught_up_once(database: Database, slack: FakeSlack) -> None:
    day = timedelta(days=1)
    monday = fixed_items()[:4]
    store(database, monday)
    config = digest_config(slack)
    [first] = await post_due_digests(database, config, now=NOW, env=ENV)
    assert first.status == "posted"
    # Tuesday's and Wednesday's items arrive while the bot is down on Tuesday.
    tuesday = [
        replace(
            i,
            id=i.id + 200,
            key=f"tue{i.id}",
            title=f"Tuesday: {i.title} {i.id}",
            first_seen_at=NOW + day - timedelta(hours=1),
            published_at=NOW + day - timedelta(hours=2),
        )
        for i in fixed_items()[5:8]
    ]
    wednesday = [
        replace(
            i,
            id=i.id + 300,
            key=f"wed{i.id}",
            title=f"Wednesday: {i.title} {i.id}",
            first_seen_at=NOW + 2 * day - timedelta(hours=1),
            published_at=NOW + 2 * day - timedelta(hours=2),
        )
        for i in fixed_items()[9:12]
    ]
    store(database, tuesday + wednesday)
    [caught_up] = await post_due_digests(
        database, config, now=NOW + 2 * day + timedelta(hours=1), env=ENV
    )
    assert caught_up.status == "posted"
    assert caught_up.period_key == "2026-03-04T13:00Z"
    text = str(slack.messages[-1].body["blocks"])
    assert all(i.title in text for i in tuesday)
    assert all(i.title in text for i in wednesday)
    assert "Monday" not in text and fixed_items()[0].title not in text
    with database.session() as session:
        channel = get_channel(session, "desk")
        assert channel is not None
        runs = recent_runs(session, channel.id)
    assert [r.period_key for r in runs] == ["2026-03-04T13:00Z", "2026-03-02T13:00Z"]
    assert runs[0].window_start == runs[1].window_end  # nothing skipped, nothing twice


async def test_an_unposted_run_of_a_past_period_is_superseded(
    database: Database, slack: FakeSlack
) -> None:
    store(database, fixed_items()[:3])
    config = digest_config(slack)
    slack.fail_next = 1
    [failed] = await post_due_digests(database, config, now=NOW, env=ENV)
    assert failed.status == "failed"
    [next_day] = await post_due_digests(database, config, now=NOW + timedelta(days=1), env=ENV)
    assert next_day.status == "posted"
    assert fixed_items()[0].title in str(slack.messages[0].body["blocks"])
    with database.session() as session:
        states = dict(session.execute(select(DigestRun.period_key, DigestRun.state)).all())
    assert states == {"2026-03-02T13:00Z": "superseded", "2026-03-03T13:00Z": "posted"}


async def test_an_empty_period_is_recorded_and_not_posted(
    database: Database, slack: FakeSlack
) -> None:
    config = digest_config(slack)
    [outcome] = await post_due_digests(database, config, now=NOW, env=ENV)
    assert outcome.status == "empty"
    assert slack.messages == []
    config = digest_config(slack, post_empty=True)
    [posted] = await post_due_digests(database, config, now=NOW + timedelta(days=1), env=ENV)
    assert posted.status == "posted"
    assert "Nothing new" in str(slack.messages[0].body["blocks"])


async def test_the_weekly_edition_uploads_its_chart_into_the_thread(
    database: Database, slack: FakeSlack
) -> None:
    store(database, fixed_items())
    config = digest_config(slack, weekly="mon")  # NOW is a Monday in New York
    [outcome] = await post_due_digests(database, config, now=NOW, env=ENV)
    assert outcome.status == "posted", outcome
    [upload] = slack.uploads.values()
    assert upload.startswith(b"\x89PNG")
    [completed] = slack.completed
    assert completed["thread_ts"] == slack.messages[0].id
    assert outcome.message_ids[-1] == "F1"


async def test_discord_channel_posts_carry_nonces_and_no_mentions(
    database: Database, discord: FakeDiscord
) -> None:
    store(database, _many(60))
    config = digest_config(
        discord=discord, platform="discord", target="987654321098765432", max_items=60
    )
    discord.lose_next = 1  # the first message is created, the answer is a 500: retried
    discord.rate_limit_next = 0
    [outcome] = await post_due_digests(database, config, now=NOW, env=ENV)
    assert outcome.status == "posted", outcome
    posted = discord.posted
    assert len(posted) == len(outcome.message_ids) >= 2
    assert outcome.message_ids[0] == posted[0].id  # the retry returned the same message
    for message in posted:
        assert message.body["allowed_mentions"] == {"parse": []}
        assert message.body["enforce_nonce"] is True
        assert len(message.body["nonce"]) <= 25
    assert len({m.body["nonce"] for m in posted}) == len(posted)


async def test_discord_webhook_posts_wait_for_the_message(
    database: Database, discord: FakeDiscord
) -> None:
    store(database, fixed_items())
    config = digest_config(discord=discord, platform="discord", target=WEBHOOK, weekly="mon")
    discord.rate_limit_next = 1
    [outcome] = await post_due_digests(database, config, now=NOW, env={})
    assert outcome.status == "posted", outcome
    assert all(p.path == "webhook" for p in discord.posted)
    assert all("Authorization" not in p.headers for p in discord.posted)
    chart = discord.posted[-1]
    [png] = chart.files.values()
    assert png.startswith(b"\x89PNG")
    assert chart.body["embeds"][0]["image"]["url"].startswith("attachment://")


async def test_a_missing_token_is_bad_input_and_records_nothing(
    database: Database, slack: FakeSlack
) -> None:
    config = digest_config(slack)
    with pytest.raises(BadInput, match="SLACK_BOT_TOKEN"):
        platform("slack").poster("C1", config, env={})
    with pytest.raises(BadInput, match="DISCORD_TOKEN"):
        platform("discord").poster("987654321098765432", config, env={})
    store(database, fixed_items())
    [outcome] = await post_due_digests(database, config, now=NOW, env={})
    assert outcome.status == "failed"
    assert "SLACK_BOT_TOKEN" in outcome.detail
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(DigestRun)) == 0


async def test_moving_the_schedule_does_not_post_the_same_day_twice(
    database: Database, slack: FakeSlack
) -> None:
    store(database, fixed_items())
    [first] = await post_due_digests(database, digest_config(slack), now=NOW, env=ENV)
    assert first.status == "posted"
    moved = digest_config(
        slack, schedule=("07:00",)
    )  # the 07:00 slot today is before the posted one
    [same_day] = await post_due_digests(database, moved, now=NOW + timedelta(hours=2), env=ENV)
    assert same_day.status == "already_posted"
    [next_day] = await post_due_digests(database, moved, now=NOW + timedelta(days=1), env=ENV)
    assert next_day.status == "empty"  # due again the next day (nothing new to post)


class Killed(BaseException):
    """The process dies here: no handler of ours runs (SIGKILL, as far as the code can tell)."""


@pytest.mark.parametrize("ending", ["killed", "stopped"])
async def test_a_process_ended_between_sending_and_recording_does_not_repost(
    database: Database, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, ending: str
) -> None:
    """Slack accepted the first message, then the process died (no cleanup at all) or was
    stopped (cancelled): the part is found in the channel, not posted again."""
    from bot.adapters.slack import SlackPoster

    store(database, _many(120))
    config = digest_config(slack, max_items=120)
    end: type[BaseException] = Killed if ending == "killed" else asyncio.CancelledError

    class EndsAfterSending(SlackPoster):
        async def post(self, part):  # type: ignore[no-untyped-def]
            await super().post(part)
            raise end

    dying = EndsAfterSending(channel="C0123456789", token="xoxb-test", base_url=slack.api)
    with monkeypatch.context() as patch:
        patch.setattr(DigestService, "poster", lambda *args, **kwargs: dying)
        with pytest.raises(end):
            await post_due_digests(database, config, now=NOW, env=ENV)
    assert len(slack.messages) == 1
    if ending == "killed":
        # Another process leaves it alone within the lease (a minute), resumes it after.
        [busy] = await post_due_digests(database, config, now=NOW + timedelta(seconds=30), env=ENV)
        assert busy.status == "busy"
    # A stop released the run at once; a kill's lease ran out after a minute.
    later = NOW + timedelta(seconds=1 if ending == "stopped" else 61)
    [resumed] = await post_due_digests(database, config, now=later, env=ENV)
    assert resumed.status == "resumed"
    ids = [m.id for m in slack.messages]
    assert resumed.message_ids == tuple(ids)  # the first message was found, not sent again
    assert len(ids) == len(set(m.body["text"] for m in slack.messages))


async def test_slack_rate_limits_are_waited_out(database: Database, slack: FakeSlack) -> None:
    store(database, fixed_items())
    slack.rate_limit_next = 1  # 429 with Retry-After: slack_sdk's handler waits and retries
    [outcome] = await post_due_digests(database, digest_config(slack), now=NOW, env=ENV)
    assert outcome.status == "posted"
    assert len(slack.messages) == 1
    assert slack.requests.count("chat.postMessage") == 2

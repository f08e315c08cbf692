"""Across days: an event a channel's earlier digest showed is not shown again because another
outlet wrote it up since; a new stage of it is. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.digest_build import compose
from storage.channels import ChannelSpec, StoredChannel, add_channel
from storage.db import Database
from storage.digests import create_run, item_ids_shown, record_part_posted
from storage.types import StoredItem
from tests.corpus.digest import CATALOG
from tests.digest_db import store

DAY_ONE = datetime(2026, 4, 14, 12, 0, tzinfo=UTC)
DAY_TWO = DAY_ONE + timedelta(days=1)
LEASE = timedelta(minutes=10)


def _item(number: int, title: str, summary: str, source: str, published: datetime) -> StoredItem:
    return StoredItem(
        id=number,
        key=f"days-{number}",
        title=title,
        summary=summary,
        url=f"https://news{number}.example/{number}",
        published_at=published,
        first_seen_at=published + timedelta(minutes=10),
        source=source,
        sources=(source,),
        tags={"visa-policy": 0.8},
        alert=False,
        reasons={},
        language="zh" if any("\u4e00" <= c <= "\u9fff" for c in title) else "en",
    )


PROPOSAL = _item(
    1,
    "DHS Proposes Rule to Limit Optional Practical Training Extensions for STEM Graduates",
    "The Department of Homeland Security proposed to shorten the STEM OPT extension from 24 "
    "to 12 months for students who graduate after October 1, 2026.",
    "DHS news",
    DAY_ONE - timedelta(hours=3),
)
RETELLING = _item(
    2,
    "美国土安全部拟将STEM专业OPT延期缩短至12个月",
    "美国国土安全部提出规则草案，STEM OPT延期将由24个月减为12个月。",
    "联合早报",
    DAY_ONE + timedelta(hours=4),
)
WITHDRAWAL = _item(
    3,
    "DHS withdraws proposal to shorten STEM OPT extension",
    "The department said it would keep the 24-month STEM OPT extension after universities "
    "objected.",
    "DHS news",
    DAY_ONE + timedelta(hours=20),
)
UNRELATED = _item(
    4,
    "Tsinghua recruits US-trained chemists with new lab grants",
    "The university offers start-up packages to researchers returning from abroad.",
    "SCMP",
    DAY_ONE + timedelta(hours=6),
)


def _post(session: Session, channel: StoredChannel, period: datetime, item_ids: list[int]) -> int:
    run = create_run(
        session,
        channel_id=channel.id,
        period_key=period.isoformat(),
        period_at=period,
        edition="daily",
        platform="console",
        target="",
        window_start=period - timedelta(days=1),
        window_end=period,
        item_ids=item_ids,
        payload=[{"kind": "message", "body": {"text": "digest"}}],
        now=period,
    )
    assert run is not None
    record_part_posted(session, run.id, 0, "m1", now=period, lease=LEASE)
    return run.id


def test_items_shown_are_those_of_posted_digests_in_the_lookback(database: Database) -> None:
    with database.session() as session:
        desk = add_channel(session, ChannelSpec(name="desk"))
        other = add_channel(session, ChannelSpec(name="other"))
        _post(session, desk, DAY_ONE - timedelta(days=9), [7])  # too old
        _post(session, desk, DAY_ONE - timedelta(days=1), [5, 6])
        _post(session, desk, DAY_ONE, [6, 8])
        _post(session, other, DAY_ONE, [9])  # another channel
        create_run(  # built, never posted: nothing was shown
            session,
            channel_id=desk.id,
            period_key="unposted",
            period_at=DAY_TWO,
            edition="daily",
            platform="console",
            target="",
            window_start=DAY_ONE,
            window_end=DAY_TWO,
            item_ids=[10],
            payload=[{"kind": "message", "body": {"text": "x"}}],
            now=DAY_TWO,
        )
    with database.session() as session:
        since = DAY_ONE - timedelta(days=5)
        assert item_ids_shown(session, desk.id, since=since) == [5, 6, 8]
        assert item_ids_shown(session, other.id, since=since) == [9]
        assert item_ids_shown(session, desk.id, since=DAY_TWO) == []


def test_tomorrow_a_retelling_is_left_out_and_a_new_stage_is_shown(database: Database) -> None:
    spec = ChannelSpec(name="desk")
    store(database, [PROPOSAL])
    with database.session() as session:
        desk = add_channel(session, spec)
        first = compose(session, desk, spec, now=DAY_ONE, period=None, catalog=CATALOG)
        assert [e.item.title for e in first.digest.entries] == [PROPOSAL.title]
        _post(session, desk, DAY_ONE, first.digest.item_ids)

    store(database, [RETELLING, WITHDRAWAL, UNRELATED])
    with database.session() as session:
        second = compose(session, desk, spec, now=DAY_TWO, period=None, catalog=CATALOG)
    titles = {entry.item.title for entry in second.digest.entries}
    assert titles == {WITHDRAWAL.title, UNRELATED.title}
    assert second.digest.repeated == 1
    assert "1 story from earlier digests not repeated" in second.digest.footer

    # Without the earlier digest (another channel), the Chinese retelling is news.
    with database.session() as session:
        fresh = add_channel(session, replace(spec, name="fresh"))
        shown = compose(
            session, fresh, replace(spec, name="fresh"), now=DAY_TWO, period=None, catalog=CATALOG
        )
    assert RETELLING.title in {entry.item.title for entry in shown.digest.entries}

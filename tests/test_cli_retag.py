"""`talentbrief retag`: the current taxonomy applied to the stored archive, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.durations import parse_since
from storage.db import Database
from storage.errors import BadInput
from storage.items import item_reasons, items_to_retag, load_items, store_items
from storage.sources import SourceSpec, add_source
from storage.types import NewItem

RECENT = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
OLD = datetime(2020, 6, 1, tzinfo=UTC)
CONFIG = """
[[sources]]
name = "USCIS feed"
url = "https://uscis.example/feed"
tags = ["visa-policy"]

[[sources]]
name = "Wire"
url = "https://wire.example/feed"
"""


@pytest.fixture
def archive(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Database, Path, dict[str, int]]:
    """Four stored items with stale tags, and a config pointing at their database."""
    config = tmp_path / "talentbrief.toml"
    config.write_text(CONFIG, "utf-8")
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", database.url)
    monkeypatch.delenv("TALENTBRIEF_CONFIG", raising=False)
    with database.session() as session:
        uscis = add_source(session, SourceSpec("USCIS feed", "https://uscis.example/feed"))
        wire = add_source(session, SourceSpec("Wire", "https://wire.example/feed"))
        uscis_id, wire_id = uscis.id, wire.id
    with database.session() as session:
        store_items(
            session,
            uscis_id,
            [NewItem(key="hinted", title="Consular backlog update", published_at=RECENT)],
        )
        store_items(
            session,
            wire_id,
            [
                NewItem(
                    key="proclamation",
                    title="President signs proclamation suspending H-1B entry",
                    published_at=RECENT,
                    tags={"ai-talent": 0.5},
                ),
                NewItem(
                    key="show",
                    title="Talent show finals tonight",
                    published_at=RECENT,
                    tags={"talent-programs": 0.9},
                    alert=True,
                    reasons={"talent-programs": ("stale",)},
                ),
                NewItem(
                    key="old",
                    title="Chinese students in the US fall for a third year",
                    published_at=OLD,
                ),
            ],
        )
    with database.session() as session:
        ids = {row.title: row.id for row in items_to_retag(session)}
    keys = {
        "hinted": ids["Consular backlog update"],
        "proclamation": ids["President signs proclamation suspending H-1B entry"],
        "show": ids["Talent show finals tonight"],
        "old": ids["Chinese students in the US fall for a third year"],
    }
    return database, config, keys


def _retag(config: Path, *extra: str) -> list[str]:
    return ["--config", str(config), "retag", "--json", *extra]


def test_retag_rewrites_changed_items_and_stores_reasons(
    archive: tuple[Database, Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    database, config, ids = archive
    assert main(_retag(config, "--since", "2025-01-01", "--batch-size", "2")) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["scanned"] == 3
    assert report["changed"] == 3
    assert report["updated"] == 3
    assert "retag" in captured.err  # the progress bar is on stderr

    with database.session() as session:
        stored = {item.id: item for item in load_items(session, list(ids.values()))}
        reasons = item_reasons(session, ids["proclamation"])
        assert item_reasons(session, 10_000) is None
    # the source's hint tag, read from the database, tipped the weak term over
    assert "visa-policy" in stored[ids["hinted"]].tags  # the model may add a topic beside it
    assert stored[ids["hinted"]].reasons["visa-policy"][-1] == "hint: visa-policy"
    proclamation = stored[ids["proclamation"]]
    assert "visa-policy" in proclamation.tags and proclamation.alert is True
    assert reasons is not None
    assert reasons["visa-policy"] == ('term "H-1B"', 'weak term "entry"')
    assert 'action: "sign"' in reasons["alert"]
    show = stored[ids["show"]]
    assert show.tags == {} and show.alert is False and show.reasons == {}
    # outside --since: untouched
    assert stored[ids["old"]].tags == {}


def test_retag_twice_changes_nothing_the_second_time(
    archive: tuple[Database, Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    _database, config, _ids = archive
    assert main(_retag(config)) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["scanned"], first["changed"]) == (4, 4)
    assert main(_retag(config)) == 0
    second = json.loads(capsys.readouterr().out)
    assert (second["scanned"], second["changed"], second["updated"]) == (4, 0, 0)


def test_retag_applies_taxonomy_overrides_from_the_config(
    archive: tuple[Database, Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    database, config, ids = archive
    config.write_text(
        CONFIG + '\n[taxonomy.topics.live-events]\nterms = ["talent show"]\n', "utf-8"
    )
    assert main(["--config", str(config), "retag"]) == 0
    assert "retagged 4 items" in capsys.readouterr().out
    with database.session() as session:
        [show] = load_items(session, [ids["show"]])
    assert set(show.tags) == {"live-events"}
    assert show.reasons == {"live-events": ('term "talent show"',)}


def test_retag_rejects_a_bad_since(
    archive: tuple[Database, Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    _database, config, _ids = archive
    assert main(_retag(config, "--since", "last tuesday")) == 2
    err = capsys.readouterr().err
    assert "--since 'last tuesday': give a duration" in err
    assert err.count("\n") == 1


def test_parse_since_accepts_durations_dates_and_datetimes() -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert parse_since("7d", now=now) == datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    assert parse_since("2026-01-01", now=now) == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_since("2026-01-01T08:00:00+01:00", now=now).hour == 8
    midnight_in_new_york = parse_since("2026-01-01", now=now, timezone="America/New_York")
    assert midnight_in_new_york == datetime(2026, 1, 1, 5, 0, tzinfo=UTC)
    with pytest.raises(BadInput, match="--since 'soon'"):
        parse_since("soon", now=now)


def test_retag_brings_items_tagged_by_older_rules_up_to_date(
    database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 9 generalised the rules: items stored before then carry what the older rules
    said (here: nothing, the issue-3 rules' verdict on both headlines) until retag."""
    config = tmp_path / "talentbrief.toml"
    config.write_text(CONFIG, "utf-8")
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", database.url)
    monkeypatch.delenv("TALENTBRIEF_CONFIG", raising=False)
    case = "Appeals court overturns conviction of chemist in China-ties case"
    move = "Caltech chemist relocates her group to Shenzhen"
    with database.session() as session:
        wire = add_source(session, SourceSpec("Wire", "https://wire.example/feed"))
        store_items(
            session,
            wire.id,
            [
                NewItem(key="case", title=case, published_at=RECENT),
                NewItem(key="move", title=move, published_at=RECENT),
            ],
        )
    with database.session() as session:
        before = {
            row.title: row for row in load_items(session, [r.id for r in items_to_retag(session)])
        }
    assert before[case].tags == {} and before[move].tags == {}

    assert main(_retag(config)) == 0
    assert json.loads(capsys.readouterr().out)["changed"] == 2
    with database.session() as session:
        after = {
            item.title: item for item in load_items(session, [before[case].id, before[move].id])
        }
    assert set(after[case].tags) == {"research-security"} and after[case].alert is True
    assert 'action: "overturn"' in after[case].reasons["alert"]
    assert set(after[move].tags) == {"returnees"}
    assert after[move].reasons["returnees"][0] == 'context: "relocate" + "Shenzhen" + "chemist"'

"""`talentbrief digest`: previews change nothing; --post posts once; errors exit 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from storage.db import open_database
from storage.models import Channel, DigestRun, Item, Source
from tests.corpus.digest import fixed_items
from tests.digest_db import store


def _setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform: str = "console") -> str:
    url = f"sqlite:///{tmp_path / 'tb.db'}"
    target = 'target = "C0123456789"\n' if platform == "slack" else ""
    config = tmp_path / "talentbrief.toml"
    config.write_text(
        f'[storage]\nurl = "{url}"\n\n[[channels]]\nname = "desk"\nplatform = "{platform}"\n'
        f'{target}schedule = ["00:00", "06:00", "12:00", "18:00"]\ntimezone = "UTC"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TALENTBRIEF_CONFIG", str(config))
    monkeypatch.delenv("TALENTBRIEF_DATABASE_URL", raising=False)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    database = open_database(url)
    now = datetime.now(UTC)
    items = [
        item.__class__(
            **{
                **{f: getattr(item, f) for f in item.__slots__},
                "first_seen_at": now - timedelta(minutes=item.id),
                "published_at": now - timedelta(minutes=item.id),
            }
        )
        for item in fixed_items()
    ]
    store(database, items)
    database.dispose()
    return url


def _counts(url: str) -> dict[str, int]:
    database = open_database(url)
    with database.session() as session:
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Channel, DigestRun, Item, Source)
        }
    database.dispose()
    return counts


def test_preview_prints_payloads_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _setup(tmp_path, monkeypatch)
    before = _counts(url)
    for fmt in ("slack", "discord", "json"):
        assert main(["digest", "--channel", "desk", "--since", "1d", "--format", fmt]) == 0
        out = capsys.readouterr()
        assert json.loads(out.out)  # stdout is JSON alone
        assert "preview only" in out.err
    assert main(["digest", "--channel", "desk", "--since", "1d"]) == 0
    assert "POLICY ALERTS" in capsys.readouterr().out
    assert (
        main(["digest", "--channel", "desk", "--format", "markdown", "--since", "2026-01-01"]) == 0
    )
    assert "## Policy alerts" in capsys.readouterr().out
    assert _counts(url) == before


def test_post_to_the_console_records_the_run_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _setup(tmp_path, monkeypatch)
    assert main(["digest", "--channel", "desk", "--post", "--since", "1d"]) == 0
    out = capsys.readouterr()
    assert "POLICY ALERTS" in out.out
    assert " posted" in out.err
    assert main(["digest", "--channel", "desk", "--post"]) == 0
    again = capsys.readouterr()
    assert again.out == ""
    assert "was already posted; nothing sent again" in again.err and "posted only once" in again.err
    assert "already_posted" not in again.err  # people read this, not status codes
    assert _counts(url)["digest_runs"] == 1


def test_unknown_channel_and_missing_token_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _setup(tmp_path, monkeypatch, platform="slack")
    assert main(["digest", "--channel", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("talentbrief: error:") and "known: desk" in err
    assert len(err.strip().splitlines()) == 1
    assert main(["digest", "--channel", "desk", "--post"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and len(err.strip().splitlines()) == 1
    assert main(["digest", "--channel", "desk", "--since", "yesterday-ish"]) == 2
    assert "--since" in capsys.readouterr().err
    assert _counts(url)["digest_runs"] == 0


def test_explain_says_why_tellings_were_grouped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _setup(tmp_path, monkeypatch)
    assert main(["digest", "--channel", "desk", "--since", "1d", "--explain"]) == 0
    err = capsys.readouterr().err
    assert "story led by #" in err and "Westlake" in err
    assert " ~ #" in err and "share " in err
    assert (
        main(["digest", "--channel", "desk", "--since", "1d", "--format", "json", "--explain"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    [story] = [c for c in data["clusters"] if "Westlake" in c["items"][0]["title"]]
    assert len(story["items"]) == 3 and story["joins"]

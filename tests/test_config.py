"""The config file: defaults, overrides, and errors that name the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import builtin_defaults, load_config
from bot.durations import parse_duration
from storage.errors import ConfigError
from tests.example_config import with_chat_channels

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "talentbrief.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid_and_ships_the_default_sources() -> None:
    example = load_config(EXAMPLE, env={})
    defaults = builtin_defaults()
    assert example.source_specs() == defaults.source_specs()
    assert len(defaults.sources) >= 15
    kinds = {source.kind for source in defaults.sources}
    assert kinds == {"feed", "federal_register"}


def test_example_documents_every_key_of_every_section() -> None:
    text = EXAMPLE.read_text("utf-8")
    data = tomllib.loads(text)
    config = load_config(EXAMPLE, env={})
    for section in ("storage", "poll", "slack", "discord"):
        model = getattr(config, section)
        assert set(data[section]) == set(type(model).model_fields), section
    # The Slack and Discord channels are commented out so the example runs without tokens.
    channels = tomllib.loads(with_chat_channels(text))["channels"]
    channel_keys = set().union(*(set(channel) for channel in channels))
    assert channel_keys == set(type(config.channels[0]).model_fields)


def test_no_config_file_means_builtin_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.path is None
    assert config.storage.url == "sqlite:///talentbrief.db"
    assert [channel.platform for channel in config.channels] == ["console"]
    assert config.sources


def test_a_config_file_without_sources_has_no_sources(tmp_path: Path) -> None:
    path = _write(tmp_path, '[storage]\nurl = "sqlite:///x.db"\n')
    assert load_config(path, env={}).sources == ()


def test_environment_picks_the_file_and_overrides_the_database(tmp_path: Path) -> None:
    path = _write(tmp_path, '[storage]\nurl = "sqlite:///from-file.db"\n')
    env = {"TALENTBRIEF_CONFIG": str(path), "TALENTBRIEF_DATABASE_URL": "sqlite:///from-env.db"}
    config = load_config(env=env)
    assert config.path == path
    assert config.storage.url == "sqlite:///from-env.db"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[storage]\nurll = 'x'\n", "storage.urll: unknown key"),
        (
            "[[sources]]\nname = 'a'\nurl = 'https://a.example/'\ninterval = '3x'\n",
            "sources[0].interval",
        ),
        ("[[sources]]\nname = 'a'\nurl = 'file:///etc/passwd'\n", "sources[0].url"),
        ("[[sources]]\nname = 'a'\nurl = 'https://a.example/'\nkind = 'atom'\n", "sources[0].kind"),
        (
            "[[sources]]\nname = 'a'\nurl = 'https://a/'\n[[sources]]\nname = 'a'\nurl = 'https://b/'\n",
            "used twice",
        ),
        ("[[channels]]\nname = 'c'\ntimezone = 'Mars/Olympus'\n", "channels[0].timezone"),
        ("[[channels]]\nname = 'c'\nschedule = '25:00'\n", "channels[0].schedule"),
        ("[[channels]]\nname = 'c'\nschedule = '0 99 * * *'\n", "channels[0].schedule"),
        ("[[channels]]\nname = 'c'\nplatform = 'slack'\n", "needs a target"),
        ("[[channels]]\nname = 'c'\ndays = ['someday']\n", "channels[0].days"),
        ("[poll]\nconcurrency = 0\n", "poll.concurrency"),
        ("[[channels]]\nname = 'c'\nquery = 'visa title:x'\n", "channels[0].query: unknown field"),
        ("[storage\n", "not valid TOML"),
        # Topic ids must be the taxonomy's: a typo would silently give empty digests.
        (
            "[[channels]]\nname = 'c'\ntopics = ['visa']\n",
            "channels[0].topics: unknown topic 'visa' (known: visa-policy, talent-programs,",
        ),
        (
            "[[sources]]\nname = 'a'\nurl = 'https://a.example/'\ntags = ['students']\n",
            "sources[0].tags: unknown topic 'students'",
        ),
        (
            "[[channels]]\nname = 'c'\nquery = 'tag:visa since:7d'\n",
            "channels[0].query: tag:visa is not a topic (known: visa-policy",
        ),
        (
            "[taxonomy.topics.ai-talent]\nenabled = false\n[[channels]]\nname = 'c'\n"
            "topics = ['ai-talent']\n",
            "channels[0].topics: unknown topic 'ai-talent'",
        ),
        ("[taxonomy.topics.visa-policy]\ncolour = 'red'\n", "taxonomy.topics.visa-policy.colour"),
        (
            "[[sources]]\nname = 'a'\nurl = 'https://a.example/'\ninterval = '10s'\n",
            "sources[0]: interval: an interval of 10s is too short",
        ),
        (
            "[[sources]]\nname = 'a'\nurl = 'https://a.example/'\ninterval = '9999999999999w'\n",
            "sources[0].interval",
        ),
        (
            "[[channels]]\nname = 'c'\nplatform = 'discord'\ntarget = '#general'\n",
            "neither a channel id (digits) nor a webhook URL",
        ),
        ("[[channels]]\nname = 'c'\nplatform = 'slack'\ntarget = '#desk'\n", "not a channel id"),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_a_topic_added_in_the_taxonomy_may_be_used(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "[taxonomy.topics.biosecurity]\nlabel = 'Biosecurity'\nterms = ['select agent']\n"
        "[[channels]]\nname = 'c'\ntopics = ['biosecurity']\nquery = 'tag:biosecurity'\n",
    )
    assert load_config(path, env={}).channels[0].topics == ("biosecurity",)


def test_a_loopback_source_may_be_polled_every_few_seconds(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "[[sources]]\nname = 'a'\nurl = 'http://127.0.0.1:8080/f'\ninterval = '5s'\n"
    )
    assert load_config(path, env={}).sources[0].interval == 5


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", env={})


def test_cli_reports_config_errors_in_one_line_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path, "[[sources]]\nname = 'a'\nurl = 'https://a.example/'\ninterval = 'soon'\n"
    )
    code = main(["--config", str(path), "db", "upgrade"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    [line] = captured.err.strip().splitlines()
    assert line.startswith("talentbrief: error:") and "sources[0].interval" in line
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("30m", 1800),
        ("2h", 7200),
        ("1h30m", 5400),
        ("1d", 86400),
        ("45", 45),
        (600, 600),
    ],
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0m", "3x", "m30", "1.5h", "-5m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_cron_day_seven_is_sunday_as_in_crontab(tmp_path: Path) -> None:
    path = _write(tmp_path, "[[channels]]\nname = 'c'\nschedule = '0 8 * * 7'\n")
    assert load_config(path, env={}).channels[0].schedule == ("0 8 * * 7",)

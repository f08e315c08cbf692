"""`talentbrief tag`: tagging JSON Lines, and `tag --eval` on labelled ones."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main

DEVSET = Path(__file__).parent / "data" / "tagger_devset.jsonl"
TUNING = DEVSET.with_name("tagger_heldout5.jsonl")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No config file from the environment or the working directory."""
    monkeypatch.delenv("TALENTBRIEF_CONFIG", raising=False)
    monkeypatch.delenv("TALENTBRIEF_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)


def _write_lines(path: Path, *records: object) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def test_tag_adds_tags_alert_scores_and_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write_lines(
        tmp_path / "in.jsonl",
        {"title": "President signs proclamation suspending H-1B entry", "id": 7},
        {"title": "Talent show finals tonight", "summary": "Twelve acts compete."},
        {"title": "海归科学家创业潮", "summary": ""},
    )
    assert main(["tag", "--input", str(source)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == 3
    first = out[0]
    assert first["id"] == 7  # other fields pass through
    assert first["tags"][0] == "visa-policy"  # the learned second opinion may add another
    assert first["alert"] is True
    assert first["scores"]["visa-policy"] >= 0.9
    assert 'term "H-1B"' in first["reasons"]["visa-policy"]
    assert 'action: "sign"' in first["reasons"]["alert"]
    assert out[1]["tags"] == [] and out[1]["alert"] is False and out[1]["reasons"] == {}
    assert out[2]["tags"] == ["returnees"]


def test_tag_reads_stdin_and_applies_the_source_hints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # "USCIS news" is a built-in source with the hint visa-policy.
    lines = [
        {"title": "Consular backlog update", "source": "USCIS news"},
        {"title": "Consular backlog update", "source": "Somewhere else"},
        {"title": "Consular backlog update", "hints": ["visa-policy"]},
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps(x) + "\n" for x in lines)))
    # the rules apply hints; the learned second opinion reads "consular backlog" as visa news
    # with or without one
    assert main(["tag", "--rules-only"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["tags"] for o in out] == [["visa-policy"], [], ["visa-policy"]]
    assert out[0]["reasons"]["visa-policy"][-1] == "hint: visa-policy"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"title": "ok"}\n\n{"title": "H-1B"\n', "line 3: not valid JSON"),
        ('{"title": "ok"}\n["a list"]\n', "line 2: expected a JSON object"),
        ('{"summary": "no title"}\n', 'line 1: missing "title"'),
        ('{"title": 5}\n', 'line 1: "title" must be a string'),
        ('{"title": "x", "hints": "visa-policy"}\n', 'line 1: "hints" must be a list of strings'),
    ],
)
def test_bad_lines_exit_2_with_the_line_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text(content, "utf-8")
    assert main(["tag", "--input", str(source)]) == 2
    err = capsys.readouterr().err
    assert err == f"talentbrief: error: {err.removeprefix('talentbrief: error: ')}"
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_missing_input_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tag", "--input", "nope.jsonl"]) == 2
    assert "cannot read 'nope.jsonl'" in capsys.readouterr().err


def test_eval_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tag", "--eval", str(DEVSET)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["tag", "prec", "recall", "F1", "support", "predicted"]
    for topic in ("visa-policy", "ai-talent", "export-controls"):
        assert any(line.startswith(topic) for line in out.splitlines())
    assert "macro-F1" in out and "alert precision" in out and "alert recall" in out
    # the topic confusion: one row per labelled topic, one column per tagged one
    table = out.split("topic confusion", 1)[1].splitlines()
    assert any(line.startswith("visa-policy") for line in table)
    assert any(line.startswith("(none)") for line in table)


def test_eval_json_has_the_documented_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = _write_lines(
        tmp_path / "gold.jsonl",
        {"title": "H-1B lottery opens", "summary": "", "tags": ["visa-policy"], "alert": False},
        {"title": "Open Doors: Chinese students fall", "tags": ["visa-policy"], "alert": False},
        {"title": "Talent show finals", "tags": [], "alert": False},
    )
    assert main(["tag", "--eval", str(labelled), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"macro_f1", "alert_precision", "alert_recall", "per_tag", "confusions"} <= set(report)
    visa = report["per_tag"]["visa-policy"]
    assert (visa["precision"], visa["recall"], visa["support"]) == (1.0, 0.5, 2)
    assert {"precision", "recall", "f1", "support"} <= set(visa)
    assert report["confusions"]["missed"] == {"visa-policy": {"student-mobility": 1}}
    assert report["confusions"]["spurious"] == {"student-mobility": {"visa-policy": 1}}
    assert report["confusions"]["matrix"]["visa-policy"] == {
        "visa-policy": 1,
        "student-mobility": 1,
    }
    assert report["worst_misses"][0]["title"] == "Open Doors: Chinese students fall"


def test_eval_needs_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unlabelled = _write_lines(tmp_path / "x.jsonl", {"title": "H-1B lottery opens"})
    assert main(["tag", "--eval", str(unlabelled)]) == 2
    assert 'line 1: missing "tags"' in capsys.readouterr().err


def test_taxonomy_overrides_in_the_config_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "talentbrief.toml"
    config.write_text(
        '[taxonomy.topics.biosecurity]\nterms = ["select agent"]\n'
        '[taxonomy.topics.visa-policy]\ndrop_terms = ["H-1B"]\n',
        "utf-8",
    )
    monkeypatch.setattr("sys.stdin", io.StringIO('{"title": "H-1B select agent rules"}\n'))
    assert main(["--config", str(config), "tag"]) == 0
    assert json.loads(capsys.readouterr().out)["tags"] == ["biosecurity"]


def test_a_bad_taxonomy_override_exits_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "talentbrief.toml"
    config.write_text('[taxonomy.topics.visa-policy]\ndrop_terms = ["no-such"]\n', "utf-8")
    assert main(["--config", str(config), "tag", "--eval", str(DEVSET)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("talentbrief: error: ") and err.count("\n") == 1
    assert "talentbrief.toml: taxonomy.topics.visa-policy.drop_terms: " in err
    assert err.count("\n") == 1


def _lines_the_model_adds_to(path: Path, count: int = 5) -> list[dict[str, object]]:
    """Labelled lines of heldout5 (the thresholds' tuning set) to which the shipped model adds
    a topic (found, not listed: the model is retrained whenever the rules change)."""
    from feeds.tagging import load_tagger

    tagger = load_tagger()
    found = []
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        reasons = tagger.tag(row["title"], row["summary"]).reasons
        if any(why[0].startswith("similar to labelled examples") for why in reasons.values()):
            found.append(row)
        if len(found) == count:
            break
    assert found
    return found


def test_eval_says_whether_the_second_opinion_was_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = _write_lines(tmp_path / "gold.jsonl", *_lines_the_model_adds_to(TUNING))
    assert main(["tag", "--eval", str(labelled), "--json"]) == 0
    with_model = json.loads(capsys.readouterr().out)
    assert main(["tag", "--eval", str(labelled), "--json", "--rules-only"]) == 0
    rules_only = json.loads(capsys.readouterr().out)
    assert with_model["second_opinion"] is True and rules_only["second_opinion"] is False
    predicted = [
        sum(tag["predicted"] for tag in report["per_tag"].values())
        for report in (rules_only, with_model)
    ]
    assert predicted[0] < predicted[1]  # the model only adds
    assert main(["tag", "--eval", str(labelled), "--rules-only"]) == 0
    assert "learned second opinion: off (the rules alone)" in capsys.readouterr().out


def test_the_config_can_turn_the_second_opinion_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    row = _lines_the_model_adds_to(TUNING, 1)[0]
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(row) + "\n"))
    assert main(["tag"]) == 0
    reasons = json.loads(capsys.readouterr().out)["reasons"]
    assert any("learned model" in why[0] for why in reasons.values())
    config = tmp_path / "talentbrief.toml"
    config.write_text("[tagger]\nsecond_opinion = false\n", "utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(row) + "\n"))
    assert main(["--config", str(config), "tag"]) == 0
    reasons = json.loads(capsys.readouterr().out)["reasons"]
    assert not any("learned model" in why[0] for why in reasons.values())
    assert main(["--config", str(config), "tag", "--eval", str(TUNING)]) == 0
    assert "learned second opinion: off" in capsys.readouterr().out

"""The learned second opinion removing what it doubts: only when allowed, never for what the
config redefined, with thresholds the trainer chooses by a stated rule; clean figures pinned."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from feeds.tagging import load_tagger
from feeds.tagging.doubts import DOUBT_GRID, Answer, choose_doubts
from feeds.tagging.similar import compile_model, customised, load_similarity
from feeds.tagging.tagger import Tagger
from feeds.tagging.taxonomy import ALERT, load_taxonomy
from tests import test_tagger_devset as sets

SIGNED = "President signs proclamation suspending H-1B entry"  # the rules: visa-policy, alert


def _model(doubts: dict[str, float], **weights: list[list[float]]) -> Any:
    """A model that knows only `weights` (every other text scores its bias, 0.047)."""
    return compile_model(
        {
            "outputs": ["visa-policy", "research-security", "alert"],
            "bias": [-3.0, -3.0, -3.0],
            "thresholds": {"visa-policy": 0.8, "research-security": 0.8, "alert": 0.8},
            "doubts": doubts,
            "weights": weights,
        }
    )


def test_a_doubted_topic_and_alert_are_removed_only_when_allowed() -> None:
    model = _model({"visa-policy": 0.1, "alert": 0.1})
    rules = load_tagger(second_opinion=False).tag(SIGNED)
    assert list(rules.tags) == ["visa-policy"] and rules.alert
    adding_only = Tagger(load_taxonomy(), model).tag(SIGNED)
    assert adding_only.tags.keys() == rules.tags.keys() and adding_only.alert
    doubting = Tagger(load_taxonomy(), model, may_remove=True).tag(SIGNED)
    assert doubting.tags == {} and doubting.alert is False and doubting.reasons == {}
    # the rules' score is still reported, for `tag --eval` and tuning
    assert doubting.scores["visa-policy"] == rules.scores["visa-policy"]
    assert adding_only.removed == {} and rules.removed == {}


def test_what_was_removed_says_why_and_keeps_the_rules_reasons() -> None:
    model = _model({"visa-policy": 0.1, "alert": 0.1})
    rules = load_tagger(second_opinion=False).tag(SIGNED)
    doubting = Tagger(load_taxonomy(), model, may_remove=True).tag(SIGNED)
    # the alert goes with the item's last topic: out of scope, it is not judged
    assert list(doubting.removed) == ["visa-policy"]
    # the model scores what it knows nothing about at its bias: 0.05, under the doubt of 0.10
    assert doubting.removed["visa-policy"] == (
        "removed: unlike labelled examples of visa-policy, score 0.05 under 0.10 (learned model)",
        *rules.reasons["visa-policy"],
    )
    alert_doubted = Tagger(load_taxonomy(), _model({ALERT: 0.1}), may_remove=True).tag(SIGNED)
    assert list(alert_doubted.removed) == [ALERT]
    assert alert_doubted.removed[ALERT] == (
        "removed: unlike labelled examples of alerts, score 0.05 under 0.10 (learned model)",
        *rules.reasons[ALERT],
    )


def test_tag_writes_what_was_removed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"title": "Returnee chef's bistro earns a Michelin star"}), "utf-8")
    assert main(["tag", "--input", str(items)]) == 0
    assert "removed" not in json.loads(capsys.readouterr().out)
    assert main(["tag", "--input", str(items), "--may-remove"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["tags"] == [] and "returnees" not in line["reasons"]
    assert line["removed"]["returnees"][0].startswith("removed: unlike labelled examples of")
    assert 'term "returnee"' in line["removed"]["returnees"]


def test_what_the_model_backs_is_kept() -> None:
    model = _model({"visa-policy": 0.1, "alert": 0.1}, proclamation=[[0, 5.0], [2, 5.0]])
    result = Tagger(load_taxonomy(), model, may_remove=True).tag(SIGNED)
    rules = load_tagger(second_opinion=False).tag(SIGNED)
    assert result.tags == rules.tags and result.alert and result.reasons == rules.reasons


def test_only_the_alert_doubted_keeps_the_topic() -> None:
    result = Tagger(load_taxonomy(), _model({ALERT: 0.1}), may_remove=True).tag(SIGNED)
    assert list(result.tags) == ["visa-policy"] and result.alert is False
    assert ALERT not in result.reasons


def test_a_customised_topic_is_never_doubted() -> None:
    overrides = {"topics": {"visa-policy": {"add_terms": ["K-1 visa"]}}}
    tagger = Tagger(
        load_taxonomy(overrides),
        _model({"visa-policy": 0.1}),
        customised=customised(overrides),
        may_remove=True,
    )
    assert "visa-policy" in tagger.tag(SIGNED).tags


def test_the_shipped_model_doubts_below_where_it_adds_and_is_off_by_default() -> None:
    model = load_similarity()
    assert set(model.doubts) == set(model.outputs)
    assert all(model.doubts[name] < model.thresholds[name] for name in model.doubts)
    assert all(value in DOUBT_GRID for value in model.doubts.values())
    assert load_tagger().may_remove is False
    assert load_tagger(may_remove=True).may_remove is True
    assert load_tagger(second_opinion=False, may_remove=True).may_remove is False


def _answers(*tags: str) -> list[Answer]:
    return [(frozenset(t.split()), False) for t in tags]


def test_the_trainer_takes_the_highest_doubt_that_removes_mostly_wrong_answers() -> None:
    # Ten items all tagged "a" by the rules; the model's score of "a" is the item's number
    # / 100; items 0-5 are wrong, 6-9 right. Removing under 0.05 drops 0-4 (all wrong),
    # under 0.1 drops 0-9: four right answers lost, the rule refuses.
    gold = _answers(*[""] * 6, *["a"] * 4)
    scores = [n / 100 for n in (0, 1, 2, 3, 4, 6, 7, 8, 9, 9)]

    def play(doubts: Mapping[str, float]) -> list[Answer]:
        cut = doubts.get("a", 0.0)
        return [(frozenset() if score < cut else frozenset("a"), False) for score in scores]

    assert choose_doubts(gold, play, ["a"]) == {"a": 0.05}


def test_the_trainer_doubts_nothing_it_cannot_earn() -> None:
    gold = _answers("a", "a", "a", "a")

    def play(doubts: Mapping[str, float]) -> list[Answer]:
        return _answers(*([""] * 4 if doubts else ["a"] * 4))

    assert choose_doubts(gold, play, ["a"]) == {}


def test_eval_and_the_config_turn_it_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labelled = tmp_path / "gold.jsonl"
    labelled.write_text(json.dumps({"title": SIGNED, "tags": ["visa-policy"]}) + "\n", "utf-8")
    assert main(["tag", "--eval", str(labelled), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["second_opinion_may_remove"] is False
    assert main(["tag", "--eval", str(labelled), "--may-remove"]) == 0
    assert "learned second opinion: on, removing what it doubts" in capsys.readouterr().out
    config = tmp_path / "talentbrief.toml"
    config.write_text("[tagger]\nsecond_opinion_may_remove = true\n", "utf-8")
    assert main(["--config", str(config), "tag", "--eval", str(labelled), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["second_opinion_may_remove"] is True
    config.write_text("[tagger]\nsecond_opinion = false\n", "utf-8")
    assert main(["--config", str(config), "tag", "--eval", str(labelled), "--may-remove"]) == 2
    assert "--may-remove needs the second opinion" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("path", "macro_f1", "alert_precision", "alert_recall", "topic_recall"),
    [
        # The thresholds are chosen on these four since the twenty-eighth round. Scored clean
        # before that, with the doubt thresholds chosen on heldout32-35: 0.902, 0.907, 0.877,
        # 0.821; 0.8975, 0.911, 0.844, 0.818; 0.900, 0.926, 0.886, 0.768; 0.8965, 0.942, 0.860,
        # 0.769 (adding only: 0.878, 0.824, 0.885, 0.830; 0.880, 0.818, 0.885, 0.818; 0.884,
        # 0.881, 0.894, 0.778; 0.880, 0.868, 0.873, 0.846)
        (sets.HELDOUT36, 0.91, 0.91, 0.90, 0.83),
        (sets.HELDOUT37, 0.90, 0.90, 0.90, 0.77),
        (sets.HELDOUT38, 0.90, 0.92, 0.92, 0.78),
        (sets.HELDOUT39, 0.90, 0.94, 0.95, 0.80),
        # clean after the twenty-eighth round, scored once: every target met on both (0.904,
        # 0.946, 0.915, 0.835 and 0.913, 0.928, 0.866, 0.800)
        (sets.HELDOUT40, 0.90, 0.94, 0.91, 0.83),
        (sets.HELDOUT41, 0.91, 0.92, 0.86, 0.80),
        # clean, a second judgement of the twenty-eighth round: 0.903, 0.950, 0.893, 0.848 (all
        # met) and 0.895, 0.978, 0.858, 0.862
        (sets.HELDOUT42, 0.90, 0.95, 0.89, 0.84),
        (sets.HELDOUT43, 0.89, 0.97, 0.85, 0.86),
        # clean on the twenty-ninth round: 0.8900, 0.970, 0.834, 0.760 and 0.9112, 0.955, 0.829,
        # 0.793
        # (the thirty-second round, read off heldout44-51, raises their alert recall floors)
        (sets.HELDOUT44, 0.89, 0.97, 0.85, 0.83),
        (sets.HELDOUT45, 0.91, 0.95, 0.85, 0.83),
        # clean on the thirtieth round, scored once: 0.914, 0.966, 0.876, 0.856 (all met) and
        # 0.903, 0.969, 0.826, 0.847
        (sets.HELDOUT46, 0.91, 0.96, 0.90, 0.85),
        (sets.HELDOUT47, 0.90, 0.96, 0.83, 0.84),
        # clean on the thirty-first round, scored once: 0.913, 0.985, 0.820, 0.780 and 0.890,
        # 0.973, 0.784, 0.743 (the thirty-second round: 0.968, 0.822, 0.798 here)
        (sets.HELDOUT48, 0.91, 0.98, 0.84, 0.78),
        (sets.HELDOUT49, 0.89, 0.96, 0.82, 0.79),
        # clean, a second judgement of the thirty-first round: 0.879, 0.978, 0.825, 0.823 and
        # 0.908, 0.962, 0.840, 0.852
        (sets.HELDOUT50, 0.87, 0.97, 0.84, 0.82),
        (sets.HELDOUT51, 0.90, 0.96, 0.85, 0.85),
        # clean on the thirty-second round, scored once: 0.909, 0.927, 0.900, 0.848 (all met)
        # and 0.892, 0.923, 0.896, 0.835
        (sets.HELDOUT52, 0.90, 0.92, 0.90, 0.84),
        (sets.HELDOUT53, 0.89, 0.92, 0.89, 0.83),
        # clean on the thirty-third round, scored once: 0.902, 0.979, 0.928, 0.733 and 0.897,
        # 0.922, 0.849, 0.831
        (sets.HELDOUT54, 0.90, 0.97, 0.92, 0.73),
        (sets.HELDOUT55, 0.89, 0.92, 0.84, 0.83),
        # clean on the thirty-fourth round, scored once: 0.867, 0.932, 0.867, 0.758 and 0.878,
        # 0.925, 0.822, 0.765
        (sets.HELDOUT56, 0.86, 0.93, 0.86, 0.75),
        (sets.HELDOUT57, 0.87, 0.92, 0.82, 0.76),
        # clean on the thirty-fifth round, scored once: 0.905, 0.983, 0.829, 0.842 and 0.889,
        # 0.992, 0.880, 0.750
        # (thirty-seventh round, the model refitted and tuned on heldout58-61: removing on,
        # alert precision 0.983 -> 0.976 here and lowest topic recall 0.808 -> 0.793 on
        # heldout61)
        (sets.HELDOUT58, 0.90, 0.97, 0.82, 0.84),
        (sets.HELDOUT59, 0.88, 0.99, 0.88, 0.75),
        # clean on the thirty-sixth round, scored once: 0.884, 0.930, 0.874, 0.667 and 0.899,
        # 0.971, 0.870, 0.808
        # (thirty-eighth round: the model refitted counting every occurrence of a feature: alert
        # precision 0.915 here, export-controls recall 0.800 on heldout62 and heldout64)
        (sets.HELDOUT60, 0.88, 0.91, 0.87, 0.66),
        (sets.HELDOUT61, 0.89, 0.97, 0.87, 0.79),
        # clean on the thirty-seventh round, scored once: 0.905, 0.955, 0.922, 0.817 and 0.914,
        # 0.935, 0.915, 0.851 (all four targets met on both)
        (sets.HELDOUT62, 0.90, 0.95, 0.92, 0.80),
        (sets.HELDOUT63, 0.91, 0.93, 0.91, 0.85),
        # clean on the thirty-seventh round's rules and model, scored once: 0.910, 0.937, 0.856,
        # 0.840 and 0.924, 0.958, 0.868, 0.862 (all four targets met on both)
        (sets.HELDOUT64, 0.90, 0.93, 0.85, 0.80),
        (sets.HELDOUT65, 0.92, 0.95, 0.86, 0.86),
        # clean on the thirty-eighth round's rules and model, scored once: 0.926, 0.980, 0.908,
        # 0.864 and 0.924, 0.985, 0.906, 0.905
        (sets.HELDOUT66, 0.92, 0.98, 0.90, 0.86),
        (sets.HELDOUT67, 0.92, 0.98, 0.90, 0.90),
        # clean, a second judgement of the thirty-eighth round, scored once: 0.924, 0.962, 0.915,
        # 0.833 and 0.893, 0.968, 0.882, 0.724 (export-controls)
        (sets.HELDOUT68, 0.92, 0.96, 0.91, 0.83),
        (sets.HELDOUT69, 0.89, 0.96, 0.88, 0.72),
        # clean, a third judgement of the thirty-eighth round, scored once: 0.904, 0.958, 0.913,
        # 0.786 and 0.910, 0.971, 0.880, 0.778
        (sets.HELDOUT70, 0.90, 0.95, 0.91, 0.78),
        (sets.HELDOUT71, 0.91, 0.97, 0.88, 0.77),
        # clean, a fourth judgement of the thirty-eighth round, scored once: 0.914, 0.952, 0.901,
        # 0.815 and 0.922, 0.925, 0.895, 0.843 (all four met on both)
        (sets.HELDOUT72, 0.91, 0.95, 0.90, 0.81),
        (sets.HELDOUT73, 0.92, 0.92, 0.89, 0.84),
    ],
)
def test_doubting_figures_do_not_fall(
    path: Path, macro_f1: float, alert_precision: float, alert_recall: float, topic_recall: float
) -> None:
    floors = (macro_f1, alert_precision, alert_recall, topic_recall)
    sets.assert_floors(load_tagger(may_remove=True), path, floors)

"""The labelled sets: their shape, and the figures the tagger must keep on them.

tests/data/tagger_devset.jsonl is what the rules were tuned on. tests/data/tagger_heldout.jsonl
(issue 3), tagger_heldout2.jsonl and tagger_heldout3.jsonl (issue 9) were written before the
rules they test; in the third round of issue 9 the second and third were retired from held-out
duty and tuned on like the development set (TAGGER_SETS.md; bench/RESULTS.md tells how often
each was scored). tagger_heldout4.jsonl was retired into tuning in the fourth round,
tagger_heldout5.jsonl and tagger_heldout6.jsonl in the fifth, tagger_heldout7.jsonl (written by
three writers who never saw the rules, scored clean in the fifth round) in the sixth,
tagger_heldout8.jsonl (three more writers, scored clean after the sixth round) in the seventh,
tagger_heldout9.jsonl (three more writers, scored clean after the seventh round) in the eighth,
tagger_heldout10.jsonl (three more writers, scored clean after the eighth round) in the ninth,
tagger_heldout11.jsonl (three more writers, scored clean after the ninth round) in the tenth,
tagger_heldout12.jsonl (three more writers, scored clean after the tenth round) in the eleventh,
tagger_heldout13.jsonl (three more writers, scored clean after the eleventh round) in the
twelfth, tagger_heldout14.jsonl (three more writers, scored clean after the twelfth round) in the
thirteenth, tagger_heldout15.jsonl (three more writers, scored clean after the thirteenth round)
in the fourteenth, tagger_heldout16.jsonl (three more writers, scored clean after the fourteenth
round) in the fifteenth, tagger_heldout17.jsonl (three more writers, scored clean after the
fifteenth round) in the sixteenth, tagger_heldout18.jsonl (three more writers, scored clean after
the sixteenth round) in the seventeenth, tagger_heldout19.jsonl (three more writers, scored clean
after the seventeenth round) in the eighteenth, tagger_heldout20.jsonl (three more writers, scored
clean after the eighteenth round) in the nineteenth, tagger_heldout21.jsonl (three more writers,
scored clean after the nineteenth round) in the twentieth, tagger_heldout22.jsonl and
tagger_heldout23.jsonl (six more writers, scored clean after the twentieth round) together in
the twenty-first, tagger_heldout24.jsonl and tagger_heldout25.jsonl (six more, clean after the
twenty-first) together in the twenty-second, tagger_heldout26.jsonl and tagger_heldout27.jsonl
(six more, clean after the twenty-second) together in the twenty-third, tagger_heldout28.jsonl
and tagger_heldout29.jsonl (six more, clean after the twenty-third) together in the
twenty-fourth, tagger_heldout30.jsonl and tagger_heldout31.jsonl (six more, clean after the
twenty-fourth) together in the twenty-fifth, tagger_heldout32.jsonl and tagger_heldout33.jsonl
(six more, clean after the twenty-fifth) together in the twenty-sixth, tagger_heldout34.jsonl
and tagger_heldout35.jsonl (six more, clean after the twenty-sixth) together in the
twenty-seventh: all thirty-six are tuning material now, and since the twenty-eighth round the
learned second opinion is trained on them. Their figures are pinned here as floors against
regression, a little below what the tagger reaches. tagger_heldout36.jsonl and
tagger_heldout37.jsonl, written during the twenty-seventh round by six more writers, were
scored clean after it, and so were tagger_heldout38.jsonl and tagger_heldout39.jsonl, written
by six more after it; since the twenty-eighth round those four choose the model's thresholds,
and tagger_heldout40.jsonl and tagger_heldout41.jsonl, six more writers', were scored clean
after it, as were tagger_heldout42.jsonl and tagger_heldout43.jsonl, six more. Since then each
pair from tagger_heldout44.jsonl to tagger_heldout59.jsonl, six writers' each, was scored clean
once on the round it judges and read for the rounds after it. The floors are measured with the
tagger as it ships (the model on); none is a target.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from feeds.tagging import load_tagger
from feeds.tagging.evaluate import Example, evaluate
from feeds.tagging.tagger import Tagger

DATA = Path(__file__).parent / "data"
DEVSET = DATA / "tagger_devset.jsonl"
HELDOUT = DATA / "tagger_heldout.jsonl"
# Written for issue 9 before any rule changed for it; tuned on since its third round.
HELDOUT2 = DATA / "tagger_heldout2.jsonl"
# Written for issue 9 by someone who never saw the rules or the other sets; tuned on since the
# third round.
HELDOUT3 = DATA / "tagger_heldout3.jsonl"
# Written for the third round of issue 9 by two writers who never saw the rules or the other sets;
# tuned on since the fourth round.
HELDOUT4 = DATA / "tagger_heldout4.jsonl"
# Written for the fourth round of issue 9 by two more writers; tuned on since the fifth round.
HELDOUT5 = DATA / "tagger_heldout5.jsonl"
# Written after the fourth round's rules were final, to judge the learned second opinion;
# tuned on since the fifth round.
HELDOUT6 = DATA / "tagger_heldout6.jsonl"
# Written for the fifth round by three writers who never saw the rules or the other sets;
# tuned on since the sixth round.
HELDOUT7 = DATA / "tagger_heldout7.jsonl"
# Written for the sixth round by three more writers; scored clean once the sixth round's rules
# and model were final; tuned on since the seventh round.
HELDOUT8 = DATA / "tagger_heldout8.jsonl"
# Written for the seventh round by three more writers; scored clean once the seventh round's
# rules and model were final; tuned on since the eighth round.
HELDOUT9 = DATA / "tagger_heldout9.jsonl"
# Written for the eighth round by three more writers; scored clean once the eighth round's
# rules and model were final; tuned on since the ninth round.
HELDOUT10 = DATA / "tagger_heldout10.jsonl"
# Written for the ninth round by three more writers; scored clean once the ninth round's rules
# and model were final; tuned on since the tenth round.
HELDOUT11 = DATA / "tagger_heldout11.jsonl"
# Written for the tenth round by three more writers; scored clean once the tenth round's rules
# and model were final (its floors below are that clean figure, rounded down).
HELDOUT12 = DATA / "tagger_heldout12.jsonl"
HELDOUT13 = DATA / "tagger_heldout13.jsonl"
HELDOUT14 = DATA / "tagger_heldout14.jsonl"
HELDOUT15 = DATA / "tagger_heldout15.jsonl"
HELDOUT16 = DATA / "tagger_heldout16.jsonl"
HELDOUT17 = DATA / "tagger_heldout17.jsonl"
HELDOUT18 = DATA / "tagger_heldout18.jsonl"
HELDOUT19 = DATA / "tagger_heldout19.jsonl"
HELDOUT20 = DATA / "tagger_heldout20.jsonl"
HELDOUT21 = DATA / "tagger_heldout21.jsonl"
HELDOUT22 = DATA / "tagger_heldout22.jsonl"
HELDOUT23 = DATA / "tagger_heldout23.jsonl"
HELDOUT24 = DATA / "tagger_heldout24.jsonl"
HELDOUT25 = DATA / "tagger_heldout25.jsonl"
HELDOUT26 = DATA / "tagger_heldout26.jsonl"
HELDOUT27 = DATA / "tagger_heldout27.jsonl"
HELDOUT28 = DATA / "tagger_heldout28.jsonl"
HELDOUT29 = DATA / "tagger_heldout29.jsonl"
HELDOUT30 = DATA / "tagger_heldout30.jsonl"
HELDOUT31 = DATA / "tagger_heldout31.jsonl"
HELDOUT32 = DATA / "tagger_heldout32.jsonl"
HELDOUT33 = DATA / "tagger_heldout33.jsonl"
HELDOUT34 = DATA / "tagger_heldout34.jsonl"
HELDOUT35 = DATA / "tagger_heldout35.jsonl"
HELDOUT36 = DATA / "tagger_heldout36.jsonl"
HELDOUT37 = DATA / "tagger_heldout37.jsonl"
HELDOUT38 = DATA / "tagger_heldout38.jsonl"
HELDOUT39 = DATA / "tagger_heldout39.jsonl"
HELDOUT40 = DATA / "tagger_heldout40.jsonl"
HELDOUT41 = DATA / "tagger_heldout41.jsonl"
HELDOUT42 = DATA / "tagger_heldout42.jsonl"
HELDOUT43 = DATA / "tagger_heldout43.jsonl"
HELDOUT44 = DATA / "tagger_heldout44.jsonl"
HELDOUT45 = DATA / "tagger_heldout45.jsonl"
HELDOUT46 = DATA / "tagger_heldout46.jsonl"
HELDOUT47 = DATA / "tagger_heldout47.jsonl"
HELDOUT48 = DATA / "tagger_heldout48.jsonl"
HELDOUT49 = DATA / "tagger_heldout49.jsonl"
HELDOUT50 = DATA / "tagger_heldout50.jsonl"
HELDOUT51 = DATA / "tagger_heldout51.jsonl"
HELDOUT52 = DATA / "tagger_heldout52.jsonl"
HELDOUT53 = DATA / "tagger_heldout53.jsonl"
HELDOUT54 = DATA / "tagger_heldout54.jsonl"
HELDOUT55 = DATA / "tagger_heldout55.jsonl"
HELDOUT56 = DATA / "tagger_heldout56.jsonl"
HELDOUT57 = DATA / "tagger_heldout57.jsonl"
HELDOUT58 = DATA / "tagger_heldout58.jsonl"
HELDOUT59 = DATA / "tagger_heldout59.jsonl"
HELDOUT60 = DATA / "tagger_heldout60.jsonl"
HELDOUT61 = DATA / "tagger_heldout61.jsonl"
HELDOUT62 = DATA / "tagger_heldout62.jsonl"
HELDOUT63 = DATA / "tagger_heldout63.jsonl"
HELDOUT64 = DATA / "tagger_heldout64.jsonl"
HELDOUT65 = DATA / "tagger_heldout65.jsonl"
HELDOUT66 = DATA / "tagger_heldout66.jsonl"
HELDOUT67 = DATA / "tagger_heldout67.jsonl"
HELDOUT68 = DATA / "tagger_heldout68.jsonl"
HELDOUT69 = DATA / "tagger_heldout69.jsonl"
HELDOUT70 = DATA / "tagger_heldout70.jsonl"
HELDOUT71 = DATA / "tagger_heldout71.jsonl"
HELDOUT72 = DATA / "tagger_heldout72.jsonl"
HELDOUT73 = DATA / "tagger_heldout73.jsonl"
LABELLED = (
    DEVSET,
    HELDOUT,
    HELDOUT2,
    HELDOUT3,
    HELDOUT4,
    HELDOUT5,
    HELDOUT6,
    HELDOUT7,
    HELDOUT8,
    HELDOUT9,
    HELDOUT10,
    HELDOUT11,
    HELDOUT12,
    HELDOUT13,
    HELDOUT14,
    HELDOUT15,
    HELDOUT16,
    HELDOUT17,
    HELDOUT18,
    HELDOUT19,
    HELDOUT20,
    HELDOUT21,
    HELDOUT22,
    HELDOUT23,
    HELDOUT24,
    HELDOUT25,
    HELDOUT26,
    HELDOUT27,
    HELDOUT28,
    HELDOUT29,
    HELDOUT30,
    HELDOUT31,
    HELDOUT32,
    HELDOUT33,
    HELDOUT34,
    HELDOUT35,
    HELDOUT36,
    HELDOUT37,
    HELDOUT38,
    HELDOUT39,
    HELDOUT40,
    HELDOUT41,
    HELDOUT42,
    HELDOUT43,
    HELDOUT44,
    HELDOUT45,
    HELDOUT46,
    HELDOUT47,
    HELDOUT48,
    HELDOUT49,
    HELDOUT50,
    HELDOUT51,
    HELDOUT52,
    HELDOUT53,
    HELDOUT54,
    HELDOUT55,
    HELDOUT56,
    HELDOUT57,
    HELDOUT58,
    HELDOUT59,
    HELDOUT60,
    HELDOUT61,
    HELDOUT62,
    HELDOUT63,
    HELDOUT64,
    HELDOUT65,
    HELDOUT66,
    HELDOUT67,
    HELDOUT68,
    HELDOUT69,
    HELDOUT70,
    HELDOUT71,
    HELDOUT72,
    HELDOUT73,
)
TOPICS = {
    "visa-policy",
    "talent-programs",
    "returnees",
    "research-security",
    "export-controls",
    "student-mobility",
    "ai-talent",
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
TRADITIONAL_ONLY = re.compile(r"[國學證簽與為時關將發這們會說對業長際區]")


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _examples(rows: list[dict[str, Any]]) -> list[Example]:
    return [
        Example(
            title=row["title"],
            summary=row["summary"],
            tags=frozenset(row["tags"]),
            alert=row["alert"],
            hints=tuple(row.get("hints", ())),
            doc_type=row.get("doc_type"),
        )
        for row in rows
    ]


@pytest.mark.parametrize(
    ("path", "minimum", "negative_share", "chinese_share"),
    [
        (DEVSET, 600, 0.25, 1 / 6),
        (HELDOUT, 60, 1 / 3, 1 / 6),
        (HELDOUT2, 400, 0.15, 0.15),
        (HELDOUT3, 380, 0.15, 0.15),
        (HELDOUT4, 400, 0.15, 0.15),
        (HELDOUT5, 400, 0.15, 0.15),
        (HELDOUT6, 380, 0.15, 0.15),
        (HELDOUT7, 400, 0.15, 0.15),
        (HELDOUT8, 400, 0.15, 0.15),
        (HELDOUT9, 400, 0.15, 0.15),
        (HELDOUT10, 380, 0.15, 0.15),
        (HELDOUT11, 380, 0.15, 0.15),
        (HELDOUT12, 380, 0.15, 0.15),
        (HELDOUT13, 400, 0.15, 0.15),
        (HELDOUT14, 400, 0.15, 0.15),
        (HELDOUT15, 400, 0.15, 0.15),
        (HELDOUT16, 400, 0.15, 0.15),
        (HELDOUT17, 400, 0.15, 0.15),
        (HELDOUT18, 400, 0.15, 0.15),
        (HELDOUT19, 400, 0.15, 0.15),
        (HELDOUT20, 400, 0.15, 0.15),
        (HELDOUT21, 400, 0.15, 0.15),
        (HELDOUT22, 400, 0.15, 0.15),
        (HELDOUT23, 400, 0.15, 0.15),
        (HELDOUT24, 400, 0.15, 0.15),
        (HELDOUT25, 400, 0.15, 0.15),
        (HELDOUT26, 400, 0.15, 0.15),
        (HELDOUT27, 400, 0.15, 0.15),
        (HELDOUT28, 400, 0.15, 0.15),
        (HELDOUT29, 400, 0.15, 0.15),
        (HELDOUT30, 400, 0.15, 0.15),
        (HELDOUT31, 400, 0.15, 0.15),
        (HELDOUT32, 400, 0.15, 0.15),
        (HELDOUT33, 400, 0.15, 0.15),
        (HELDOUT34, 400, 0.15, 0.15),
        (HELDOUT35, 400, 0.15, 0.15),
        (HELDOUT36, 400, 0.15, 0.15),
        (HELDOUT37, 400, 0.15, 0.15),
        (HELDOUT38, 400, 0.15, 0.15),
        (HELDOUT39, 400, 0.15, 0.15),
        (HELDOUT40, 400, 0.15, 0.15),
        (HELDOUT41, 400, 0.15, 0.15),
        (HELDOUT42, 400, 0.15, 0.15),
        (HELDOUT43, 400, 0.15, 0.15),
        (HELDOUT44, 380, 0.15, 0.15),
        (HELDOUT45, 400, 0.15, 0.15),
        (HELDOUT46, 400, 0.15, 0.15),
        (HELDOUT47, 400, 0.15, 0.15),
        (HELDOUT48, 400, 0.15, 0.15),
        (HELDOUT49, 400, 0.15, 0.15),
        (HELDOUT50, 400, 0.15, 0.15),
        (HELDOUT51, 400, 0.15, 0.15),
        (HELDOUT52, 400, 0.15, 0.15),
        (HELDOUT53, 380, 0.15, 0.15),
        (HELDOUT54, 400, 0.15, 0.15),
        (HELDOUT55, 400, 0.15, 0.15),
        (HELDOUT56, 380, 0.15, 0.15),
        (HELDOUT57, 380, 0.15, 0.15),
        (HELDOUT58, 370, 0.15, 0.15),
        (HELDOUT59, 370, 0.15, 0.15),
        (HELDOUT60, 400, 0.15, 0.15),
        (HELDOUT61, 400, 0.15, 0.15),
        (HELDOUT62, 370, 0.15, 0.15),
        (HELDOUT63, 380, 0.15, 0.15),
        (HELDOUT64, 380, 0.15, 0.15),
        (HELDOUT65, 380, 0.15, 0.15),
        (HELDOUT66, 380, 0.15, 0.15),
        (HELDOUT67, 370, 0.15, 0.15),
        (HELDOUT68, 390, 0.15, 0.15),
        (HELDOUT69, 400, 0.15, 0.15),
        (HELDOUT70, 380, 0.15, 0.15),
        (HELDOUT71, 380, 0.15, 0.15),
        (HELDOUT72, 400, 0.15, 0.15),
        (HELDOUT73, 380, 0.15, 0.15),
    ],
)
def test_labelled_sets_are_well_formed(
    path: Path, minimum: int, negative_share: float, chinese_share: float
) -> None:
    rows = _rows(path)
    assert len(rows) >= minimum
    titles = [row["title"] for row in rows]
    assert len(set(titles)) == len(titles), "duplicate headlines"
    for row in rows:
        assert {"title", "summary", "tags", "alert"} <= row.keys(), row
        assert row["title"].strip(), row
        # feeds give some items no summary; the brief since heldout38 asks for a few
        assert isinstance(row["summary"], str), row
        assert set(row["tags"]) <= TOPICS, row
        assert isinstance(row["alert"], bool), row
        assert not row["alert"] or row["tags"], f"an alert needs a topic: {row['title']}"
    negatives = [row for row in rows if not row["tags"]]
    assert len(negatives) >= negative_share * len(rows), "hard negatives"
    chinese = [row for row in rows if CHINESE.search(row["title"])]
    assert len(chinese) >= chinese_share * len(rows), "a good share in Chinese"
    assert any(TRADITIONAL_ONLY.search(row["title"]) for row in chinese), "some traditional"
    assert {tag for row in rows for tag in row["tags"]} == TOPICS


def _headline(row: dict[str, Any]) -> tuple[str, str]:
    """A headline's identity: its title, and for a Federal Register document also its summary
    (titles such as "Sunshine Act Meetings" recur on many documents)."""
    return row["title"].casefold(), row["summary"].casefold() if row.get("doc_type") else ""


def test_the_sets_do_not_share_headlines() -> None:
    sets = [{_headline(row) for row in _rows(path)} for path in LABELLED]
    for index, titles in enumerate(sets):
        for other in sets[index + 1 :]:
            assert titles.isdisjoint(other), titles & other


def test_devset_meets_the_targets() -> None:
    evaluation = evaluate(load_tagger(), _examples(_rows(DEVSET)))
    report = json.dumps(evaluation.as_json()["per_tag"], indent=1)
    assert evaluation.macro_f1 >= 0.97, report
    assert evaluation.alert_precision >= 0.97
    assert evaluation.alert_recall >= 0.96
    assert min(score.recall for score in evaluation.per_tag.values()) >= 0.95, report


@pytest.mark.parametrize(
    ("path", "macro_f1", "alert_precision", "alert_recall", "topic_recall"),
    [
        # (twenty-sixth round: the model's alert threshold, chosen on heldout30 to heldout33,
        # rose to 0.925 and adds fewer alerts everywhere: the alert-recall floors of nineteen
        # sets fell by one to seven points)
        # (nineteenth round: the model's lower student-mobility threshold adds one wrong tag to
        # these 60 items, 0.979 -> 0.970)
        # (thirtieth round: three of these items are visa security checks, labelled before
        # heldout15's writers decided such checks are research security too; the rules now
        # follow that later decision, 0.970 -> 0.957)
        (HELDOUT, 0.95, 0.94, 0.95, 0.95),
        # Since the eighth round the model adds no returnees tag (its additions on heldout9 were
        # right about half the time), so returnees recall on the older sets is the rules' own:
        # the lowest-recall floors of heldout2, 4 and 5 fell with it.
        # (twenty-eighth round: thresholds chosen on heldout36-39, where no rule was tuned,
        # sit lower and add a few wrong tags here, macro-F1 0.955 -> 0.949)
        (HELDOUT2, 0.94, 0.91, 0.94, 0.94),
        # the retrained model adds a wrong export-controls tag or two here (rules alone: 0.96)
        (HELDOUT3, 0.94, 0.92, 0.95, 0.93),
        # Since the eleventh round the model's thresholds are chosen on heldout11 and heldout12,
        # where the rules now miss less: it adds fewer tags, so its in-sample additions on the
        # sets it is trained on are fewer and these floors fell by about a point (the rules
        # alone rose on every set).
        # (thirty-eighth round: the model refitted counting every occurrence of a feature: 0.9285,
        # 0.948 here)
        (HELDOUT4, 0.92, 0.94, 0.97, 0.92),
        # Since the seventh round the model adds alerts again (its additions on heldout8 were
        # right 11 times in 12), so alert recall here is no longer the rules' own.
        # (twenty-third round: the model's alert threshold, chosen on heldout26 + heldout27,
        # rises to 0.775 and flags one alert fewer here, 0.964 -> 0.956)
        (HELDOUT5, 0.91, 0.91, 0.91, 0.83),
        (HELDOUT6, 0.92, 0.90, 0.94, 0.89),
        # (thirty-second round: a Chinese title's hedge in a later clause no longer vetoes;
        # one more alert here, 0.955 -> 0.950)
        # (thirty-seventh round: the model refitted on every set to heldout57 adds an alert the
        # labels call wrong here, 0.950 -> 0.938)
        (HELDOUT7, 0.93, 0.93, 0.97, 0.88),
        # Since the tenth round the model's thresholds are chosen on heldout10 and heldout11: it
        # adds a few wrong tags here (0.937 before).
        # (sixteenth round: the alert threshold chosen on heldout16 + heldout17, 0.775, adds
        # one alert fewer here)
        (HELDOUT8, 0.91, 0.96, 0.97, 0.86),
        # tuned on since the eighth round (clean after the seventh: 0.886, 0.894, 0.916, 0.709).
        # Since the ninth round the alert threshold is chosen on the tuning sets (0.70 then, 0.825
        # since the tenth); since the tenth round the model is trained on it too.
        # (twelfth round: the model's alert threshold chosen on heldout12 + heldout13 adds one
        # alert fewer here, 0.982 -> 0.970)
        (HELDOUT9, 0.92, 0.90, 0.93, 0.85),
        # tuned on since the ninth round (clean after the eighth: 0.841, 0.850, 0.902, 0.741)
        (HELDOUT10, 0.90, 0.92, 0.93, 0.81),
        # tuned on since the tenth round (clean after the ninth: 0.867, 0.887, 0.861, 0.775);
        # tuned floors now, a little below the tenth round's figures
        (HELDOUT11, 0.90, 0.95, 0.96, 0.88),
        # tuned on since the eleventh round (clean after the tenth: 0.878, 0.946, 0.815, 0.741)
        (HELDOUT12, 0.93, 0.95, 0.94, 0.82),
        # tuned on since the twelfth round (clean after the eleventh: 0.839, 0.840, 0.869, 0.692)
        (HELDOUT13, 0.89, 0.91, 0.90, 0.82),
        # tuned on since the thirteenth round (clean after the twelfth: 0.863, 0.875, 0.875,
        # 0.770)
        # (fourteenth round: the model's alert threshold, chosen on heldout14 + heldout15, falls
        # to 0.55 and flags a few more here, rightly and wrongly: precision 0.905 -> 0.884)
        (HELDOUT14, 0.88, 0.88, 0.94, 0.81),
        # tuned on since the fourteenth round (clean after the thirteenth: 0.861, 0.864, 0.893,
        # 0.667)
        # (fifteenth round: 0.913 -> 0.906 alert recall, the alert threshold back at 0.70)
        (HELDOUT15, 0.89, 0.87, 0.88, 0.83),
        # tuned on since the fifteenth round (clean after the fourteenth: 0.853, 0.808, 0.918,
        # 0.694)
        (HELDOUT16, 0.87, 0.89, 0.90, 0.76),
        # tuned on since the sixteenth round (clean after the fifteenth: 0.882, 0.813, 0.940,
        # 0.786)
        (HELDOUT17, 0.90, 0.89, 0.94, 0.81),
        # tuned on since the seventeenth round (clean after the sixteenth: 0.887, 0.851, 0.936,
        # 0.774)
        (HELDOUT18, 0.90, 0.93, 0.93, 0.86),
        # tuned on since the eighteenth round (clean after the seventeenth: 0.905, 0.839, 0.870,
        # 0.842)
        (HELDOUT19, 0.90, 0.88, 0.88, 0.86),
        # tuned on since the nineteenth round (clean after the eighteenth: 0.876, 0.877, 0.895,
        # 0.824)
        # (twentieth round: the alert threshold chosen on heldout20 + heldout21, 0.775, adds one
        # alert fewer here, 0.895 -> 0.888)
        (HELDOUT20, 0.87, 0.95, 0.88, 0.80),
        # tuned on since the twentieth round (clean after the nineteenth: 0.901, 0.814, 0.898,
        # 0.824)
        (HELDOUT21, 0.90, 0.90, 0.90, 0.87),
        # tuned on since the twenty-first round (clean after the twentieth: 0.880, 0.808, 0.931,
        # 0.861 and 0.898, 0.883, 0.890, 0.773)
        (HELDOUT22, 0.88, 0.90, 0.92, 0.81),
        (HELDOUT23, 0.89, 0.93, 0.88, 0.75),
        # tuned on since the twenty-second round (clean after the twenty-first: 0.909, 0.830,
        # 0.920, 0.802 and 0.881, 0.788, 0.935, 0.812)
        (HELDOUT24, 0.91, 0.92, 0.90, 0.86),
        (HELDOUT25, 0.88, 0.90, 0.91, 0.83),
        # tuned on since the twenty-third round (clean after the twenty-second: 0.914, 0.910,
        # 0.904, 0.816 and 0.889, 0.841, 0.897, 0.792)
        (HELDOUT26, 0.92, 0.95, 0.88, 0.86),
        # (twenty-fourth round: the alert threshold chosen on heldout26 to heldout29, 0.650, adds
        # a few alerts here, rightly and wrongly: precision 0.918 -> 0.899)
        (HELDOUT27, 0.89, 0.89, 0.89, 0.86),
        # tuned on since the twenty-fourth round (clean after the twenty-third: 0.888, 0.804,
        # 0.892, 0.775 and 0.874, 0.895, 0.861, 0.800)
        (HELDOUT28, 0.89, 0.87, 0.91, 0.76),
        # (twenty-fifth round: the export-controls threshold chosen on heldout28 to heldout31,
        # 0.850, adds fewer here: its recall 0.900 -> 0.750, the lowest)
        (HELDOUT29, 0.87, 0.95, 0.86, 0.74),
        # tuned on since the twenty-fifth round (clean after the twenty-fourth: 0.899, 0.847,
        # 0.890, 0.869 and 0.887, 0.808, 0.904, 0.857)
        (HELDOUT30, 0.91, 0.90, 0.88, 0.84),
        (HELDOUT31, 0.90, 0.90, 0.84, 0.80),
        # tuned on since the twenty-sixth round (clean after the twenty-fifth: 0.873, 0.823,
        # 0.943, 0.788 and 0.887, 0.762, 0.920, 0.818)
        (HELDOUT32, 0.87, 0.88, 0.91, 0.75),
        # (thirty-second round: alert precision for recall, 0.915 -> 0.895, 0.944 -> 0.952)
        # (thirty-eighth round: the model refitted counting every occurrence of a feature: alert
        # precision 0.890 here)
        (HELDOUT33, 0.90, 0.88, 0.89, 0.87),
        # tuned on since the twenty-seventh round (clean after the twenty-sixth: 0.889, 0.897,
        # 0.929, 0.795 and 0.888, 0.809, 0.859, 0.793)
        (HELDOUT34, 0.89, 0.93, 0.94, 0.85),
        (HELDOUT35, 0.89, 0.88, 0.89, 0.79),
        # The model's thresholds are chosen on these four since the twenty-eighth round (no rule
        # was tuned on them). Clean after the twenty-seventh round: 0.878, 0.824, 0.885, 0.830
        # and 0.880, 0.818, 0.885, 0.818; written after it and clean on its tagger: 0.884,
        # 0.881, 0.894, 0.778 and 0.880, 0.868, 0.873, 0.846.
        # (thirty-second round: alert precision for recall here, 0.836 -> 0.826, 0.918 ->
        # 0.934, and on heldout43, 0.866 -> 0.860, 0.877 -> 0.910; thirty-fourth round:
        # "Chinese students" in a deemed-export story's summary no longer tags student mobility,
        # which the deemed-export exclusion now silences, 0.848 -> 0.839)
        (HELDOUT36, 0.88, 0.82, 0.91, 0.83),
        (HELDOUT37, 0.88, 0.81, 0.94, 0.77),
        (HELDOUT38, 0.89, 0.87, 0.93, 0.79),
        (HELDOUT39, 0.88, 0.86, 0.95, 0.84),
        # clean after the twenty-eighth round: 0.889, 0.910, 0.928, 0.845 and 0.891, 0.868,
        # 0.878, 0.833
        (HELDOUT40, 0.88, 0.90, 0.92, 0.84),
        (HELDOUT41, 0.89, 0.86, 0.87, 0.83),
        # clean, a second judgement of the twenty-eighth round: 0.882, 0.911, 0.893, 0.848 and
        # 0.866, 0.861, 0.877, 0.862
        (HELDOUT42, 0.88, 0.91, 0.89, 0.84),
        (HELDOUT43, 0.86, 0.85, 0.90, 0.86),
        # clean on the twenty-ninth round: 0.8726, 0.924, 0.847, 0.773 and 0.9030, 0.901, 0.836,
        # 0.793; the thirtieth round was chosen after seeing their research-security recall.
        # heldout44-51 were read for the thirty-second round, whose alert recall floors rise.
        (HELDOUT44, 0.88, 0.92, 0.87, 0.83),
        (HELDOUT45, 0.90, 0.90, 0.86, 0.87),
        # clean on the thirtieth round, scored once
        (HELDOUT46, 0.89, 0.92, 0.91, 0.86),
        (HELDOUT47, 0.88, 0.89, 0.84, 0.86),
        # clean on the thirty-first round, scored once: 0.8912, 0.917, 0.826, 0.780 and 0.8659,
        # 0.913, 0.849, 0.752 (the thirty-second round: 0.902, 0.897, 0.826 here)
        (HELDOUT48, 0.89, 0.91, 0.84, 0.78),
        (HELDOUT49, 0.87, 0.90, 0.89, 0.82),
        # clean, a second judgement of the thirty-first round: 0.8709, 0.932, 0.863, 0.828 and
        # 0.8966, 0.884, 0.867, 0.889
        # (thirty-eighth round: the model refitted counting every occurrence of a feature: alert
        # precision 0.928 here)
        (HELDOUT50, 0.87, 0.92, 0.88, 0.82),
        (HELDOUT51, 0.89, 0.88, 0.89, 0.88),
        # clean on the thirty-second round, scored once: 0.8816, 0.864, 0.907, 0.848 and
        # 0.8726, 0.866, 0.918, 0.856
        (HELDOUT52, 0.88, 0.86, 0.90, 0.84),
        (HELDOUT53, 0.87, 0.86, 0.91, 0.85),
        # clean on the thirty-third round, scored once: 0.8881, 0.893, 0.934, 0.743 and
        # 0.8890, 0.855, 0.849, 0.844
        (HELDOUT54, 0.88, 0.89, 0.93, 0.74),
        (HELDOUT55, 0.88, 0.85, 0.84, 0.84),
        # clean on the thirty-fourth round, scored once: 0.8571, 0.869, 0.881, 0.758 and
        # 0.8669, 0.844, 0.844, 0.791
        (HELDOUT56, 0.85, 0.86, 0.88, 0.75),
        (HELDOUT57, 0.86, 0.84, 0.84, 0.79),
        # clean on the thirty-fifth round, scored once: 0.8935, 0.938, 0.857, 0.842 and
        # 0.8801, 0.914, 0.894, 0.750
        (HELDOUT58, 0.89, 0.93, 0.85, 0.84),
        (HELDOUT59, 0.88, 0.91, 0.89, 0.75),
        # clean on the thirty-sixth round, scored once: 0.8655, 0.847, 0.881, 0.722 and
        # 0.8901, 0.912, 0.877, 0.827
        (HELDOUT60, 0.86, 0.84, 0.88, 0.72),
        # (thirty-eighth round: the model refitted counting every occurrence of a feature: alert
        # precision 0.909 here; export-controls recall 0.829 -> 0.800 on heldout62, 12 of 15)
        (HELDOUT61, 0.89, 0.90, 0.87, 0.82),
        # clean on the thirty-seventh round (the refitted model), scored once: 0.8930, 0.893,
        # 0.931, 0.829 and 0.8859, 0.8897, 0.915, 0.851 (the thirty-sixth round's tagger there:
        # 0.8893, 0.877, 0.922, 0.854 and 0.8810, 0.875, 0.844, 0.838)
        (HELDOUT62, 0.89, 0.89, 0.93, 0.80),
        (HELDOUT63, 0.88, 0.88, 0.91, 0.85),
        # clean on the thirty-seventh round's rules and model, scored once: 0.8874, 0.886,
        # 0.892, 0.840 and 0.9045, 0.903, 0.874, 0.862 (heldout65 meets all four targets)
        (HELDOUT64, 0.88, 0.88, 0.89, 0.84),
        (HELDOUT65, 0.90, 0.90, 0.87, 0.86),
        # clean on the thirty-eighth round's rules and model, scored once: 0.9133, 0.955, 0.915,
        # 0.864 and 0.9104, 0.932, 0.926, 0.917 (all four targets met on both)
        (HELDOUT66, 0.91, 0.95, 0.91, 0.86),
        (HELDOUT67, 0.91, 0.93, 0.92, 0.91),
        # clean, a second judgement of the thirty-eighth round, scored once: 0.9058, 0.905, 0.933,
        # 0.842 (all four) and 0.8852, 0.917, 0.917, 0.780 (student-mobility)
        (HELDOUT68, 0.90, 0.90, 0.93, 0.84),
        (HELDOUT69, 0.88, 0.91, 0.91, 0.78),
        # clean, a third judgement of the thirty-eighth round, scored once: 0.8986, 0.920, 0.927,
        # 0.786 (export-controls) and 0.8949, 0.918, 0.900, 0.785 (student-mobility)
        (HELDOUT70, 0.89, 0.92, 0.92, 0.78),
        (HELDOUT71, 0.89, 0.91, 0.90, 0.78),
        # clean, a fourth judgement of the thirty-eighth round, scored once: 0.9023, 0.9008,
        # 0.9008, 0.815 (all four) and 0.9054, 0.838, 0.919, 0.853
        (HELDOUT72, 0.90, 0.90, 0.90, 0.81),
        (HELDOUT73, 0.90, 0.83, 0.91, 0.85),
    ],
)
def test_heldout_figures_do_not_fall(
    path: Path, macro_f1: float, alert_precision: float, alert_recall: float, topic_recall: float
) -> None:
    assert_floors(load_tagger(), path, (macro_f1, alert_precision, alert_recall, topic_recall))


def assert_floors(tagger: Tagger, path: Path, floors: tuple[float, float, float, float]) -> None:
    """The tagger's macro-F1, alert precision, alert recall and lowest topic recall on a set
    are each at least its floor."""
    evaluation = evaluate(tagger, _examples(_rows(path)))
    report = json.dumps(evaluation.as_json()["per_tag"], indent=1)
    lowest_recall = min(score.recall for score in evaluation.per_tag.values())
    figures = (evaluation.macro_f1, evaluation.alert_precision, evaluation.alert_recall)
    for name, figure, floor in zip(
        ("macro-F1", "alert precision", "alert recall", "lowest topic recall"),
        (*figures, lowest_recall),
        floors,
        strict=True,
    ):
        assert figure >= floor, f"{name} {figure} < {floor}\n{report}"


def test_evaluation_counts_and_confusions() -> None:
    tagger = load_tagger(second_opinion=False)  # the counting is tested, on the rules' answers
    examples = [
        Example("H-1B lottery opens", tags=frozenset({"visa-policy"})),
        Example("Talent show finals tonight"),  # a true negative
        Example("Open Doors: Chinese students fall", tags=frozenset({"visa-policy"})),  # wrong
        Example("President signs H-1B proclamation", tags=frozenset({"visa-policy"}), alert=True),
    ]
    evaluation = evaluate(tagger, examples)
    visa = evaluation.per_tag["visa-policy"]
    assert (visa.support, visa.predicted, visa.precision, visa.recall) == (3, 2, 1.0, 0.6667)
    mobility = evaluation.per_tag["student-mobility"]
    assert (mobility.support, mobility.predicted, mobility.precision) == (0, 1, 0.0)
    assert evaluation.missed == {"visa-policy": {"student-mobility": 1}}
    assert evaluation.spurious == {"student-mobility": {"visa-policy": 1}}
    # rows: labelled; columns: tagged. Two visa-policy hits, one visa-policy item tagged
    # student-mobility instead, one negative left untagged.
    assert evaluation.matrix == {
        "visa-policy": {"visa-policy": 2, "student-mobility": 1},
        "(none)": {"(none)": 1},
    }
    names, rows = evaluation.confusion_table()
    assert names[-1] == "(none)" and "visa-policy" in names
    assert dict(rows)["visa-policy"][names.index("student-mobility")] == 1
    assert (evaluation.alert_precision, evaluation.alert_recall) == (1.0, 1.0)
    assert evaluation.worst[0].title == "Open Doors: Chinese students fall"


def test_the_second_labellers_answers_cover_the_fourth_set() -> None:
    """bench/label_agreement matches answers to headlines by title: one answer for each."""
    answers = _rows(DATA / "tagger_heldout4_second_labels.jsonl")
    assert sorted(row["title"] for row in answers) == sorted(
        row["title"] for row in _rows(HELDOUT4)
    )
    for row in answers:
        assert set(row["tags"]) <= TOPICS, row
        assert not row["alert"] or row["tags"], row

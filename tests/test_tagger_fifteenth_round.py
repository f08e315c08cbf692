"""The fifteenth round of issue 9: kinds of topic and alert error read on the retired
tagger_heldout16.jsonl, generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged, topics


def test_moves_from_hong_kong_to_the_mainland_are_not_returnees(tagger: Tagger) -> None:
    # the writers' decision since heldout11: moves within greater China are no homecoming
    assert_not_tagged(tagger, "returnees", ("港大物理学家北上 出任深圳研究院院长",))


def test_a_post_a_court_case_says_was_hidden_is_no_move(tagger: Tagger) -> None:
    title = "Ohio chemist charged with hiding a paid post at a Wuhan university"
    assert "returnees" not in topics(tagger, title)


def test_foreign_places_recruiting_out_of_american_ones_are_returnees(tagger: Tagger) -> None:
    titles = (
        "KAUST lures Princeton ocean modeller with endowed chair",
        "Helmholtz lands three Caltech postdocs for its Berlin group",
        "Commission call to bring researchers from US labs to Europe",
        "港府新计划锁定美国大学研究人员",
    )
    assert_tagged(tagger, "returnees", titles)


def test_labs_moved_and_cities_chosen_are_returnees(tagger: Tagger) -> None:
    titles = (
        "在加州工作十五年后 这位神经科学家把实验室搬到新竹",
        "我在哈佛做完博士后，最后选择了成都",
        "西部高校赴硅谷办海外英才专场",
    )
    assert_tagged(tagger, "returnees", titles)


def test_the_bare_f1_is_a_student_visa(tagger: Tagger) -> None:
    tags = topics(tagger, "Final rule caps F-1 stays at four years")
    assert {"visa-policy", "student-mobility"} <= tags


def test_guest_researchers_paused_or_checked_are_student_mobility(tagger: Tagger) -> None:
    assert_tagged(
        tagger, "student-mobility", ("NOAA pauses new guest-researcher agreements for a review",)
    )


def test_look_alikes_are_out_of_scope(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger, "student-mobility", ("Open Doors World Watch List ranks persecution by country",)
    )
    assert_not_tagged(tagger, "research-security", ("Pentagon's 1260H list adds a drone maker",))
    assert_not_tagged(tagger, "visa-policy", ("Amex raises the Green Card annual fee",))


def test_hearings_proposals_tallies_and_follow_ups_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "Supreme Court hears case on visas of researchers convicted abroad",
        "两会代表建议设立青年海外人才引进专项",
        "By the numbers: 40 Chinese universities now on the Entity List",
        "Cleared of all charges, former Ohio chemist now teaches in Hangzhou",
    )
    assert_alerts(tagger, not_alerts, alert=False)

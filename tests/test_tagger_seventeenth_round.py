"""The seventeenth round of issue 9: kinds of topic and alert error read on the retired
tagger_heldout18.jsonl, generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged


def test_academics_prosecuted_whatever_the_charge_are_research_security(tagger: Tagger) -> None:
    titles = (
        "Visiting entomologist charged with smuggling insect samples through Chicago airport",
        "Prosecutors move to dismiss false-statement case against Iowa physicist",
    )
    assert_tagged(tagger, "research-security", titles)
    # a buyer of surplus equipment is no academic
    assert_not_tagged(
        tagger, "research-security", ("Buyer of university surplus gear charged with exports",)
    )


def test_lists_zones_and_exclusions_by_origin_are_research_security(tagger: Tagger) -> None:
    titles = (
        "Pentagon's 1286 list adds four Chinese universities",
        "France extends restricted-access zones to robotics labs",
        "Students file complaint over lab exclusion based on national origin",
        "Universities stop hosting CSC-funded visiting students",
        "立委质疑学者兼任陆方人才计划",
    )
    assert_tagged(tagger, "research-security", titles)


def test_programmes_ended_under_scrutiny_are_research_security(tagger: Tagger) -> None:
    title = "College winds down 2+2 program with Sichuan partner after congressional inquiry"
    assert_tagged(tagger, "research-security", (title,))


def test_trips_abroad_cleared_by_the_commerce_ministry_are_export_controls(tagger: Tagger) -> None:
    title = "商务部：重点芯片企业核心技术人员出境须报备"
    assert_tagged(tagger, "export-controls", (title,))
    assert_not_tagged(tagger, "research-security", (title,))


def test_paper_mills_are_no_research_security(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger,
        "research-security",
        ("Research-integrity sleuths tie 300 retractions to one paper mill",),
    )


def test_statistics_questions_lobbying_and_follow_ups_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "陆委会统计：近三年遭裁罚的赴陆兼职教授逾30人",
        "Universities lobby against bill on talent-program certifications",
        "Cleared of all charges, a Texas chemist rebuilds his lab in Shenzhen",
        "Texas Senate panel hears from universities on a lab-hiring nationality ban",
    )
    assert_alerts(tagger, not_alerts, alert=False)

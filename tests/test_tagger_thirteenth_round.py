"""The thirteenth round of issue 9: kinds of topic and alert error read on the retired
tagger_heldout14.jsonl, generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_tagged, topics


def test_a_work_visa_counts_only_for_people_in_research(tagger: Tagger) -> None:
    assert "visa-policy" not in topics(
        tagger, "Hockey club's new goalie still waits on a work visa"
    )
    assert "visa-policy" not in topics(tagger, "棒球队外援工作签证仍在审核")
    assert "visa-policy" in topics(tagger, "Postdocs at two labs still wait on work visas")


def test_a_visa_bulletin_counts_only_for_employment_dates(tagger: Tagger) -> None:
    assert "visa-policy" not in topics(tagger, "Visa bulletin: F2A dates advance for Mexico")
    assert "visa-policy" in topics(tagger, "Visa bulletin holds EB-3 dates for China-born workers")


def test_chinese_teams_that_never_went_abroad_are_returnees(tagger: Tagger) -> None:
    titles = (
        "Inside Baichuan's home-grown team: hardly any foreign PhDs",
        "月之暗面的工程师为何不出国",
    )
    assert_tagged(tagger, "returnees", titles)
    # another country's home-grown PhDs staying home are no homecoming
    assert "returnees" not in topics(tagger, "Seoul pays home-grown AI PhDs to stay in Korea")


def test_visa_trouble_moves_out_of_the_us_are_returnees(tagger: Tagger) -> None:
    titles = (
        "Three postdocs leave a Michigan lab for Zurich, citing the H-1B fee",
        "從矽谷回到新竹：兩位晶片研究者的選擇",
    )
    assert_tagged(tagger, "returnees", titles)


def test_clinical_trials_are_no_research_security_trial(tagger: Tagger) -> None:
    title = "Former Houston oncologist's Chinese lab starts clinical trials"
    assert "research-security" not in topics(tagger, title)


def test_screening_by_affiliation_is_research_security(tagger: Tagger) -> None:
    titles = (
        "Korea to vet foreign researchers' affiliations before awarding fellowships",
        "多所高校暂停接收中国访问学者",
    )
    assert_tagged(tagger, "research-security", titles)


def test_named_passes_draws_and_calls_for_researchers_are_talent_programs(
    tagger: Tagger,
) -> None:
    titles = (
        "Singapore's Tech.Pass opens a track for robotics researchers",
        "Brussels picks 90 more Choose Europe fellows",
        "Canada holds Express Entry draw for researchers already in the US",
    )
    assert_tagged(tagger, "talent-programs", titles)


def test_alert_actors_actions_and_hedges_of_the_round(tagger: Tagger) -> None:
    alerts = (
        "工信部发布集成电路紧缺人才目录",
        "USCIS spells out O-1 evidence for quantum researchers",
        "State Department to restart Fulbright exchange with Vietnam",
    )
    assert_alerts(tagger, alerts)
    not_alerts = (
        "Commerce says it is not planning to bar foreign students from chip labs",
        "Max Planck Society signs 20 scientists from US universities",
    )
    assert_alerts(tagger, not_alerts, alert=False)

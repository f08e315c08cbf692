"""The eleventh round of issue 9: kinds of topic and alert error read on the retired
tagger_heldout12.jsonl (and the alert errors of tagger_heldout11.jsonl, left over from the tenth
round), generalised (headlines written here, not taken from the sets).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged, topics


def test_recruited_out_of_an_american_place_by_a_foreign_one_is_returnees(tagger: Tagger) -> None:
    titles = (
        "Zurich institute lures immunologist from Houston",
        "Kowloon university poaches a Seattle roboticist",
        "Melbourne centre loses nothing: it recruits two physicists from Chicago",
    )
    assert_tagged(tagger, "returnees", titles)
    # the same verbs with nobody leaving the US: an American lab hiring at home
    assert "returnees" not in topics(tagger, "Boston lab recruits two chemists from Texas")


def test_lost_to_or_leaving_for_a_foreign_place_is_returnees(tagger: Tagger) -> None:
    titles = (
        "NIST loses its laser team to a lab in Heidelberg",
        "Geneticist left a Baltimore institute for a post in Dublin",
    )
    assert_tagged(tagger, "returnees", titles)


def test_homecoming_offers_of_any_country_are_returnees(tagger: Tagger) -> None:
    titles = (
        "Ghana offers start-up grants to PhDs who come home",
        "Lisbon programme pays scientists abroad to set up labs at home",
        "山西：在海外获得博士学位的青年人才来晋工作可申报专项资助",
    )
    assert_tagged(tagger, "returnees", titles)


def test_graduates_permits_to_stay_are_student_mobility(tagger: Tagger) -> None:
    titles = (
        "Austria lengthens the job-search permit for its PhD graduates",
        "Ontario pauses the permanent-residence stream for international graduates",
    )
    assert_tagged(tagger, "student-mobility", titles)


def test_visiting_scientists_visas_and_entry_are_student_mobility(tagger: Tagger) -> None:
    assert {"visa-policy", "student-mobility"} <= topics(
        tagger, "Visa waits keep visiting scientists from a Chicago symposium"
    )
    assert "student-mobility" in topics(
        tagger, "Airport officers send back a visiting chemist bound for Oregon"
    )


def test_postdocs_and_faculty_permanent_residence_papers_are_student_mobility(
    tagger: Tagger,
) -> None:
    titles = (
        "USCIS tightens evidence rules for postdocs' O-1 petitions",
        "Universities say PERM audits are stalling professors' green cards",
    )
    assert_tagged(tagger, "student-mobility", titles)


def test_government_scholarship_exchanges_are_student_mobility(tagger: Tagger) -> None:
    assert "student-mobility" in topics(tagger, "中越签署政府互换奖学金协议 每年互派五十名研究生")


def test_state_law_officers_and_funders_acting_on_foreign_ties_are_research_security(
    tagger: Tagger,
) -> None:
    titles = (
        "Ohio attorney general subpoenas university over Chinese visiting scholars",
        "Navy research office terminated an award over a collaborator at a listed institute",
        "DoD publishes updated list of foreign institutions tied to military research",
    )
    assert_tagged(tagger, "research-security", titles)


def test_posts_abroad_cleared_first_are_research_security(tagger: Tagger) -> None:
    assert "research-security" in topics(tagger, "科技厅：项目负责人赴境外兼职须事先审批")


def test_taiwans_approval_before_mainland_posts_is_export_controls(tagger: Tagger) -> None:
    assert "export-controls" in topics(tagger, "陸委會：科技人員赴陸任職須事先許可")


def test_chip_firms_registering_foreign_engineers_is_export_controls(tagger: Tagger) -> None:
    assert "export-controls" in topics(tagger, "工信部：芯片设计企业聘用外籍工程师须备案")


def test_the_ai_fields_faculty_fellows_and_founders_are_ai_talent(tagger: Tagger) -> None:
    titles = (
        "Seoul university hires six AI professors from abroad",
        "New AI fellowship funds 200 doctoral researchers",
        "AI start-up founder relocates to Toronto",
        "港科大新聘十名人工智能教授",
    )
    assert_tagged(tagger, "ai-talent", titles)


def test_hong_kongs_entry_schemes_for_talent_are_not_visa_policy(tagger: Tagger) -> None:
    tags = topics(tagger, "入境處擴大「高才通」名單 新增二十所大學")
    assert "visa-policy" not in tags


def test_sport_and_shows_are_not_returnees(tagger: Tagger) -> None:
    titles = ("旅美球星回國加盟職棒", "歌手回国举办首场演唱会")
    assert_not_tagged(tagger, "returnees", titles)


def test_alerts_by_state_law_officers_funders_and_local_bureaus(tagger: Tagger) -> None:
    alerts = (
        ("Iowa attorney general sues university over Chinese research partners", ""),
        ("Research council opens call for scientists leaving US universities", ""),
        ("西安追回五名引进人才违规领取的安家补贴", ""),
        ("Prosecutors drop remaining count against Utah chemist over undisclosed Chinese post", ""),
    )
    for title, summary in alerts:
        assert tagger.tag(title, summary).alert, title


def test_watchdog_findings_suits_and_rumours_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "Inspector general finds NIH did not track foreign components in 300 grants",
        "Professor sues former employer over firing tied to undisclosed China post",
        "State Department says no plans to pause J-1 interviews despite rumours",
    )
    assert_alerts(tagger, not_alerts, alert=False)
    # an inspector general opening an audit is an agency opening an investigation: an alert
    assert tagger.tag("HHS inspector general opens audit of NIH foreign-influence reviews").alert

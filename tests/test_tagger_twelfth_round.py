"""The twelfth round of issue 9: kinds of topic and alert error read on the retired
tagger_heldout13.jsonl, generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged, topics


def test_schemes_recruiting_people_now_in_the_us_are_returnees(tagger: Tagger) -> None:
    titles = (
        "Lisbon fund to recruit scientists from U.S. universities",
        "Seoul courts U.S.-based battery researchers with five-year packages",
        "港府新计划瞄准美国科研人员",
    )
    assert_tagged(tagger, "returnees", titles)


def test_overseas_tracks_of_chinas_youth_funds_are_returnees(tagger: Tagger) -> None:
    assert "returnees" in topics(tagger, "2027年优青（海外）项目申报启动")
    assert "returnees" in topics(tagger, "某省博士后计划首设海外博士专项")


def test_moves_to_singapore_are_not_returnees(tagger: Tagger) -> None:
    # the writers' decision since heldout4: a move to Singapore is not a homecoming
    assert "returnees" not in topics(tagger, "Boston chemist leaves for a post in Singapore")


def test_chinas_k_visa_is_a_talent_program_not_visa_policy(tagger: Tagger) -> None:
    tags = topics(tagger, "K visa applications open for young foreign engineers")
    assert "visa-policy" not in tags


def test_visas_outside_talent_are_not_visa_policy(tagger: Tagger) -> None:
    titles = (
        "EB-5 regional centers brace for higher investment minimum",
        "Hospitals in Manila warn nurses of longer US visa waits",
        "Au pairs get a stipend rise under State Department rule",
        "Ferry operator's taxi drivers win skilled-worker visas",
    )
    assert_not_tagged(tagger, "visa-policy", titles)


def test_conference_visas_are_visa_policy(tagger: Tagger) -> None:
    assert "visa-policy" in topics(tagger, "CVPR moves to Vancouver as authors report visa delays")


def test_atas_is_research_security_and_student_mobility(tagger: Tagger) -> None:
    tags = topics(tagger, "UK adds robotics to the ATAS list for master's applicants")
    assert {"research-security", "student-mobility"} <= tags


def test_partnerships_ended_over_risk_are_research_security(tagger: Tagger) -> None:
    risky = "Kansas college ends dual-degree program with Chengdu university, citing risk"
    assert "research-security" in topics(tagger, risky)
    # a partnership that simply lapses is no security story
    lapsed = "College quietly ends exchange program with Nanjing"
    assert "research-security" not in topics(tagger, lapsed)


def test_foreign_travel_rules_and_border_questioning_are_research_security(
    tagger: Tagger,
) -> None:
    titles = (
        "Lab staff must log foreign travel and take loaner laptops to China",
        "Physicist's visa cancelled after border officers questioned him about military work",
        "中科院：科研人员出境参加国际会议须提前报批",
    )
    assert_tagged(tagger, "research-security", titles)


def test_spy_cases_are_not_research_security(tagger: Tagger) -> None:
    tags = topics(tagger, "国家安全机关披露：一研究所技术员将涉密资料卖给境外间谍")
    assert "research-security" not in tags


def test_state_schemes_aimed_at_ai_researchers_are_talent_programs(tagger: Tagger) -> None:
    titles = (
        "Tokyo ministry to pay AI doctoral students a stipend to stay in Japan",
        "USCIS adds AI examples to O-1 evidence guidance",
        "新加坡推出人工智能研究员专项准证",
    )
    assert_tagged(tagger, "talent-programs", titles)


def test_hukou_eased_for_people_educated_abroad_is_talent_programs(tagger: Tagger) -> None:
    assert "talent-programs" in topics(tagger, "杭州放宽留学回国人员落户门槛")


def test_ml_researchers_are_ai_talent(tagger: Tagger) -> None:
    assert "ai-talent" in topics(tagger, "Survey: ML researchers pick labs for compute, not pay")


def test_denials_votes_against_and_what_people_say_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "Ministry denies report it will cap visiting scholars from China",
        "Faculty senate votes down mandatory disclosure of foreign talent program offers",
        "国科会澄清：延揽海外人才须放弃外国籍说法不实",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_a_visa_bulletins_dates_moving_is_an_alert(tagger: Tagger) -> None:
    assert tagger.tag("October visa bulletin moves the EB-2 China final action date back").alert

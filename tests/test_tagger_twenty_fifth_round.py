"""The twenty-fifth round of issue 9: kinds of alert and topic error read on the retired
tagger_heldout30.jsonl and tagger_heldout31.jsonl, generalised (headlines written here, not
taken from the sets).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged, topics


def test_time_since_a_starting_action_is_background(tagger: Tagger) -> None:
    # a span after 实施 / 上线 counts from the action; after 续期 it measures the action itself
    assert_alerts(tagger, ("K字签证上线三个月 外籍青年科技人才申请逾两万",), alert=False)
    assert_alerts(tagger, ("港府「高才通」计划续期两年",))


def test_people_described_by_an_act_are_no_case(tagger: Tagger) -> None:
    assert_alerts(tagger, ("被起诉的华裔教授 转赴新加坡任教",), alert=False)


def test_refused_entry_is_an_act_but_a_count_of_cases_is_a_pattern(tagger: Tagger) -> None:
    assert_alerts(tagger, ("浙大博士生入境美国被拒遣返 曾被询问实验室经费来源",))
    not_alerts = (
        "数名中国访问学者在旧金山机场遭盘查遣返",
        "今年以来至少9名中国留学生入境被遣返",
    )
    assert_alerts(tagger, not_alerts, alert=False)
    # a government named first acts on the people it counts
    assert_alerts(tagger, ("美国国务院撤销多名中国访问学者签证",))


def test_obituaries_negations_and_testimony_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "Li Wen, chemist whose 2020 indictment was later dropped, dies at 68",
        "No, DHS isn't ending OPT for Chinese students this summer",
        "NIH official tells Senate panel foreign-influence reviews are nearly done",
        "Researcher-hiring ban draws fire from state university chancellors",
        "Alliance research-security pact stops short of a shared blacklist",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_a_suit_against_ones_university_is_private(tagger: Tagger) -> None:
    assert_alerts(tagger, ("被解聘的华裔工程学教授起诉校方 称遭国籍歧视",), alert=False)


def test_governments_named_as_objects_are_no_actor(tagger: Tagger) -> None:
    # "member governments" take part; the alliance acts, and it is no government
    result = tagger.tag(
        "Research-security alliance publishes training toolkit",
        "Training materials from member governments; no new obligations.",
    )
    assert "research-security" in result.tags
    assert not result.alert


def test_pictures_explain_a_rule_and_settlements_end_a_case(tagger: Tagger) -> None:
    assert_alerts(tagger, ("一图看懂｜外籍青年科技人才K字签证下月施行，谁能申请？",))
    assert_alerts(tagger, ("未披露千人计划合同 一所州立大学与司法部达成和解",))


def test_a_rule_next_month_is_not_life_under_a_rule(tagger: Tagger) -> None:
    assert_alerts(tagger, ("留学生签证面谈新规下月起施行",))
    assert_alerts(tagger, ("出口管制新规下，华裔工程师跳槽更难了",), alert=False)


def test_fines_on_talent_plan_members_are_research_security(tagger: Tagger) -> None:
    assert_tagged(
        tagger,
        "research-security",
        ("Taiwan fines two engineers over posts in mainland talent plans",),
    )


def test_out_of_scope_listings_lotteries_and_namesakes(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger,
        "export-controls",
        (
            "Commerce adds 14 Chinese toolmakers to Entity List",
            "美国商务部将11家无人机零部件供应商列入实体清单",
        ),
    )
    assert_not_tagged(tagger, "visa-policy", ("DV-2028绿卡抽签开放登记",))
    assert_not_tagged(
        tagger,
        "talent-programs",
        ("某婚恋平台推出“千人计划”相亲会", "景区“万人计划”植树周末开启"),
    )
    assert "returnees" not in topics(
        tagger, "Former battery engineer gets 3 years for taking cell files to Chinese rival"
    )

"""The thirty-second round of issue 9, read off the misses of heldout44-51 (scored clean in
rounds 29-31, tuned on since):

- a Chinese title's later clause (after a space or a mark) tells how an action lands
  (留学生可能受波及); its hedge weakens the alert, it no longer vetoes it, unless that clause
  opens with someone's remark (学者协会：…), which is then the news. English titles keep any
  hedge's veto: they put background in their first clause ("Cleared of charges, he now …");
- an action followed by its object and 后 at a clause's end is background (英国缩短毕业生签证后 …);
- a listing verb with the list after it is done to its subject, 被 or not
  (两所大学列入实体清单: the universities are listed, they do not list);
- a visa revoked or refused over where a researcher studied or worked (a listed, sanctioned or
  defence-linked institution) is research security, though the Entity List alone excludes it:
  a rule may now count despite its topic's exclusions;
- a legislator's bill filed (议员提案), charges withdrawn, a detainee ordered freed, a jury's
  decision (裁决), and NASA and the chambers by their Chinese short names.

Headlines written here, not taken from the sets. The rules alone are tested (conftest's
`tagger`): the learned second opinion may add to what they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger, load_tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged


def test_a_hedge_in_a_later_chinese_clause_leaves_the_action_reported(tagger: Tagger) -> None:
    assert_alerts(
        tagger,
        (
            "参议员提案禁止公立大学聘用外国对手国籍研究助理 留学生可能受波及",
            "教育部调整公派留学国别名额 赴美名额减半",
        ),
    )
    # the same hedge before the action, or in its clause, still makes the title analysis
    assert_alerts(
        tagger,
        ("留学生可能受波及：参议员提案禁止公立大学聘用外国对手国籍研究助理",),
        alert=False,
    )


def test_a_later_clause_that_is_a_remark_keeps_the_veto(tagger: Tagger) -> None:
    assert_alerts(
        tagger,
        ("国会传唤两所大学交出访问学者名单 华人学者协会：寒蝉效应正在扩散",),
        alert=False,
    )


def test_english_titles_keep_every_hedge_veto(tagger: Tagger) -> None:
    assert_alerts(
        tagger,
        (
            "Cleared of all charges, a Kansas chemist now teaches in Shenzhen",
            "Prosecutors dropped her case in 2023; the geneticist now teaches in Hong Kong",
        ),
        alert=False,
    )


def test_an_action_then_its_object_then_after_is_background(tagger: Tagger) -> None:
    assert_alerts(tagger, ("英国缩短毕业生签证后 多所港校增开升学讲座",), alert=False)
    assert_alerts(tagger, ("英国缩短毕业生签证至18个月",))


def test_a_university_listed_is_not_its_own_decision(tagger: Tagger) -> None:
    assert_alerts(
        tagger,
        (
            "两所理工大学列入美国实体清单 校方称学生交流照常",
            "一所航空大学被美列入实体清单 研究生软件账号遭停用",
        ),
    )
    # a university that acts on its own is still no alert
    assert_alerts(tagger, ("两所理工大学暂停与美国高校的学生交换项目",), alert=False)


def test_a_visa_revoked_over_a_listed_institution_is_research_security(tagger: Tagger) -> None:
    revoked = (
        "State Department cancels J-1 of visiting chemist over past work at defence-linked "
        "university"
    )
    assert_tagged(
        tagger,
        "research-security",
        (
            revoked,
            "Consulate refuses visa to PhD student from a university on the Entity List",
            "一名中国博士后J-1签证被撤销 美方称其曾任职于实体清单高校",
        ),
    )
    reasons = tagger.tag(revoked).reasons["research-security"]
    assert any(reason.startswith("context:") for reason in reasons)
    # the Entity List alone, or a visa story without the institution, stays out of the topic
    assert_not_tagged(
        tagger,
        "research-security",
        (
            "Commerce adds three Chinese universities to the Entity List",
            "State Department cancels visa interviews at Shanghai consulate for a week",
        ),
    )


def test_a_rule_counts_despite_exclusions_only_when_it_says_so() -> None:
    title = "Consulate refuses visa to PhD student from a university on the Entity List"
    rule = {
        "terms": ["refus~"],
        "with": [["visa"], ["Entity List"]],
        "weight": 0.75,
    }
    overrides = {"topics": {"research-security": {"rules": [rule]}}}
    silenced = load_tagger(overrides, second_opinion=False)
    assert "research-security" not in silenced.tag(title).tags
    rule["despite_exclusions"] = True
    counted = load_tagger(overrides, second_opinion=False)
    assert "research-security" in counted.tag(title).tags


def test_bills_filed_charges_withdrawn_and_verdicts_are_alerts(tagger: Tagger) -> None:
    assert_alerts(
        tagger,
        (
            "得州议员提案禁止大学实验室聘用外国对手国籍博士后",
            "检方撤销对华裔化学家的全部指控",
            "联邦法官下令释放遭海关扣留的中国博士生",
            "休斯敦陪审团裁决：华裔教授隐瞒千人计划职位罪名成立",
            "美国航天局暂停中国籍访问学者到访研究中心",
        ),
    )


def test_an_exclusion_silences_a_hint_in_the_score_and_the_reasons(tagger: Tagger) -> None:
    hinted = ("visa-policy",)
    plain = tagger.tag("H-1B lottery opens in March", hints=hinted)
    assert plain.reasons["visa-policy"][-1] == "hint: visa-policy"
    # "tourists" excludes visa-policy: the strong term still speaks, the source's hint does not
    excluded = tagger.tag("H-1B lottery tips for tourists", hints=hinted)
    assert excluded.reasons["visa-policy"] == ('term "H-1B"',)
    assert excluded.scores == tagger.tag("H-1B lottery tips for tourists").scores

"""The thirty-eighth round of issue 9, read off the false topics and missed alerts of heldout62-65
(as shipped: talent-programs' precision 0.77-0.83, visa-policy's 0.84-0.88):

- programme names borrowed by sport, shops and funds (a "Thousand Talents Cup" in football, a
  长江学者 bookshop, Qiming Venture Partners, esports players, an anime studio) are no talent
  programme, even under a strong term;
- China's own entry rules (its entry-exit law, its talent visa, Hainan's visas, visas to come to
  China) are no visa policy, which the GLOSSARY keeps for US and allied rules: "talent visa" is
  no longer a strong term, and they silence the weak ones;
- the J-1's summer jobs and co-branded cards for students abroad are neither visa policy nor
  student mobility;
- China's legislature adopting a law or approving the budget acts as a government does; its
  deputies, and what is said on its sidelines, do not.

Headlines written here, not taken from the sets. The rules alone are tested (conftest's
`tagger`).
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged, topics


def test_borrowed_programme_names_are_no_talent_programme(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger,
        "talent-programs",
        (
            "Thousand Talents Cup: under-12 football teams gather in Suzhou",
            "Qiming Venture Partners leads $60 million round in robotics start-up",
            "“长江学者”主题书店在成都开业",
        ),
    )
    assert_tagged(tagger, "talent-programs", ("美司法部起诉参加千人计划的前国家实验室研究员",))


def test_chinas_own_entry_rules_are_no_visa_policy(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger,
        "visa-policy",
        (
            "Hainan to issue talent visas on arrival to foreign scientists from May",
            "全国人大常委会审议出境入境管理法修正草案 拟为外籍科学家设人才签证",
        ),
    )
    assert_tagged(
        tagger,
        "visa-policy",
        (
            "UK cuts Global Talent visa fee for early-career researchers",
            "Korea launches talent visa fast track for foreign AI PhDs",
        ),
    )


def test_summer_jobs_and_cards_are_neither_visas_nor_study(tagger: Tagger) -> None:
    for title in (
        "银行推出留学生Visa信用卡 海外消费返现3%",
        "Exchange Visitor Program—Summer Work Travel: Program Cap",
    ):
        assert not topics(tagger, title) & {"visa-policy", "student-mobility"}, title
    assert {"visa-policy", "student-mobility"} <= topics(
        tagger, "Exchange Visitor Program: Research Scholar and Professor Categories"
    )


def test_the_legislature_acts_and_its_deputies_propose(tagger: Tagger) -> None:
    assert_alerts(tagger, ("全国人大表决通过科学技术进步法修正案 增设“海外人才引进”专章",))
    assert_alerts(tagger, ("全国人大代表建议：延长海外青年人才引进经费支持期限",), alert=False)


def test_a_researcher_cleared_and_now_working_in_china_is_a_returnee(tagger: Tagger) -> None:
    assert_tagged(
        tagger,
        "returnees",
        (
            "Prosecutors drop case against ex-Iowa engineer accused of hiding Wuhan post; "
            "he now teaches in Hangzhou",
            "Acquitted last spring, a Midwest virologist opens a lab in Shenzhen",
        ),
    )
    assert_not_tagged(
        tagger,
        "returnees",
        (
            "Prosecutors drop case against ex-Iowa engineer accused of hiding Wuhan post",
            "University dismisses professor over undisclosed lab in Chengdu",
        ),
    )


def test_the_h1b_registration_window_closing_in_chinese_is_an_alert(tagger: Tagger) -> None:
    assert_alerts(
        tagger,
        (
            "H-1B抽签注册下周三中午截止 律师提醒核对学历信息",
            "美国移民局：H-1B注册系统周三中午关闭",
        ),
    )
    assert_alerts(tagger, ("人才公寓申请本周五截止",), alert=False)

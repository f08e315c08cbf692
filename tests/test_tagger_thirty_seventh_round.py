"""The thirty-seventh round of issue 9, read off the rules' false alerts and false topics on
heldout52-63 (the rules alone: alert precision 0.90, talent-programs' 0.86, returnees' 0.88):

- a measure only promised in Chinese (将出台, 将启动, being studied, details to follow) is a
  minister's preview, not the act: in a title it is no alert, in a summary it weakens one;
- skilled trades and local services (couriers, delivery riders, 技能人才, county doctors, village
  teachers) are domestic labour policy, no talent programme even under "人才补贴";
- "海归" as a shop's name or a drama's theme, players coming home and workers back at the office
  are no returnees.

Headlines written here, not taken from the sets. The rules alone are tested (conftest's
`tagger`).
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged


def test_a_measure_only_promised_is_no_alert(tagger: Tagger) -> None:
    assert_alerts(
        tagger,
        (
            "人社部：将出台留学人员回国创业扶持新办法",
            "部长通道｜科技部部长：今年将启动海外青年科学家引进新专项",
            "教育部：国家公派留学向人工智能倾斜的具体办法正在研究",
        ),
        alert=False,
    )
    assert_alerts(tagger, ("人社部出台留学人员回国创业扶持新办法",))


def test_details_to_follow_in_the_summary_leave_the_titles_act_an_alert(tagger: Tagger) -> None:
    title = "科技部印发海外高层次人才引进管理办法"
    hedged = tagger.tag(title, "有关负责人表示，具体细则将另行发布。")
    assert hedged.alert
    assert hedged.alert_score < tagger.tag(title, "办法自4月1日起施行。").alert_score


def test_skilled_trades_and_local_services_are_no_talent_programme(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger,
        "talent-programs",
        (
            "某区为快递员设立技能人才补贴 每人每年最高2000元",
            "代表建议：为外卖骑手设立人才补贴",
            "代表建议：加大县域医疗人才引进力度",
        ),
    )
    assert_tagged(tagger, "talent-programs", ("某区设立海外高层次人才补贴 每人每年最高20万元",))


def test_shops_dramas_players_and_office_returns_are_no_returnees(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger,
        "returnees",
        (
            "“海归”店主留学归来开火锅店 两年开出六家分店",
            "'Returnees' to the office: banks end hybrid work for traders",
        ),
    )
    assert_tagged(
        tagger,
        "returnees",
        (
            "Returnee scientists head back to the lab in Shenzhen after a year in Boston",
            "海归博士回国创业 获评区级高层次人才",
        ),
    )

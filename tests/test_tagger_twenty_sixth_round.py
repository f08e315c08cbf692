"""The twenty-sixth round of issue 9: kinds of alert and topic error read on the retired
tagger_heldout32.jsonl and tagger_heldout33.jsonl, generalised (headlines written here, not
taken from the sets).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged


def test_a_passive_action_closed_by_de_describes_people(tagger: Tagger) -> None:
    assert_alerts(tagger, ("被列入实体清单的大学回应：留学生交换项目照常",), alert=False)


def test_rumours_letters_and_reactions_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "网传美国将暂停中国学生H-1B抽签 使馆：未收到相关通知",
        "国家留学基金委：“公派赴美名额减半”系谣言",
        "Research universities ask White House to spare postdocs from new visa fee",
        "Provost's statement: university will comply with House subpoena on visiting scholars",
        "Lab directors tell DOE the visitor freeze is stalling beamline work",
        "State to appeal ruling that struck down research-assistant ban",
        "Opposition pledges to cut student visas if elected",
        "PhD students fear losing GPU access under proposed licence rule",
        "美国研究安全新规对华人学者的影响",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_new_actions_and_acts(tagger: Tagger) -> None:
    alerts = (
        "深圳发放首批海外AI人才住房补贴",
        "教育部函请各大学清查教师参与境外人才计划情况",
        "法院二审维持原判：教授违约离职须退还人才引进经费",
        "J-1 scholar rule would require affiliation history — comments due in 60 days",
    )
    assert_alerts(tagger, alerts)


def test_core_technology_prosecutions_are_export_controls(tagger: Tagger) -> None:
    titles = ("检方起诉前国立大学教授 涉将核心关键技术泄漏给陆企",)
    assert_tagged(tagger, "export-controls", titles)
    assert_tagged(tagger, "research-security", titles)


def test_namesakes_and_out_of_scope(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger,
        "talent-programs",
        (
            "某区教育局人才引进公告：招聘中小学教师60名",
            "某市启动急救培训“万人计划”",
            "英国护工签证海外招聘叫停",
        ),
    )
    assert_not_tagged(
        tagger,
        "student-mobility",
        ("悉尼中国留学生遭电信诈骗 损失20万元", "“OPT嫩肤”团购价格战"),
    )
    assert_not_tagged(
        tagger, "visa-policy", ("USCIS tightens checks on R-1 religious worker petitions",)
    )
    assert_not_tagged(
        tagger,
        "research-security",
        (
            "Professor charged with billing family vacations to federal grants",
            "【科研安全】高校实验室危化品管理新规",
        ),
    )

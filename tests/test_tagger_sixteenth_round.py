"""The sixteenth round of issue 9: kinds of topic and alert error read on the retired
tagger_heldout17.jsonl, generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged


def test_talent_plans_of_sport_and_the_arts_are_not_talent_programs(tagger: Tagger) -> None:
    titles = ("篮协启动青训精英人才计划 选拔200名小球员", "大剧院青年艺术人才计划启动招募")
    assert_not_tagged(tagger, "talent-programs", titles)
    assert_tagged(tagger, "talent-programs", ("江苏省启动青年科学家人才计划",))


def test_returnee_side_businesses_and_shows_are_not_returnees(tagger: Tagger) -> None:
    titles = ("海归小伙回乡开奶茶店", "卫视海归相亲节目第二季开播")
    assert_not_tagged(tagger, "returnees", titles)
    assert_tagged(tagger, "returnees", ("海归博士在合肥创办量子企业",))


def test_foreign_labs_hiring_out_of_american_ones_are_returnees(tagger: Tagger) -> None:
    titles = (
        "RIKEN hires Yale chemist to run new catalysis center",
        "东京大学从美国挖来两名量子学者",
        "Why I moved my lab from Ohio to Zhejiang University",
        "Korean postdocs in US weigh return as stipends stall",
    )
    assert_tagged(tagger, "returnees", titles)


def test_chipmakers_hiring_from_american_firms_are_returnees(tagger: Tagger) -> None:
    assert_tagged(tagger, "returnees", ("前英特尔工艺专家全职加盟长江存储",))


def test_leave_for_meetings_abroad_reported_first_is_research_security(tagger: Tagger) -> None:
    assert_tagged(tagger, "research-security", ("科技部：重点实验室骨干人员因公出国须提前报备",))


def test_risk_lists_of_foreign_institutions_are_research_security(tagger: Tagger) -> None:
    title = "Canberra adds nine Iranian institutions to its research risk list"
    assert_tagged(tagger, "research-security", (title,))


def test_personal_moves_agenda_items_scams_and_protests_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "Waiver denied, a Berkeley chemist packs up for Toronto",
        "Explainer: duration of status is back on the agenda for F-1 students",
        "驻美使馆提醒留学生谨防电信诈骗",
        "外交部：美方撤销中国留学生签证是政治操弄",
        "University groups push back on new licence rule for model weights",
    )
    assert_alerts(tagger, not_alerts, alert=False)

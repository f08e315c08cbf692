"""The twentieth round of issue 9: kinds of alert and topic error read on the retired
tagger_heldout21.jsonl, generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged


def test_where_someone_is_years_after_a_case_is_not_an_alert(tagger: Tagger) -> None:
    not_alerts = (
        "Acquitted of fraud charges in 2021, Iowa chemist now runs a lab in Hefei",
        "Acquitted three years ago, cancer researcher opens a lab in Wuhan",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_denials_hearings_and_open_timetables_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "Consulate rejects reports of a freeze on student visas for engineering majors",
        "Texas senators hear testimony on bill to screen Chinese researchers at state universities",
        "陆生赴台读博何时开放？教育部：尚无时间表",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_chinese_background_after_an_action_is_not_news(tagger: Tagger) -> None:
    # 后 and 以来 right after an action make it the background of what follows
    assert_alerts(tagger, ("H-1B新规实施后 湾区华人工程师回国求职量激增",), alert=False)
    assert_alerts(tagger, ("美国签证收紧 更多中国学生转投英国和香港",), alert=False)


def test_a_rule_told_by_its_start_is_an_alert(tagger: Tagger) -> None:
    alerts = (
        "Student visa fee goes to $1,800 from today",
        "Graduate visa cut to 12 months for new applicants",
    )
    assert_alerts(tagger, alerts)


def test_a_word_inside_a_programme_name_is_not_an_action(tagger: Tagger) -> None:
    # "Pass" in "ONE Pass" names a pass; it reports no passing
    result = tagger.tag(
        "US tech workers pile into Singapore's ONE Pass",
        "Applications for the pass from US-based staff rose 60%, the manpower ministry said.",
    )
    assert "talent-programs" in result.tags
    assert not result.alert, result.reasons


def test_an_institutions_president_is_no_government(tagger: Tagger) -> None:
    result = tagger.tag(
        "Technion offers bridge posts to Israeli scientists leaving US labs",
        "The institute will pay a year's salary to researchers who come home, its president said.",
    )
    assert not result.alert, result.reasons


def test_an_english_word_in_a_chinese_title_is_a_noun(tagger: Tagger) -> None:
    assert_alerts(tagger, ("美国签证难拿 她拒绝了硅谷offer 留在杭州做大模型",), alert=False)


def test_out_of_scope_visas_cards_and_talent_plans(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger, "visa-policy", ("Canada lengthens super visa for visiting parents to ten years",)
    )
    assert_not_tagged(
        tagger, "visa-policy", ("Neobank's Visa debit card for newcomers needs no SSN",)
    )
    assert_not_tagged(
        tagger, "talent-programs", ("短视频平台“主播人才计划”启动 培训一万名带货主播",)
    )
    assert_not_tagged(
        tagger,
        "returnees",
        ("Former battery engineer jailed for taking source code to a Chinese rival",),
    )


def test_questioned_about_research_and_sent_back_is_research_security(tagger: Tagger) -> None:
    title = "中国博士生在美国机场被问及导师和科研项目后遭遣返"
    assert_tagged(tagger, "research-security", (title,))
    assert_tagged(tagger, "visa-policy", (title,))


def test_an_instrument_with_someone_elses_verb_is_not_an_alert(tagger: Tagger) -> None:
    # an English title grounded by an instrument alone: the active verb is someone else's
    not_alerts = (
        "Credit union launches Visa card for arriving graduate students",
        "Startups squeezed by the H-1B fee open offices in Vancouver",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_an_instrument_as_subject_or_taking_effect_is_an_alert(tagger: Tagger) -> None:
    alerts = (
        "Proclamation restricts entry of researchers from five more countries",
        "Dutch knowledge-security law takes effect for doctoral hires",
        "Estonia revokes residence permits of two researchers over security concerns",
    )
    assert_alerts(tagger, alerts)

"""The rule kinds added in the fourth round of issue 9: researchers leaving the US for other
research countries, posts taken by people who taught in the US told in Chinese, AI teams that
stayed in China, foreign schemes aimed at people working in the US, fast tracks in the visa
system for a class of talent, and the alert's new subjects, verdicts and negations. Headlines
here are written for the tests, not taken from the labelled sets."""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagging import topics

# --- returnees ------------------------------------------------------------------------------


def test_leaving_a_us_post_for_another_research_country_is_a_move(tagger: Tagger) -> None:
    title = "Princeton geneticist moves to Switzerland as federal grants dry up"
    assert "returnees" in topics(tagger, title)
    assert "returnees" in topics(tagger, "Two Stanford chemists take chairs in Germany")


def test_a_move_into_the_us_from_abroad_is_not_one(tagger: Tagger) -> None:
    # the research country comes before the verb: people arriving, not leaving
    assert "returnees" not in topics(tagger, "German physicist joins Princeton faculty")


def test_a_post_taken_by_someone_who_taught_in_the_us_told_in_chinese(tagger: Tagger) -> None:
    title = "某高校全职加盟一位化学家 出任研究院院长"
    summary = "这位在斯坦福大学任教十年的化学家将于秋季到任。"
    assert "returnees" in topics(tagger, title, summary)
    # looking for work in the US is not a move home
    assert "returnees" not in topics(tagger, "在美留学生求职难", "在美毕业生求职周期拉长。")


def test_a_university_hiring_one_scholar_is_no_state_program(tagger: Tagger) -> None:
    found = topics(tagger, "某大学延揽哈佛学者 出任讲座教授", "该学者在哈佛任教二十年。")
    assert "talent-programs" not in found
    assert "returnees" in found


def test_ai_teams_trained_at_home_are_people_who_stayed(tagger: Tagger) -> None:
    title = "Moonshot AI's model team: home-grown engineers, few of them trained abroad"
    assert {"ai-talent", "returnees"} <= topics(tagger, title)
    assert "returnees" in topics(tagger, "大模型团队成员多为本土培养", "研发人员很少有海外经历。")


def test_foreign_schemes_aimed_at_people_working_in_the_us(tagger: Tagger) -> None:
    title = "Ireland offers relocation packages to Irish scientists"
    summary = "The scheme targets Irish-born researchers working in the US."
    assert {"returnees", "talent-programs"} <= topics(tagger, title, summary)


# --- talent programs ------------------------------------------------------------------------


def test_visa_fast_tracks_for_a_class_of_talent(tagger: Tagger) -> None:
    title = "Senators propose to fast-track green cards for AI researchers"
    assert {"talent-programs", "visa-policy"} <= topics(tagger, title)
    # the same instrument for everyone is visa policy alone
    title = "USCIS updates O-1 evidence rules for performing artists and scientists"
    assert "talent-programs" not in topics(tagger, title)


def test_the_glossary_s_other_instruments(tagger: Tagger) -> None:
    assert "talent-programs" in topics(tagger, "NSF expands Graduate Research Fellowship cohort")
    assert "talent-programs" in topics(tagger, "外籍人才来华工作许可实行网上办理")


# --- student mobility -----------------------------------------------------------------------


def test_deemed_exports_on_campus_are_no_flow_of_students(tagger: Tagger) -> None:
    title = "Deemed exports explained: when a foreign graduate student in your lab needs a licence"
    found = topics(tagger, title)
    assert "export-controls" in found
    assert "student-mobility" not in found


# --- the alert ------------------------------------------------------------------------------


def test_other_research_countries_act_as_governments(tagger: Tagger) -> None:
    result = tagger.tag("Norway launches fund to recruit US-based researchers")
    assert result.alert
    assert 'actor: "Norway"' in result.reasons["alert"]


def test_a_chinese_verdict_is_a_case_decided(tagger: Tagger) -> None:
    assert tagger.tag("隐瞒中国兼职案宣判 华裔教授两项罪名不成立").alert


def test_unions_and_advocates_demand_they_do_not_decide(tagger: Tagger) -> None:
    title = "Graduate union demands legal aid for international students after visa revocations"
    assert not tagger.tag(title).alert


def test_a_negated_action_is_analysis(tagger: Tagger) -> None:
    assert not tagger.tag("China's Thousand Talents Plan never ended, report argues").alert


def test_chinese_headline_shorthand_for_launching(tagger: Tagger) -> None:
    result = tagger.tag("科技部推海外青年科学家引进专项", "面向海外青年科学家提供资助。")
    assert result.alert
    assert 'action: "推"' in result.reasons["alert"]


def test_time_since_a_rule_took_effect_looks_back(tagger: Tagger) -> None:
    assert not tagger.tag("澳洲研究安全新规实施一年 华裔学者合作减少").alert


# --- the entry bar, and compute cut off ------------------------------------------------------


def test_the_entry_bar_on_graduate_students_is_student_mobility(tagger: Tagger) -> None:
    title = "Suspension of Entry of Certain Students and Researchers From Listed Universities"
    assert "student-mobility" in topics(tagger, title)
    assert "student-mobility" in topics(tagger, "Court hears challenge to Proclamation 10043")


def test_academics_cut_off_from_ai_compute_are_ai_talent(tagger: Tagger) -> None:
    title = "Export rule cuts foreign graduate students off from university GPU clusters"
    assert {"ai-talent", "export-controls"} <= topics(tagger, title)
    # compute limits on companies alone are no one's talent
    assert "ai-talent" not in topics(tagger, "New export caps on AI chips for data centres")


# --- research security ----------------------------------------------------------------------


def test_the_white_house_is_not_congress(tagger: Tagger) -> None:
    title = "White House plan expands visas for foreign researchers at universities"
    assert "research-security" not in topics(tagger, title)
    title = "House panel presses universities over Chinese research partners"
    assert "research-security" in topics(tagger, title)


def test_service_members_spying_are_no_research_case(tagger: Tagger) -> None:
    title = "Sailor convicted of passing manuals to Chinese intelligence officer"
    summary = "He believed his handler was a researcher at a Chinese university."
    assert "research-security" not in topics(tagger, title, summary)

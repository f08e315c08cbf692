"""The rule kinds added in the third round of issue 9: places as the subjects of a government
act, question words inside an action's clause, teaser questions, Chinese "new" instruments,
passives, and the topics' new paraphrases. Headlines here are written for the tests, not taken
from the labelled sets."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from feeds.tagging import Tagger
from tests.tagging import topics

# --- the alert ------------------------------------------------------------------------------


def test_a_place_right_before_an_action_is_its_government(tagger: Tagger) -> None:
    result = tagger.tag("US adds 12 Chinese universities to the Entity List")
    assert result.alert
    assert 'actor: "US"' in result.reasons["alert"]
    assert tagger.tag("江苏推出引进海外人才专项计划", "面向海外科学家提供安家补贴。").alert
    assert tagger.tag("Ohio to bar state universities from Chinese talent programs").alert


def test_a_place_elsewhere_is_only_where_things_happen(tagger: Tagger) -> None:
    # "Beijing" is not the subject of "close": the salaries are
    title = "AI salaries in Beijing close gap with Silicon Valley as labs hire researchers"
    assert not tagger.tag(title).alert
    # 浙江大学推出: the university acts, not the province
    assert not tagger.tag("浙江大学推出海外人才招聘计划", "学校面向海外学者招聘教授。").alert


def test_a_question_word_in_the_action_s_clause_does_not_veto(tagger: Tagger) -> None:
    assert tagger.tag("USCIS clarifies how researchers can qualify for the O-1 visa").alert
    title = "Chemist indicted for failing to report Chinese talent-plan salary"
    assert tagger.tag(title).alert


def test_a_question_word_opening_its_own_clause_still_asks(tagger: Tagger) -> None:
    assert not tagger.tag("Visa rule tightened: why Chinese PhD students now choose home").alert
    assert not tagger.tag("How the new H-1B fee will change university hiring").alert


def test_an_action_after_a_question_mark_answers_it(tagger: Tagger) -> None:
    assert tagger.tag("The end of OPT? DHS proposes to scrap work training for students").alert
    assert not tagger.tag("Will DHS scrap OPT for international students?").alert


def test_a_chinese_new_instrument_near_the_start_reports_it(tagger: Tagger) -> None:
    assert tagger.tag("美国出口管制新规：外籍研究人员接触受控技术需申请许可").alert
    # 新规下: life under the rule, its consequences
    assert not tagger.tag("芯片出口新规下，在美华人工程师去留两难").alert


def test_a_passive_says_what_was_done_to_the_subject(tagger: Tagger) -> None:
    assert tagger.tag(
        "Two Chinese universities added to Entity List; students' visits cancelled"
    ).alert


def test_warnings_are_not_acts(tagger: Tagger) -> None:
    assert not tagger.tag(
        "Regulator warns universities over reliance on Chinese student fees"
    ).alert


# --- topics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Princeton chemist quits for a Shenzhen institute, taking her postdocs along",
        "Veteran oncologist leaves a Texas cancer centre for Hangzhou",
        "Biologists are choosing Shenzhen over Boston, hiring data suggest",
        "Big packages lure Chinese AI PhDs home from Silicon Valley",
        "Wuhan university adds 20 faculty from US institutions",
    ],
)
def test_moves_told_every_way_are_returnees(tagger: Tagger, title: str) -> None:
    assert "returnees" in topics(tagger, title)


def test_a_visit_inside_an_interview_word_does_not_exclude_a_return(tagger: Tagger) -> None:
    # 访学 (a study visit) inside 受访学者 (scholars interviewed)
    title = "华裔科学家加速回流"
    assert "returnees" in topics(tagger, title, "多位受访学者表示，审查是他们离开美国的原因。")


def test_export_controls_told_through_academics(tagger: Tagger) -> None:
    assert "export-controls" in topics(
        tagger, "GPU limits leave university AI labs short of compute for PhD students"
    )
    title = "Researcher charged with taking controlled sensor designs to a Chinese lab"
    assert "export-controls" in topics(tagger, title)
    # chip rules for companies only stay out
    assert "export-controls" not in topics(tagger, "New chip limits hit Nvidia's China sales")


def test_research_security_cases_told_as_lying_about_ties(tagger: Tagger) -> None:
    title = "Engineer convicted of lying about ties to a defence university"
    assert "research-security" in topics(tagger, title)
    title = "CBP sends home visiting scholar after questioning about defence lab work"
    assert "research-security" in topics(tagger, title)


def test_students_visas_wherever_the_words_stand(tagger: Tagger) -> None:
    title = "Security checks drag on as term starts"
    summary = (
        "Hundreds of incoming graduate students are still waiting, universities say, "
        "for checks on their visas."
    )
    assert "student-mobility" in topics(tagger, title, summary)


def test_a_company_scheme_is_not_a_talent_program(tagger: Tagger) -> None:
    title = "The company's new programme recruits AI PhDs with million-yuan offers"
    assert "talent-programs" not in topics(tagger, title)


def test_an_alerts_reasons_do_not_depend_on_the_hash_seed() -> None:
    """Two instruments that "new" could qualify: the reason names the one the title puts
    first, in every process (a set's order once decided it)."""
    script = (
        "from feeds.tagging import load_tagger\n"
        "result = load_tagger(second_opinion=False).tag("
        "'New visa rule for Chinese students takes effect')\n"
        "print(result.reasons['alert'])\n"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in range(8)
    ]
    outputs = {run.communicate(timeout=60)[0] for run in runs}
    assert len(outputs) == 1, outputs
    assert 'new instrument: "visa"' in outputs.pop()

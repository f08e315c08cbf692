"""The fourteenth round of issue 9: kinds of topic and alert error read on the retired
tagger_heldout15.jsonl, generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_tagged, topics


def test_outbound_rules_reaching_academics_are_export_controls(tagger: Tagger) -> None:
    title = "Treasury's outbound notices reach MIT faculty who advise Chinese AI start-ups"
    assert "export-controls" in topics(tagger, title)


def test_compute_cut_off_by_a_compliance_review_is_export_controls(tagger: Tagger) -> None:
    title = "Campus lab cuts Chinese nationals off its H100 cluster after compliance review"
    assert "export-controls" in topics(tagger, title)
    assert "ai-talent" in topics(tagger, title)


def test_visa_security_checks_in_sensitive_fields_are_research_security(tagger: Tagger) -> None:
    title = "Visas Mantis reviews stall chemists bound for US labs"
    assert "research-security" in topics(tagger, title)


def test_moves_told_from_an_american_place_to_a_chinese_one_are_returnees(tagger: Tagger) -> None:
    titles = ("从波士顿到苏州：一位材料学家的十年", "从帕洛阿尔托落地深圳的机器人团队")
    assert_tagged(tagger, "returnees", titles)


def test_a_foreign_institution_naming_an_american_leader_is_returnees(tagger: Tagger) -> None:
    assert "returnees" in topics(tagger, "Qatar university names former Purdue dean as president")


def test_surveys_of_scientists_weighing_jobs_abroad_are_returnees(tagger: Tagger) -> None:
    assert "returnees" in topics(tagger, "Survey: half of US biologists weighing jobs abroad")


def test_teams_that_never_worked_outside_china_are_returnees(tagger: Tagger) -> None:
    assert "returnees" in topics(tagger, "Zhipu's researchers never worked outside China, CEO says")


def test_exchanges_with_china_ended_are_student_mobility(tagger: Tagger) -> None:
    titles = (
        "USDA pulls the plug on its US-China soil science exchange",
        "College scraps its Beijing summer program",
    )
    assert_tagged(tagger, "student-mobility", titles)


def test_slots_and_hiring_closed_by_nationality_are_research_security(tagger: Tagger) -> None:
    titles = (
        "NOAA lab ends internships for foreign nationals",
        "Texas bill limits hiring of Chinese graduate students at state labs",
    )
    assert_tagged(tagger, "research-security", titles)
    assert "student-mobility" in topics(tagger, "NOAA lab ends internships for foreign nationals")


def test_screening_incoming_students_is_student_mobility(tagger: Tagger) -> None:
    title = "University to screen incoming PhD students against a defence list"
    assert "student-mobility" in topics(tagger, title)


def test_grad_workers_visas_are_student_mobility_and_visa_policy(tagger: Tagger) -> None:
    tags = topics(tagger, "Union counts 30 grad workers held in visa checks")
    assert {"student-mobility", "visa-policy"} <= tags


def test_spokespeople_answering_questions_and_good_news_posts_are_not_alerts(
    tagger: Tagger,
) -> None:
    not_alerts = (
        "商务部新闻发言人就美方将多所中国高校列入实体清单答记者问",
        "喜报！教育部公布长江学者名单 我校6人入选",
    )
    assert_alerts(tagger, not_alerts, alert=False)

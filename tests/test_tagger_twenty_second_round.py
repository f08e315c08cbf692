"""The twenty-second round of issue 9: kinds of alert and topic error read on the retired
tagger_heldout24.jsonl and tagger_heldout25.jsonl, generalised (headlines written here, not
taken from the sets).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged


def test_leaks_fact_checks_and_sources_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "Leaked draft would extend the visa bar to postdocs from listed universities",
        "Fact check: the Home Office has not ended the Graduate route",
        "消息人士：教育部拟收紧公派留学审批 最快明年公布",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_court_calendars_and_lives_after_a_case_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "Sentencing of former Emory researcher in talent-plan case moved to June",
        "Trial opens for chemist accused of hiding a Wuhan appointment",
        "Cleared of charges, he's back in his lab at Rutgers",
        "无罪获释后首度受访 华裔学者：仍想留在美国做研究",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_a_first_person_quote_is_a_remark_not_an_action(tagger: Tagger) -> None:
    remark = "Korea's science minister: 'We will offer every returning scientist a lab'"
    assert_alerts(tagger, (remark,), alert=False)
    # an official's quoted word still reports the action it names
    assert_alerts(tagger, ("State Department vows to 'aggressively revoke' visas of PhD students",))


def test_an_institutions_own_decision_in_chinese_shorthand(tagger: Tagger) -> None:
    assert_alerts(tagger, ("港科大拨款3亿元 延揽受签证困扰的在美学者",), alert=False)


def test_naturalisation_nomads_and_staffing_fraud_are_not_visa_policy(tagger: Tagger) -> None:
    titles = (
        "USCIS raises the naturalization fee again",
        "Madeira issues more digital-nomad visas than work permits",
        "Staffing-firm director convicted of H-1B benching scheme",
    )
    assert_not_tagged(tagger, "visa-policy", titles)

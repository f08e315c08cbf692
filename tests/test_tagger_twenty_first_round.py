"""The twenty-first round of issue 9: kinds of alert and topic error read on the retired
tagger_heldout22.jsonl and tagger_heldout23.jsonl, generalised (headlines written here, not
taken from the sets).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged


def test_a_denied_action_is_not_an_alert(tagger: Tagger) -> None:
    not_alerts = (
        "Home Office denies scrapping the graduate route for PhD students",
        "USCIS says STEM OPT is not being cut, pushing back on viral claims",
        "移民局否认暂停“高才通”续签",
    )
    assert_alerts(tagger, not_alerts, alert=False)
    # denying visas is an action
    assert_alerts(tagger, ("US denies visas to 30 Chinese physicists over defence ties",))


def test_hearings_claims_and_cases_never_brought_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "Witnesses split over whether to revive research-security bill at Senate hearing",
        "Two Chinese PhD students sent back at SFO after phone searches, families say",
        "被FBI调查两年未起诉 华人教授全职加盟浙大",
        "签证被撤销的第三年，她在深圳建起了量子实验室",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_namesakes_of_talent_and_research_security(tagger: Tagger) -> None:
    assert_not_tagged(tagger, "talent-programs", ("科技部公示国家重点研发计划重点专项拟立项项目",))
    assert_not_tagged(
        tagger, "research-security", ("Former lab manager charged with embezzling grant funds",)
    )
    assert_not_tagged(tagger, "export-controls", ("商务部发布出口管制合规指引 外贸企业如何自查",))

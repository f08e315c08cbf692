"""The twenty-third round of issue 9: kinds of alert and topic error read on the retired
tagger_heldout26.jsonl and tagger_heldout27.jsonl, generalised (headlines written here, not
taken from the sets).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts


def test_what_follows_an_action_is_not_one(tagger: Tagger) -> None:
    not_alerts = (
        "Cleared by a jury, a battery chemist starts over in Singapore",
        "The visa-interview pause, one year on: fewer admits, longer waits",
        "Bill to bar Chinese graduate students from state labs dies in committee",
        "Commerce official dismisses report that Fudan is headed for the Entity List",
        "FOIA data: State revoked hundreds of student visas for 'security' reasons last year",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_editorials_and_data_releases_are_not_alerts(tagger: Tagger) -> None:
    editorial = tagger.tag(
        "社论：开放陆生读研 国安审查须先行",
        "教育部拟开放陆生来台攻读硕博士，本报认为应先建立国安审查机制。",
    )
    assert not editorial.alert
    assert_alerts(tagger, ("入境处“高才通”续签数据出炉",), alert=False)


def test_logins_and_brokers_research_desks_are_not_research_security(tagger: Tagger) -> None:
    broker = tagger.tag(
        "券商研究所新规：研报发布前须经合规审查",
        "证监会要求券商研究所加强研究报告合规管理，防范境外机构获取未公开信息。",
    )
    assert "research-security" not in broker.tags
    login = tagger.tag(
        "NIH to require two-factor login for all grant applicants",
        "Applicants must verify their identity through login.gov from May.",
    )
    assert "research-security" not in login.tags

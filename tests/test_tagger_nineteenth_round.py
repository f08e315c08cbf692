"""The nineteenth round of issue 9: kinds of alert and topic error read on the retired
tagger_heldout20.jsonl, generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged


def test_tongguo_alone_is_through_not_passed(tagger: Tagger) -> None:
    # 通过 reads "through" as often as "passed": the passing of a rule is told in full
    assert_alerts(tagger, ("通过国家外专专项，一位法国化学家全职落户苏州",), alert=False)
    assert_alerts(tagger, ("立法院三读通过新法 科技人员赴陆任职须经许可",))


def test_memoranda_views_and_suits_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "Government's sentencing memorandum seeks prison for ex-researcher who hid Chinese funding",
        "Immigration lawyers on the new AI visa order: promising but vague",
        "智库报告：美国高校研究安全合规成本攀升",
        "被解聘华裔教授起诉母校 称遭种族定性",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_visas_outside_talent_are_not_visa_policy(tagger: Tagger) -> None:
    titles = (
        "State Department limits state-media journalists to single-entry visas",
        "Green-card holder detained over old shoplifting conviction",
    )
    assert_not_tagged(tagger, "visa-policy", titles)

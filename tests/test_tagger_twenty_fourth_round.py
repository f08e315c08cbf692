"""The twenty-fourth round of issue 9: kinds of alert and topic error read on the retired
tagger_heldout28.jsonl and tagger_heldout29.jsonl, generalised (headlines written here, not
taken from the sets).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged


def test_stalls_races_and_visits_without_a_deal_are_not_alerts(tagger: Tagger) -> None:
    not_alerts = (
        "Researcher visa bill stalls as committee chair declines to schedule a vote",
        "German science minister's Beijing trip ends without a student-exchange deal",
        "Provinces race to sign up US-trained chip engineers as export curbs bite",
        "Cleared of charges, a former Iowa physicist finds a new home in Hangzhou",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_out_of_scope_visas_and_programmes(tagger: Tagger) -> None:
    assert_not_tagged(
        tagger, "student-mobility", ("DHS ends Temporary Protected Status for Haiti",)
    )
    assert_not_tagged(
        tagger, "visa-policy", ("IT staffing firm owner charged in H-1B visa fraud scheme",)
    )
    assert_not_tagged(
        tagger, "talent-programs", ("Senate passes the TALENT Act to speed federal hiring",)
    )
    assert_not_tagged(
        tagger,
        "export-controls",
        ("Defense contractor engineer pleads guilty to ITAR violations",),
    )

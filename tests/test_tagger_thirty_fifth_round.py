"""The thirty-fifth round of issue 9, read off the misses of heldout56-57 (research security's
recall, 0.791 on heldout57, was the weak figure there):

- visa applicants screened by their field, or asked for their affiliations, are research
  security: a cable or rule sending applicants in machine learning or quantum fields for extra
  review, a ten-year affiliation history for J-1 scholars. A pause chosen by field and
  nationality with no screening stays visas alone;
- previews told as "things to watch" and fact checks in Chinese (查核) are no alerts.

Headlines written here, not taken from the sets. The rules alone are tested (conftest's
`tagger`).
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_alerts, assert_not_tagged, assert_tagged


def test_visa_screening_by_field_or_affiliation_is_research_security(tagger: Tagger) -> None:
    assert_tagged(
        tagger,
        "research-security",
        (
            "Consular cable sends visa applicants in quantum computing for extra review",
            "State Department proposes ten-year affiliation history for J-1 research scholars",
            "美国务院要求对机器学习领域签证申请人加强审查",
        ),
    )
    assert_not_tagged(
        tagger,
        "research-security",
        ("Consulate adds 2,000 student visa appointments before the fall term",),
    )


def test_things_to_watch_and_fact_checks_are_not_alerts(tagger: Tagger) -> None:
    assert_alerts(
        tagger,
        (
            "Three things to watch as Congress takes up a bill to end OPT",
            "查核：国会通过禁止中国学生签证法案？实为一项提案",
        ),
        alert=False,
    )

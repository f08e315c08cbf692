"""The thirty-fourth round of issue 9, read off the misses of heldout52-55 (returnees' recall,
0.743 on heldout54, was the weakest figure):

- a student or scholar removed at the border goes home: the later writers count the removal a
  move back (their decisions override the early sets', where 26 of 89 such items had it);
- "holiday" no longer excludes returnees, only holiday trips and holidaymakers do: moves are
  dated "after the holiday" around the Spring Festival;
- international, Chinese, foreign and overseas students are a flow with a word of study,
  admission, visas, rules or numbers, not at their galas or on their fares home.

Headlines written here, not taken from the sets. The rules alone are tested (conftest's
`tagger`).
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_not_tagged, assert_tagged


def test_a_student_removed_at_the_border_goes_home(tagger: Tagger) -> None:
    assert_tagged(
        tagger,
        "returnees",
        (
            "Chinese PhD student deported at Dulles after questioning about his adviser",
            "一名中国博士生在芝加哥入境被拒后遭原机遣返",
        ),
    )


def test_a_move_dated_after_the_holiday_is_a_move(tagger: Tagger) -> None:
    assert_tagged(
        tagger, "returnees", ("Robotics professor leaves MIT for Tsinghua after the holiday",)
    )
    assert_not_tagged(
        tagger, "returnees", ("Holiday trips home: Shanghai-born engineers fly back for New Year",)
    )


def test_students_named_in_english_need_a_context_of_study(tagger: Tagger) -> None:
    assert_tagged(
        tagger,
        "student-mobility",
        ("Visa refusals for Chinese students rise at US consulates",),
    )
    assert_not_tagged(
        tagger,
        "student-mobility",
        (
            "Chinese students ring in the Year of the Goat with a dumpling party",
            "Airfares home for Chinese students hit $2,000 before the holiday",
        ),
    )

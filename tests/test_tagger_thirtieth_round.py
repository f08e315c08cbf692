"""The thirtieth round of issue 9: the security checks that hold or question students and
researchers at a consulate or a border (administrative processing, 221(g), Proclamation 10043,
secondary inspection) are research security as well as visa policy, as every set's writers
have labelled them since heldout15. "Administrative processing" had been an exclusion of the
topic, from the older sets' reading, which also kept the model from adding it. Headlines
written here, not taken from the sets.

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger
from tests.tagger_rounds import assert_not_tagged, assert_tagged


def test_visa_security_checks_on_students_and_researchers_are_research_security(
    tagger: Tagger,
) -> None:
    checks = (
        "Physics PhD admits wait a fourth month in administrative processing",
        "Postdoc misses lab start after 221(g) slip at Guangzhou consulate",
        "机器学习博士新生面签后进入行政审查 开学在即仍无结果",
        "Universities ask for carve-out as Proclamation 10043 reaches undergraduates",
        "留学生返美入境遭二次检查 被问及导师项目",
        "Visiting scholar held in secondary inspection for five hours at Dulles",
    )
    assert_tagged(tagger, "research-security", checks)
    assert_tagged(tagger, "visa-policy", checks[:2])


def test_the_same_checks_without_students_or_researchers_are_not(tagger: Tagger) -> None:
    not_research = (
        "Tourist visa applicants in Lagos face months of administrative processing",
        "Customs secondary inspection finds 40 kg of undeclared seafood",
    )
    assert_not_tagged(tagger, "research-security", not_research)

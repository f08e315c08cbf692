"""The eighth round of issue 9: kinds of topic miss read on the retired tagger_heldout9.jsonl,
generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger


def test_young_researchers_gated_by_a_check_are_a_flow_of_scholars(tagger: Tagger) -> None:
    titles = (
        "Finnish universities to vet postdoc applicants from Chinese defence-linked schools",
        "Research council stops paying stipends of PhD students who are nationals of Iran",
    )
    for title in titles:
        assert "student-mobility" in tagger.tag(title).tags, title
    # a ban on talent programmes that reaches postdocs is not about their moving
    banned = tagger.tag("Energy Department extends foreign talent program ban to postdocs")
    assert "student-mobility" not in banned.tags


def test_degree_scholarships_held_abroad_move_students(tagger: Tagger) -> None:
    result = tagger.tag(
        "Ghana names 200 lecturers for master's and PhD scholarships at universities in Germany"
    )
    assert "student-mobility" in result.tags


def test_controls_on_technology_through_people_outside_the_ear(tagger: Tagger) -> None:
    titles = (
        "DOE's Part 810 change would reach faculty who train foreign nationals in fusion design",
        "Patent office slows foreign-filing licences for university inventions with co-inventors",
        "主管部门拟要求芯片研发工程师赴境外任职前备案",
    )
    for title in titles:
        assert "export-controls" in tagger.tag(title).tags, title


def test_researchers_abroad_offered_a_way_in_are_returnees(tagger: Tagger) -> None:
    titles = (
        "Italy funds 'return chairs' for Italian scientists abroad",
        "Polish academy opens fellowships for researchers based in the US",
    )
    for title in titles:
        assert "returnees" in tagger.tag(title).tags, title


def test_new_staff_counted_by_their_american_posts_are_returnees(tagger: Tagger) -> None:
    result = tagger.tag("南方一所大学今年新聘教授40人，其中15人此前在美国高校任职")
    assert "returnees" in result.tags


def test_undisclosed_foreign_ties_and_inquiries_into_them_are_research_security(
    tagger: Tagger,
) -> None:
    titles = (
        "Hospital settles claims it hid a surgeon's foreign grants from federal funders",
        "Florida attorney general subpoenas university over Chinese research partnerships",
        "Australia to run affiliation checks on foreign researchers at defence-funded labs",
        "某高校规定：教师受聘境外人才项目须事前报备",
    )
    for title in titles:
        assert "research-security" in tagger.tag(title).tags, title

"""The ninth round of issue 9: kinds of topic miss read on the retired tagger_heldout10.jsonl,
generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger


def test_any_countrys_homecoming_scheme_is_a_talent_program(tagger: Tagger) -> None:
    titles = (
        "Portugal widens its returning-scientist tax incentive to postdocs",
        "Kenya's diaspora fellowship programme pays engineers coming back from Europe",
        "Belgian region opens a relocation package for researchers leaving US universities",
        "省里出台海外学者归国创业方案 首批资助20人",
    )
    for title in titles:
        assert "talent-programs" in tagger.tag(title).tags, title


def test_visiting_scholars_visa_papers_are_scholars_on_the_move(tagger: Tagger) -> None:
    titles = (
        "Consulates told to hold J-1 interviews for visiting scientists in biotech",
        "Hospital research arms lose cap-exempt status for their postdocs",
    )
    for title in titles:
        assert "student-mobility" in tagger.tag(title).tags, title
    # vetting foreign researchers, with no visa paper in sight, is research security alone
    vetted = tagger.tag("Estonia to vet foreign researchers before they join defence projects")
    assert "student-mobility" not in vetted.tags


def test_who_fills_phd_places_by_origin_is_student_mobility(tagger: Tagger) -> None:
    titles = (
        "Foreign-born share of US chemistry postdocs reaches 45%, survey finds",
        "Indian share of new Canadian computing doctorates doubles in five years",
        "外籍博士后占比升至三成",
    )
    for title in titles:
        assert "student-mobility" in tagger.tag(title).tags, title


def test_labs_drawn_by_citizenship_are_research_security(tagger: Tagger) -> None:
    titles = (
        "National lab limits its supercomputer allocations to US citizens",
        "Agency weighs citizenship checks before students join polar research expeditions",
    )
    for title in titles:
        assert "research-security" in tagger.tag(title).tags, title
    # foreign nationals needing a licence is export control, not a citizenship line
    deemed = tagger.tag("Deemed exports: when a foreign postdoc in your lab needs a licence")
    assert "research-security" not in deemed.tags


def test_a_security_service_warning_universities_is_research_security(tagger: Tagger) -> None:
    titles = (
        "Canada's intelligence service briefs university presidents on covert recruitment",
        "国家安全机关披露境外机构借科研合作窃取数据案例",
    )
    for title in titles:
        assert "research-security" in tagger.tag(title).tags, title

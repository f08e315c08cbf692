"""The tenth round of issue 9: kinds of topic miss read on the retired tagger_heldout11.jsonl,
generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger


def test_going_home_from_the_us_is_returnees_whichever_home(tagger: Tagger) -> None:
    titles = (
        "Polish chemists head home as US grant cuts bite",
        "Nigerian engineers trained in the US are going home, alumni poll shows",
        "After twelve years on H-1Bs, a Vietnamese physicist moves back home",
    )
    for title in titles:
        assert "returnees" in tagger.tag(title).tags, title
    # going home with no American place or paper in the story is not a homecoming from the US
    assert "returnees" not in tagger.tag("Postdocs head home for the holidays early").tags


def test_a_homecoming_scheme_named_as_such_is_returnees(tagger: Tagger) -> None:
    titles = (
        "Chile opens a returning-researcher grant for scientists working abroad",
        "Croatia's homecoming scheme pays engineers to move back",
        "教育部推出旅外学者返台方案",
    )
    for title in titles:
        assert "returnees" in tagger.tag(title).tags, title


def test_a_lab_moved_out_of_an_american_city_is_returnees(tagger: Tagger) -> None:
    titles = (
        "Why a Seattle geneticist moved her lab to Lisbon",
        "Canadian fund backs scientists relocating from US institutions",
    )
    for title in titles:
        assert "returnees" in tagger.tag(title).tags, title


def test_postdocs_and_trainees_visas_of_every_kind_are_student_mobility(tagger: Tagger) -> None:
    titles = (
        "USCIS speeds up H-1B petitions for university postdocs",
        "Hospitals warn J-1 physicians may miss the start of residency",
        "New visa bulletin lengthens the wait for postdoctoral researchers from India",
    )
    for title in titles:
        assert "student-mobility" in tagger.tag(title).tags, title


def test_a_researchers_residence_permit_revoked_is_student_mobility(tagger: Tagger) -> None:
    tagged = tagger.tag("Latvia revokes residence permit of a Chinese physicist at Riga lab")
    assert "student-mobility" in tagged.tags
    # a permit revoked with no researcher in it is not a scholar's flow
    landlords = tagger.tag("City revokes residence permits of two landlords")
    assert "student-mobility" not in landlords.tags


def test_the_states_talent_titles_plans_and_winners_are_talent_programs(tagger: Tagger) -> None:
    titles = (
        "云南省“兴滇英才”拟入选人员名单公示",
        "某市升级“青年人才行动计划”，每年遴选100人",
        "多所高校不再将人才称号与薪酬挂钩",
        "人社部新增五家国家级留学人员创业园",
    )
    for title in titles:
        assert "talent-programs" in tagger.tag(title).tags, title
    # the state fund that sends scholars abroad is student mobility only (the older sets)
    sent = tagger.tag("国家留学基金委公布2027年公派留学选派计划")
    assert "talent-programs" not in sent.tags

"""The sixth round of issue 9: kinds of alert error and topic miss read on the retired
tagger_heldout7.jsonl, generalised (headlines written here, not taken from the set).

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger


def test_an_offer_turned_down_is_a_choice_and_a_government_offer_is_news(tagger: Tagger) -> None:
    declined = tagger.tag("Tsinghua AI PhD turns down US offer, citing visa risk")
    assert declined.tags and declined.alert is False
    offered = tagger.tag("Jiangsu offers relocation grants to overseas scientists returning home")
    assert "talent-programs" in offered.tags and offered.alert is True


def test_an_action_after_as_is_the_cause_of_a_trend(tagger: Tagger) -> None:
    trend = tagger.tag("Indian applicants turn to Canada as US tightens student visas")
    assert trend.alert is False
    news = tagger.tag(
        "US tightens student visas as universities scramble to keep Indian applicants"
    )
    assert news.alert is True


def test_a_period_looked_back_on_is_a_tally(tagger: Tagger) -> None:
    result = tagger.tag("NIH watchdog closed nine foreign-ties cases last year")
    assert "research-security" in result.tags and result.alert is False


def test_an_instrument_a_university_owns_is_its_own_decision(tagger: Tagger) -> None:
    assert tagger.tag("Harvard's foreign-gift disclosure policy takes effect").alert is False
    assert tagger.tag("Education Department's foreign-gift disclosure policy takes effect").alert


def test_a_place_inside_a_campus_name_is_not_a_government(tagger: Tagger) -> None:
    title = "{} suspends semester places for visiting US students"
    assert tagger.tag(title.format("NYU Shanghai")).alert is False
    assert tagger.tag(title.format("Shanghai")).alert is True


def test_a_government_publishing_those_selected_is_an_alert(tagger: Tagger) -> None:
    published = (
        "教育部公布2026年度长江学者特聘教授入选名单",
        "深圳市公示2026年度海外高层次人才认定名单",
    )
    for title in published:
        result = tagger.tag(title)
        assert "talent-programs" in result.tags and result.alert is True, title


def test_a_personal_story_is_not_an_alert(tagger: Tagger) -> None:
    result = tagger.tag("Consulate denied her J-1 visa twice: a postdoc's story")
    assert "visa-policy" in result.tags and result.alert is False


def test_any_country_bringing_its_scientists_home_from_the_us(tagger: Tagger) -> None:
    result = tagger.tag("Portugal's new fellowship brings Portuguese scientists home from US labs")
    assert {"returnees", "talent-programs"} <= set(result.tags)


def test_a_scholars_own_green_card_case_is_student_mobility(tagger: Tagger) -> None:
    result = tagger.tag("Court orders USCIS to reconsider green-card denial for Purdue chemist")
    assert {"student-mobility", "visa-policy"} <= set(result.tags) and result.alert is True

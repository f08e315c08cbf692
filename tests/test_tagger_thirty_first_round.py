"""The thirty-first round of issue 9: a correction at the start of a title reports again the
story it corrects (the labelling conventions: corrections follow the story they correct), so
its "not Jan. 1" hedges nothing and the marker weighs as an action. It still needs a
government actor, an instrument or an act, and an in-scope topic. Headlines written here, not
taken from the sets.

The rules alone are tested (conftest's `tagger`): the learned second opinion may add to what
they say.
"""

from __future__ import annotations

from feeds.tagging import Tagger, load_tagger
from tests.tagger_rounds import assert_alerts


def test_a_correction_of_an_alert_story_is_an_alert(tagger: Tagger) -> None:
    corrections = (
        "Correction: State Department student-visa rule takes effect March 3, not March 1",
        "CORRECTION: NSF suspended grants of researchers with undisclosed Chinese posts, not five",
        "更正：美国国务院留学生签证新规自3月1日起施行，而非2月1日",
    )
    assert_alerts(tagger, corrections)
    result = tagger.tag(corrections[0])
    assert 'correction: "correction"' in result.reasons["alert"]


def test_the_same_headline_without_the_marker_is_hedged(tagger: Tagger) -> None:
    # what the correction puts right reads as a hedge elsewhere; the marker is what changes it
    title = "Correction: Proclamation on visiting researchers applies from Feb. 2, not Jan. 2"
    unmarked = title.removeprefix("Correction: ")
    assert tagger.tag(title).alert
    assert tagger.tag(title).alert_score > tagger.tag(unmarked).alert_score


def test_a_correction_needs_a_government_action_and_a_topic(tagger: Tagger) -> None:
    not_alerts = (
        "Correction: Berkeley postdoc departures story misstated a lab's name",
        "Correction: card network settlement story gave the wrong fee",
    )
    assert_alerts(tagger, not_alerts, alert=False)


def test_the_config_can_add_and_drop_markers() -> None:
    title = "Erratum: DHS student-visa rule takes effect March 3, not March 1"
    rules = load_tagger(second_opinion=False)
    added = load_tagger({"alert": {"add_corrections": ["erratum"]}}, second_opinion=False)
    assert added.tag(title).alert_score > rules.tag(title).alert_score
    dropped = load_tagger({"alert": {"drop_corrections": ["correction"]}}, second_opinion=False)
    corrected = "Correction: Proclamation on visiting researchers applies from Feb. 2, not Jan. 2"
    assert dropped.tag(corrected).alert_score < rules.tag(corrected).alert_score

"""The taxonomy: the shipped data file, and overrides from the config's [taxonomy] table."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_config
from feeds.tagging import load_tagger
from feeds.tagging.taxonomy import load_taxonomy
from storage.errors import ConfigError

DEFAULT_TOPICS = (
    "visa-policy",
    "talent-programs",
    "returnees",
    "research-security",
    "export-controls",
    "student-mobility",
    "ai-talent",
)


def test_default_taxonomy_has_the_seven_topics_and_an_alert_definition() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.topic_ids() == DEFAULT_TOPICS
    for topic in taxonomy.topics:
        assert topic.terms or topic.rules, topic.id
        assert 0 < topic.threshold <= 1
    assert taxonomy.alert.actors and taxonomy.alert.actions and taxonomy.alert.hedges
    assert taxonomy.alert.doc_types["Rule"] > taxonomy.alert.doc_types["Notice"]


def test_group_references_are_expanded() -> None:
    returnees = next(t for t in load_taxonomy().topics if t.id == "returnees")
    groups = [group for rule in returnees.rules for group in rule.groups]
    assert any("Tsinghua" in group for group in groups)
    assert not any(term.startswith("@") for group in groups for term in group)


def test_override_adds_a_topic() -> None:
    tagger = load_tagger(
        {
            "topics": {
                "biosecurity": {
                    "label": "Biosecurity",
                    "terms": ["gain-of-function", "select agent"],
                    "threshold": 0.6,
                }
            }
        }
    )
    assert "biosecurity" in tagger.topic_ids
    result = tagger.tag("NIH pauses gain-of-function grants at three universities")
    assert "biosecurity" in result.tags
    assert result.reasons["biosecurity"] == ('term "gain-of-function"',)


def test_override_adds_and_drops_terms_of_an_existing_topic() -> None:
    # the rules' own terms are what an override edits (the learned second opinion reads "visa
    # backlog" as visa news, and leaves a customised topic alone)
    default = load_tagger(second_opinion=False)
    assert "visa-policy" in default.tag("Green card waits grow for engineers").tags
    assert "visa-policy" not in default.tag("K-1 visa backlog grows for fiancés").tags

    tagger = load_tagger(
        {"topics": {"visa-policy": {"add_terms": ["K-1 visa"], "drop_terms": ["green card"]}}}
    )
    assert "visa-policy" in tagger.tag("K-1 visa backlog grows for fiancés").tags
    assert "visa-policy" not in tagger.tag("Green card waits grow for engineers").tags


def test_dropping_a_term_also_drops_it_from_context_rules() -> None:
    title = "Visa delays strand Chinese researchers"
    assert "visa-policy" in load_tagger().tag(title).tags
    tagger = load_tagger({"topics": {"visa-policy": {"drop_terms": ["visa"]}}})
    assert "visa-policy" not in tagger.tag(title).tags


def test_override_changes_a_threshold_and_can_disable_a_topic() -> None:
    title = "Visa delays strand Chinese researchers"  # one context rule: 0.8
    strict = load_tagger({"topics": {"visa-policy": {"threshold": 0.9}}})
    assert "visa-policy" not in strict.tag(title).tags
    assert "visa-policy" in strict.tag(title).scores
    without = load_tagger({"topics": {"ai-talent": {"enabled": False}}})
    assert "ai-talent" not in without.topic_ids
    assert without.tag("Meta poaches top AI researchers").tags == {}


def test_override_adds_an_exclusion_and_a_context_rule() -> None:
    tagger = load_tagger(
        {
            "topics": {
                "returnees": {
                    "add_rules": [
                        {"terms": ["repatriated"], "with": ["engineers"], "weight": 0.9},
                    ],
                    "add_exclude": ["football"],
                }
            }
        }
    )
    result = tagger.tag("Engineers repatriated to Shanghai labs")
    assert result.tags["returnees"] == pytest.approx(0.9)
    # "engineers" is reported as the people group's "engineer": one term, plural or not.
    assert result.reasons["returnees"] == ('context: "repatriated" + "engineer"',)
    assert "returnees" not in tagger.tag("Football club engineers repatriated to Shanghai").tags


def test_a_veto_rules_a_topic_out_whatever_else_is_found() -> None:
    # "青年千人" is strong evidence of talent-programs: an exclusion does not silence it, a veto
    # does, and the model may not add the topic back either
    title = "社区“青年千人”招募广场舞领队"
    assert "talent-programs" in load_tagger().tag("社区“青年千人”招募社区领队").tags
    excluded = load_tagger({"topics": {"talent-programs": {"add_exclude": ["领队"]}}})
    assert "talent-programs" in excluded.tag("社区“青年千人”招募社区领队").tags
    assert "talent-programs" not in load_tagger().tag(title).scores  # a default veto
    kept = load_tagger({"topics": {"talent-programs": {"drop_veto": ["广场舞"]}}})
    assert "talent-programs" in kept.tag(title).tags
    vetoed = load_tagger({"topics": {"talent-programs": {"add_veto": ["领队"]}}})
    assert "talent-programs" not in vetoed.tag("社区“青年千人”招募社区领队").tags


def test_override_extends_the_alert_vocabulary() -> None:
    # The rules' vocabulary alone (the learned second opinion may flag this title on its own).
    title = "USCIS sunsets the H-1B pilot program"
    assert load_tagger(second_opinion=False).tag(title).alert is False
    tagger = load_tagger({"alert": {"add_actions": ["sunsets"]}}, second_opinion=False)
    result = tagger.tag(title)
    assert result.alert is True
    assert 'action: "sunsets"' in result.reasons["alert"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"topic": {}}, "taxonomy.topic: unknown key"),
        (
            {"topics": {"visa-policy": {"terms": "H-1B"}}},
            "taxonomy.topics.visa-policy.terms: Input should be a valid tuple",
        ),
        (
            {"topics": {"visa-policy": {"drop_terms": ["no such term"]}}},
            "taxonomy.topics.visa-policy.drop_terms: 'no such term' is not a term of visa-policy",
        ),
        (
            {"topics": {"visa-policy": {"threshold": 1.5}}},
            "taxonomy.topics.visa-policy.threshold: Input should be less than or equal to 1",
        ),
        ({"topics": {"visa-policy": {"colour": "red"}}}, "taxonomy.topics.visa-policy.colour"),
        ({"topics": {"Bad Topic": {"terms": ["x"]}}}, "taxonomy.topics.Bad Topic: a topic id"),
        ({"topics": {"alert": {"terms": ["x"]}}}, "taxonomy.topics.alert: a topic id"),
        ({"topics": {"empty": {"label": "Empty"}}}, "taxonomy.topics.empty: a topic needs"),
        (
            {"topics": {"new": {"terms": ["  "]}}},
            "taxonomy.topics.new.terms[0]: a term cannot be empty",
        ),
        (
            {"topics": {"new": {"rules": [{"terms": ["x"], "with": ["@nope"]}]}}},
            "taxonomy.topics.new.rules[0].with: unknown group '@nope'",
        ),
        (
            {"topics": {"new": {"rules": [{"terms": ["x"], "weight": 0}]}}},
            "taxonomy.topics.new.rules[0].weight: Input should be greater than 0",
        ),
        (
            {"topics": {"nothing": {"enabled": False}}},
            "taxonomy.topics.nothing.enabled: there is no topic 'nothing' to disable",
        ),
        (
            {"topics": {"visa-policy": {"drop_exclude": ["no such term"]}}},
            "taxonomy.topics.visa-policy.drop_exclude: 'no such term' is not an exclusion of",
        ),
        (
            {"topics": {"visa-policy": {"drop_veto": ["no such term"]}}},
            "taxonomy.topics.visa-policy.drop_veto: 'no such term' is not a veto of visa-policy",
        ),
        (
            {"alert": {"drop_actions": ["dances"]}},
            "taxonomy.alert.drop_actions: 'dances' is not one of the actions",
        ),
    ],
)
def test_bad_overrides_raise_a_config_error_naming_the_key(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_tagger(overrides)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_config_file_taxonomy_table_reaches_the_tagger(tmp_path: Path) -> None:
    config_file = tmp_path / "talentbrief.toml"
    config_file.write_text(
        "[taxonomy.topics.quantum-talent]\n"
        'label = "Quantum talent"\n'
        'terms = ["quantum physicists", "量子人才"]\n'
        "[taxonomy.topics.visa-policy]\n"
        'add_terms = ["H-4 EAD"]\n',
        encoding="utf-8",
    )
    config = load_config(config_file, env={})
    tagger = load_tagger(config.taxonomy, second_opinion=False)  # the rules the table built
    assert tagger.tag("Europe courts quantum physicists").tags.keys() == {"quantum-talent"}
    assert "quantum-talent" in tagger.tag("各地争抢量子人才").tags
    assert "quantum-talent" in tagger.tag("各地爭搶量子人才").tags  # traditional form derived
    assert "visa-policy" in tagger.tag("H-4 EAD holders win reprieve").tags


def test_the_commented_example_in_config_example_toml_is_valid() -> None:
    text = (Path(__file__).parent.parent / "config.example.toml").read_text("utf-8")
    lines = text.splitlines()
    start = lines.index("# [taxonomy.topics.visa-policy]")
    block = "\n".join(line[2:] if line.startswith("# ") else "" for line in lines[start:])
    tagger = load_tagger(tomllib.loads(block)["taxonomy"])
    assert "biosecurity" in tagger.tag("NIH pauses gain-of-function grants").tags
    assert tagger.tag("Green card waits grow for engineers").tags == {}


def test_compiled_taggers_are_reused_for_the_same_overrides() -> None:
    assert load_tagger() is load_tagger({})
    extra = {"topics": {"visa-policy": {"add_terms": ["H-4 EAD"]}}}
    assert load_tagger(extra) is load_tagger(
        {"topics": {"visa-policy": {"add_terms": ["H-4 EAD"]}}}
    )
    assert load_tagger(extra) is not load_tagger()

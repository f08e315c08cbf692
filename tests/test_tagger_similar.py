"""The learned second opinion: it only adds, says so with its score, can be turned off, and its
trainer gives the same file from the same data."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from feeds.tagging import load_tagger
from feeds.tagging.fit import Recipe, fit, vectorize
from feeds.tagging.rules import TermMatcher
from feeds.tagging.similar import Features, compile_model, customised, load_similarity, tokens
from feeds.tagging.tagger import Tagger
from feeds.tagging.taxonomy import load_taxonomy
from feeds.tagging.train_similar import (
    SETS,
    TUNING,
    _outputs,
    featurize,
    label_matrix,
    load_items,
    train,
)

OUTPUTS = ["visa-policy", "research-security", "alert"]


def _model(weights: dict[str, list[list[float]]], **extra: Any) -> dict[str, Any]:
    """A hand-made model file: features -> [[output number, weight]]."""
    return {
        "outputs": OUTPUTS,
        "bias": [-3.0, -3.0, -3.0],
        "thresholds": {"visa-policy": 0.8, "research-security": 0.8, "alert": 0.8},
        "weights": weights,
        **extra,
    }


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    """The shipped rules with a small model that knows the word "zebra" (visa-policy and
    alert) and the characters 斑马 (research-security)."""
    model = compile_model(_model({"zebra": [[0, 20.0], [2, 20.0]], "斑马": [[1, 20.0]]}))
    return Tagger(load_taxonomy(), model)


def test_the_model_adds_a_topic_the_rules_missed_and_says_why(tagger: Tagger) -> None:
    title = "Zebra sightings reported near the border"
    assert load_tagger(second_opinion=False).tag(title).tags == {}
    result = tagger.tag(title)
    assert list(result.tags) == ["visa-policy"]
    (reason,) = result.reasons["visa-policy"]
    assert reason.startswith("similar to labelled examples of visa-policy, score 0.9")
    assert "learned model" in reason
    assert result.alert is True
    assert result.reasons["alert"][0].startswith("similar to labelled examples of alerts")


def test_the_model_reads_traditional_characters_too(tagger: Tagger) -> None:
    assert "research-security" in tagger.tag("斑馬線").tags  # 斑馬 is 斑马 in traditional


def test_the_model_never_removes_and_never_overrides_an_exclusion(tagger: Tagger) -> None:
    rules = load_tagger(second_opinion=False)
    title = "USCIS opens the H-1B registration"
    assert tagger.tag(title).tags.keys() == rules.tag(title).tags.keys()
    assert tagger.tag(title).reasons == rules.tag(title).reasons
    # "tourists" excludes visa-policy in the taxonomy; the model may not tag it either
    assert "visa-policy" not in tagger.tag("Zebra tourists swarm the park").tags


def test_no_alert_from_the_model_on_an_untagged_item_or_a_question(tagger: Tagger) -> None:
    alert_only = compile_model(_model({"zebra": [[2, 20.0]]}))
    assert Tagger(load_taxonomy(), alert_only).tag("Zebra crossing repainted").alert is False
    assert tagger.tag("Will the zebra rule survive?").alert is False


def test_a_customised_topic_is_left_to_its_rules() -> None:
    """The model learned the shipped definitions: what the config redefines is the rules'."""
    overrides = {"topics": {"visa-policy": {"add_terms": ["K-1 visa"]}}}
    assert customised(overrides) == {"visa-policy"}
    assert customised({"alert": {"add_actions": ["sunsets"]}}) == {"alert"}
    assert customised({"groups": {"people": ["scholars"]}}) >= {"returnees", "ai-talent"}
    model = compile_model(_model({"zebra": [[0, 20.0]]}))
    custom = Tagger(load_taxonomy(overrides), model, customised=customised(overrides))
    assert custom.tag("Zebra sightings reported near the border").tags == {}


def test_the_switch_turns_the_model_off() -> None:
    assert load_tagger().similarity is load_similarity()
    assert load_tagger(second_opinion=False).similarity is None


def test_the_shipped_model_adds_with_its_reason() -> None:
    """On the set its thresholds were chosen on, the shipped model adds something, always
    with a reason."""
    tagger = load_tagger()
    added = 0
    for item in load_items(TUNING):
        result = tagger.tag(item.title, item.summary, hints=item.hints, doc_type=item.doc_type)
        for key, why in result.reasons.items():
            assert why, key
            added += why[0].startswith("similar to labelled examples of")
    assert added > 0


@pytest.mark.parametrize(
    "features",
    [
        Features(),
        Features(word_pairs=True, cjk=(1, 2, 3)),
        Features(binary=True, cjk=(1, 2)),
        Features(binary=True),
        Features(word_pairs=True, binary=True),
        Features(word_pairs=True, title_pairs=True),
        Features(word_pairs=True, content_pairs=True),
        Features(word_pairs=True, binary=True, title_pairs=True),
        Features(word_pairs=True, binary=True, content_pairs=True),
        Features(word_pairs=True, binary=True, title_pairs=True, content_pairs=True),
    ],
)
def test_fast_scoring_matches_the_features_the_trainer_sees(features: Features) -> None:
    texts = [
        ("H-1B visa fee rises; the fee rises again", "美国签证新规 出台，签证费上涨"),
        ("Student visa rules for the fall", "the State Department says student visa fees rise"),
        ("İstanbul visa office of the consulate", "the Kelvin visa and the fee"),
        ("海归", ""),
        ("", ""),
        ("A", "中"),
    ]
    vocabulary = {token for title, summary in texts for token in tokens(title, summary, features)}
    weights = {token: [[0, 0.1 * (n % 7) - 0.3]] for n, token in enumerate(sorted(vocabulary))}
    model = compile_model(
        {
            "outputs": ["visa-policy"],
            "bias": [0.5],
            "thresholds": {"visa-policy": 0.5},
            "weights": weights,
            "features": features.as_json(),
        }
    )
    for title, summary in texts:
        seen = list(tokens(title, summary, features))
        if features.binary:
            seen = list(dict.fromkeys(seen))
        logits = model.logits(title, summary)
        if not seen:
            assert logits is None
            continue
        expected = 0.5 + sum(weights[t][0][1] for t in seen) / len(seen) ** 0.5
        assert logits is not None
        assert logits[0] == pytest.approx(expected)


def test_the_model_reads_the_words_the_matcher_split_as_its_own() -> None:
    """The tagger hands the model the matcher's words (ASCII runs, lower-cased); the model
    must score exactly as if it had split the texts itself, also where lower-casing makes an
    ASCII letter of another character ("İ" → "i̇", the Kelvin sign → "k")."""
    matcher = TermMatcher(["visa", "签证"])
    model = load_similarity()
    lowering = [
        char
        for char in map(chr, range(128, sys.maxunicode + 1))
        if re.search("[a-z0-9]", char.lower())
    ]
    assert lowering  # İ and the Kelvin sign, as of Unicode 15
    texts = [
        ("H-1B visa fee rises; the FEE rises", "美国签证新规 出台，簽證費上漲 OPT"),
        ("海归", ""),
        ("", ""),
        ("USCIS", "1,000 students"),
        *((char, f"{char}stanbul visa 签证 {char}") for char in lowering),
    ]
    for title, summary in texts:
        words = (matcher.find_words(title)[1], matcher.find_words(summary)[1])
        assert model.logits(title, summary, words=words) == model.logits(title, summary)


def test_the_trainer_is_deterministic(tmp_path: Path) -> None:
    """A small run (150 items, 80 tuning items, 40 steps) twice gives the same file, which
    loads."""
    items = load_items(SETS)[::10][:150]
    tuning = load_items(TUNING)[::5]
    recipe = Recipe(features=Features(binary=True), steps=40)
    first = json.dumps(train(items, tuning, recipe), sort_keys=True)
    second = json.dumps(train(items, tuning, recipe), sort_keys=True)
    assert first == second
    data = json.loads(first)
    assert data["outputs"][-1] == "alert"
    assert set(data["thresholds"]) <= set(data["outputs"])
    model = compile_model(data)  # only the outputs with a threshold are kept
    assert model.outputs == tuple(n for n in data["outputs"] if n in data["thresholds"])


def test_the_rules_evidence_enters_as_a_weighted_score() -> None:
    """A topic's rule score below the rules' threshold can tip the model over its own."""
    model = compile_model(_model({"@returnees": [[0, 4.0]], "scholar": [[1, 1.0]]}))
    plain = model.logits("Scholar moves", "")
    helped = model.logits("Scholar moves", "", {"returnees": 0.5}, alert=0.0)
    assert plain is not None and helped is not None
    assert helped[0] == pytest.approx(plain[0] + 2.0)
    assert helped[1:] == plain[1:]


def test_the_cheaper_word_pairs() -> None:
    """The title's pairs only, pairs without stopwords, and both; an older file (no such keys)
    reads all pairs, and a recipe without them writes none of the keys."""
    title, summary = "The student visa rules", "fees of the visa office"
    pairs = Features(word_pairs=True)
    assert [t for t in tokens(title, summary, pairs) if " " in t] == [
        "the student",
        "student visa",
        "visa rules",
        "fees of",
        "of the",
        "the visa",
        "visa office",
    ]
    title_only = Features(word_pairs=True, title_pairs=True)
    assert [t for t in tokens(title, summary, title_only) if " " in t] == [
        "the student",
        "student visa",
        "visa rules",
    ]
    content = Features(word_pairs=True, content_pairs=True)
    assert [t for t in tokens(title, summary, content) if " " in t] == [
        "student visa",
        "visa rules",
        "fees visa",  # the stopwords between dropped
        "visa office",
    ]
    both = Features(word_pairs=True, title_pairs=True, content_pairs=True)
    assert [t for t in tokens(title, summary, both) if " " in t] == ["student visa", "visa rules"]
    assert Features.from_json({"word_pairs": True, "binary": True}) == Features(
        word_pairs=True, binary=True
    )
    assert "title_pairs" not in Features(word_pairs=True).as_json()
    assert Features.from_json(both.as_json()) == both
    assert "pair_prune" not in Recipe().as_json()


def test_pairs_are_pruned_harder_than_words() -> None:
    """`pair_prune` drops the small weights of word pairs only."""
    items = load_items(SETS)[::20][:120]
    features = Features(binary=True, word_pairs=True)
    found = featurize(items, features)
    labels = label_matrix(items, _outputs(items))
    plain, pruned = (
        fit(vectorize(found, recipe), labels, recipe)
        for recipe in (
            Recipe(features=features, steps=30),
            Recipe(features=features, steps=30, pair_prune=0.2),
        )
    )
    vocabulary = plain[0]
    is_pair = [" " in feature for feature in vocabulary]
    for index, pair in enumerate(is_pair):
        if pair:
            kept = plain[1][index][abs(plain[1][index]) >= 0.2]
            assert (pruned[1][index][pruned[1][index] != 0] == kept).all()
        else:
            assert (pruned[1][index] == plain[1][index]).all()
    assert (pruned[1] != 0).sum() < (plain[1] != 0).sum()

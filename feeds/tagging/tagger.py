"""The deterministic topic tagger: title + summary (+ hints, doc type) → tags, alert, reasons.

Every term of the taxonomy is found in one pass (`rules.TermMatcher`); the rules are then
evaluated over the small set of terms that matched. Scores combine independent evidence as
1 - Π(1 - weight); a topic is tagged when its score reaches the topic's threshold.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from feeds.tagging.alert import AlertRules, combine, first
from feeds.tagging.inflect import expand_all
from feeds.tagging.rules import Hits, TermMatcher
from feeds.tagging.similar import Similarity, load_similarity
from feeds.tagging.taxonomy import ALERT, Taxonomy, Topic, load_taxonomy, term_key

# Evidence weights (see taxonomy.toml for what each kind of evidence is).
STRONG_IN_TITLE = 0.95
STRONG_IN_SUMMARY = 0.8
WEAK_IN_TITLE = 0.3
WEAK_IN_SUMMARY = 0.25
RULE_SUMMARY_FACTOR = 0.9  # a rule whose anchor term is only in the summary
HINT = 0.3
MAX_TERM_REASONS = 3


@dataclass(frozen=True, slots=True)
class TagResult:
    tags: Mapping[str, float] = field(default_factory=dict)  # topic id -> score in (0, 1]
    alert: bool = False
    reasons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # topic or "alert"
    # Every topic with any evidence, tagged or not (for `tag --eval` and tuning).
    scores: Mapping[str, float] = field(default_factory=dict)
    alert_score: float = 0.0


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    anchors: tuple[str, ...]
    anchor_set: frozenset[str]
    groups: tuple[tuple[str, ...], ...]
    group_sets: tuple[frozenset[str], ...]
    weight: float
    near: int | None
    after: bool


@dataclass(frozen=True, slots=True)
class _CompiledTopic:
    id: str
    threshold: float
    terms: tuple[str, ...]
    term_set: frozenset[str]
    weak: tuple[str, ...]
    weak_set: frozenset[str]
    exclude: tuple[str, ...]
    exclude_set: frozenset[str]
    rules: tuple[_CompiledRule, ...]
    # every term that can give the topic evidence: a text with none of them skips the topic
    triggers: frozenset[str]
    # a strong or weak term's place in the taxonomy: reasons follow the taxonomy's order
    order: Mapping[str, int]


def _near(
    hits: Hits, anchors: frozenset[str], group: frozenset[str], distance: int, after: bool
) -> bool:
    """Some anchor term and some group term start within `distance` characters (with `after`,
    the group term after the anchor)."""
    anchor_starts = [p for key in anchors.intersection(hits) for p in hits[key]]
    if not anchor_starts:
        return False
    low = 1 if after else -distance
    return any(
        low <= g - a <= distance
        for key in group.intersection(hits)
        for g in hits[key]
        for a in anchor_starts
    )


def _compile_topic(
    topic: Topic, keys: Callable[[Iterable[str]], tuple[str, ...]]
) -> _CompiledTopic:
    terms, weak, exclude = keys(topic.terms), keys(topic.weak), keys(topic.exclude)
    rules = []
    for rule in topic.rules:
        anchors = keys(rule.terms)
        groups = tuple(keys(group) for group in rule.groups)
        rules.append(
            _CompiledRule(
                anchors=anchors,
                anchor_set=frozenset(anchors),
                groups=groups,
                group_sets=tuple(frozenset(g) for g in groups),
                weight=rule.weight,
                near=rule.near,
                after=rule.after,
            )
        )
    return _CompiledTopic(
        id=topic.id,
        threshold=topic.threshold,
        terms=terms,
        term_set=frozenset(terms),
        weak=weak,
        weak_set=frozenset(weak),
        exclude=exclude,
        exclude_set=frozenset(exclude),
        rules=tuple(rules),
        triggers=frozenset((*terms, *weak, *(k for rule in rules for k in rule.anchors))),
        order={key: index for index, key in enumerate(dict.fromkeys((*terms, *weak)))},
    )


def _similar_reason(name: str, score: float) -> str:
    what = "alerts" if name == ALERT else name
    return f"similar to labelled examples of {what}, score {score:.2f}"


class Tagger:
    """A compiled taxonomy. Build it once (`load_tagger`); `tag` is cheap and thread-safe."""

    def __init__(self, taxonomy: Taxonomy, similarity: Similarity | None = None) -> None:
        self.taxonomy = taxonomy
        # The second opinion adds only what it has a threshold for, and only default topics.
        self._similarity = similarity
        self._similar_outputs: tuple[tuple[str, float], ...] = ()
        if similarity is not None:
            known = {*taxonomy.topic_ids(), ALERT} - taxonomy.customised
            self._similar_outputs = tuple(
                (name, threshold)
                for name, threshold in similarity.thresholds.items()
                if name in known and name != ALERT
            )
        self._similar_alert = (
            similarity.thresholds.get(ALERT)
            if similarity is not None and ALERT not in taxonomy.customised
            else None
        )
        alert = taxonomy.alert
        every_term: list[str] = [
            *alert.actors,
            *alert.instruments,
            *alert.actions,
            *alert.effects,
            *alert.non_actors,
            *alert.acts,
            *alert.hedges,
            *alert.questions,
            *alert.explainers,
        ]
        for topic in taxonomy.topics:
            every_term += [*topic.terms, *topic.weak, *topic.exclude]
            for rule in topic.rules:
                every_term += rule.terms
                for group in rule.groups:
                    every_term += group
        self._matcher = TermMatcher(expand_all(every_term))
        self._topics = tuple(_compile_topic(topic, self._keys) for topic in taxonomy.topics)
        self._exclusions = {topic.id: topic.exclude_set for topic in self._topics}
        self._alert = AlertRules.compile(alert, self._keys)

    def _keys(self, terms: Iterable[str]) -> tuple[str, ...]:
        """Terms as matcher keys, a `~` term standing for all its forms."""
        canonical = self._matcher.canonical
        return tuple(dict.fromkeys(canonical(term_key(term)) for term in expand_all(list(terms))))

    @property
    def topic_ids(self) -> tuple[str, ...]:
        return self.taxonomy.topic_ids()

    def _quote(self, key: str) -> str:
        return f'"{self._matcher.display(key)}"'

    def _topic_evidence(
        self,
        topic: _CompiledTopic,
        in_title: Hits,
        in_summary: Hits,
        found: set[str],
        hints: frozenset[str],
        *,
        explain: bool,
    ) -> tuple[float, list[str]]:
        """The topic's score, and with `explain` the reasons (only tagged topics need them)."""
        weights: list[float] = []
        reasons: list[str] = []
        strong = topic.term_set.intersection(found)
        if strong:
            ordered = sorted(strong, key=topic.order.__getitem__) if len(strong) > 1 else strong
            for key in ordered:
                weights.append(STRONG_IN_TITLE if key in in_title else STRONG_IN_SUMMARY)
                if explain and len(reasons) < MAX_TERM_REASONS:
                    reasons.append(f"term {self._quote(key)}")
        if not topic.exclude_set.isdisjoint(found):
            # Exclusions silence the weaker evidence; a strong term still speaks.
            return combine(weights), reasons
        weak = topic.weak_set.intersection(found)
        if weak:
            for key in sorted(weak, key=topic.order.__getitem__) if len(weak) > 1 else weak:
                weights.append(WEAK_IN_TITLE if key in in_title else WEAK_IN_SUMMARY)
                if explain:
                    reasons.append(f"weak term {self._quote(key)}")
        for rule in topic.rules:
            if rule.anchor_set.isdisjoint(found):
                continue
            if any(group.isdisjoint(found) for group in rule.group_sets):
                continue
            if rule.near is not None and not (
                _near(in_title, rule.anchor_set, rule.group_sets[0], rule.near, rule.after)
                or _near(in_summary, rule.anchor_set, rule.group_sets[0], rule.near, rule.after)
            ):
                continue
            in_head = not rule.anchor_set.isdisjoint(in_title)
            weights.append(rule.weight if in_head else rule.weight * RULE_SUMMARY_FACTOR)
            if explain:
                parts = [first(rule.anchors, found)] + [first(g, found) for g in rule.groups]
                reasons.append("context: " + " + ".join(self._quote(p) for p in parts))
        if topic.id in hints:
            weights.append(HINT)
            if explain:
                reasons.append(f"hint: {topic.id}")
        return combine(weights), reasons

    def _add_similar(
        self,
        similar: Mapping[str, float],
        found: set[str],
        tags: dict[str, float],
        scores: dict[str, float],
        reasons: dict[str, tuple[str, ...]],
    ) -> None:
        """Topics the rules missed and the model is confident of; never one the rules exclude
        ("talent show" still silences talent-programs)."""
        for name, threshold in self._similar_outputs:
            score = similar.get(name, 0.0)
            if name in tags or score < threshold:
                continue
            if not self._exclusions[name].isdisjoint(found):
                continue
            tags[name] = scores[name] = round(score, 4)
            reasons[name] = (_similar_reason(name, score),)

    def tag(
        self,
        title: str,
        summary: str = "",
        *,
        hints: Sequence[str] = (),
        doc_type: str | None = None,
        language: str | None = None,  # accepted for the interface; terms cover both scripts
    ) -> TagResult:
        in_title = self._matcher.find(title)
        in_summary = self._matcher.find(summary) if summary else {}
        found = set(in_title).union(in_summary)
        hint_set = frozenset(hints)
        tags: dict[str, float] = {}
        scores: dict[str, float] = {}
        reasons: dict[str, tuple[str, ...]] = {}
        for topic in self._topics:
            if topic.triggers.isdisjoint(found) and topic.id not in hint_set:
                continue
            score, _ = self._topic_evidence(
                topic, in_title, in_summary, found, hint_set, explain=False
            )
            if score <= 0:
                continue
            scores[topic.id] = score
            if score >= topic.threshold:
                tags[topic.id] = score
                _, why = self._topic_evidence(
                    topic, in_title, in_summary, found, hint_set, explain=True
                )
                reasons[topic.id] = tuple(why)
        similar: dict[str, float] = {}
        if self._similarity is not None:
            similar = self._similarity.scores(title, summary)
            self._add_similar(similar, found, tags, scores, reasons)
        alert_score = 0.0
        alert = False
        if tags:
            question = "?" in title or "？" in title
            alert_score, why = self._alert.judge(in_title, found, doc_type, question, self._quote)
            alert = alert_score >= self._alert.threshold
            if alert:
                reasons[ALERT] = tuple(why)
            elif (
                self._similar_alert is not None
                and similar.get(ALERT, 0.0) >= self._similar_alert
                and not self._alert.hedged_title(in_title, question)
            ):
                alert = True
                reasons[ALERT] = (_similar_reason(ALERT, similar[ALERT]),)
        return TagResult(
            tags=tags, alert=alert, reasons=reasons, scores=scores, alert_score=alert_score
        )


def load_tagger(overrides: Mapping[str, Any] | None = None) -> Tagger:
    """The default taxonomy with the config's `[taxonomy]` overrides, compiled.

    Compiling takes about a tenth of a second, so the result is cached per distinct overrides
    (a Tagger is never changed after it is built, and is safe to share between threads).
    Raises `storage.errors.ConfigError` naming the key of a bad override.
    """
    return _load_tagger(json.dumps(overrides or {}, sort_keys=True, default=repr))


@lru_cache(maxsize=8)
def _load_tagger(overrides_json: str) -> Tagger:
    taxonomy = load_taxonomy(json.loads(overrides_json))
    return Tagger(taxonomy, load_similarity() if taxonomy.similar else None)

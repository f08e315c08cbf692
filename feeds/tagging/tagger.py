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

from feeds.tagging.alert import AlertRules, Ground, combine, first
from feeds.tagging.compiled import (
    ANCHOR,
    EXCLUDE,
    STRONG,
    VETO,
    VETOED,
    WEAK,
    CompiledRule,
    CompiledTopic,
    Found,
    apart,
    compile_topic,
    near,
)
from feeds.tagging.inflect import expand_all
from feeds.tagging.model_thresholds import ModelThresholds
from feeds.tagging.rules import Hits, TermMatcher
from feeds.tagging.similar import SecondOpinion, customised, load_similarity
from feeds.tagging.taxonomy import ALERT, Taxonomy, load_taxonomy, term_key

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
    # What the learned second opinion removed from the rules' answer (topic or "alert"; only
    # with `second_opinion_may_remove`): why first, then the rules' own reasons.
    removed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class _Worded(dict[str, str]):
    """Term key -> words about the term as written in the taxonomy (`template` holds "{}" for
    it), made at load for every key the matcher knows; any other key is worded when asked."""

    def __init__(self, template: str, display: Callable[[str], str], keys: Iterable[str]) -> None:
        super().__init__((key, template.format(display(key))) for key in keys)
        self._template = template
        self._display = display

    def __missing__(self, key: str) -> str:
        return self._template.format(self._display(key))


class Tagger:
    """A compiled taxonomy. Build it once (`load_tagger`); `tag` is cheap and thread-safe.

    With `similarity`, a learned second opinion may add a topic or the alert flag that the
    rules missed, except for what `customised` names: the config redefined those, and the
    model learned the shipped definitions. With `may_remove` too, it also removes a topic or
    the alert flag the rules gave that it scores below its doubt threshold (off by default:
    issue 9 asks that the model only add).
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        similarity: SecondOpinion | None = None,
        *,
        customised: Iterable[str] = (),
        may_remove: bool = False,
    ) -> None:
        self.taxonomy = taxonomy
        self.similarity = similarity
        self.may_remove = may_remove and similarity is not None
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
            *alert.corrections,
            *alert.reactions,
            *alert.novelty,
            *alert.object_markers,
            *alert.places,
        ]
        for topic in taxonomy.topics:
            every_term += [*topic.terms, *topic.weak, *topic.exclude, *topic.veto]
            for rule in topic.rules:
                every_term += rule.terms
                for group in rule.groups:
                    every_term += group
        self._matcher = TermMatcher(expand_all(every_term))
        display = self._matcher.display
        # A term's reasons, worded once here rather than for every item it tags.
        keys = tuple(self._matcher.term_keys())
        self._quoted = _Worded('"{}"', display, keys)
        self._term_reasons = _Worded('term "{}"', display, keys)
        self._weak_reasons = _Worded('weak term "{}"', display, keys)
        self._topics = tuple(compile_topic(topic, self._keys) for topic in taxonomy.topics)
        self._exclusions = {topic.id: topic.exclude_set for topic in self._topics}
        self._model = ModelThresholds()
        if similarity is not None:
            known = {*taxonomy.topic_ids(), ALERT} - set(customised)
            self._model = ModelThresholds.of(
                similarity, known, self._exclusions, may_remove=may_remove
            )
        self._hinted_numbers = {topic.id: number for number, topic in enumerate(self._topics)}
        # term key -> (topic number, STRONG/WEAK/EXCLUDE/ANCHOR/VETO, rule number or -1, the
        # key again: `_gather` reaches the entries without the key)
        index: dict[str, set[tuple[int, int, int, str]]] = {}
        for number, compiled in enumerate(self._topics):
            for kind, keys in ((STRONG, compiled.terms), (WEAK, compiled.weak)):
                for key in keys:
                    index.setdefault(key, set()).add((number, kind, -1, key))
            for key in compiled.exclude:
                index.setdefault(key, set()).add((number, EXCLUDE, -1, key))
            for key in compiled.veto:
                index.setdefault(key, set()).add((number, VETO, -1, key))
            for rule_number, compiled_rule in enumerate(compiled.rules):
                for key in compiled_rule.anchors:
                    index.setdefault(key, set()).add((number, ANCHOR, rule_number, key))
        self._index = {key: tuple(sorted(entries)) for key, entries in index.items()}
        self._alert = AlertRules.compile(alert, self._keys, self._matcher.term_keys())

    def _keys(self, terms: Iterable[str]) -> tuple[str, ...]:
        """Terms as matcher keys, a `~` term standing for all its forms."""
        canonical = self._matcher.canonical
        return tuple(dict.fromkeys(canonical(term_key(term)) for term in expand_all(list(terms))))

    @property
    def topic_ids(self) -> tuple[str, ...]:
        return self.taxonomy.topic_ids()

    def _quote(self, key: str) -> str:
        return self._quoted[key]

    def _gather(self, found: set[str]) -> tuple[dict[int, Found], set[int]]:
        """One pass over the terms found sorts them by what they are to which topic; the
        topics an exclusion matched are returned apart (most have no other evidence, and need
        no `Found`); a topic a veto matched holds `VETOED`, whatever else was found."""
        held: dict[int, Found] = {}
        excluded: set[int] = set()
        vetoed: list[int] = []  # rare: checked once at the end, not for every term
        # Most terms found are the alert's alone: map and filter skip them in C.
        for entries in filter(None, map(self._index.get, found)):
            for number, kind, rule, key in entries:
                if kind == EXCLUDE:
                    excluded.add(number)
                    continue
                if kind == VETO:
                    vetoed.append(number)
                    excluded.add(number)
                    continue
                evidence = held.get(number)
                if evidence is None:
                    evidence = held[number] = Found()
                if kind == ANCHOR:
                    evidence.anchored.add(rule)
                elif kind == STRONG:
                    evidence.strong.append(key)
                else:
                    evidence.weak.append(key)
        for number in vetoed:  # ruled out whatever else was found
            held[number] = VETOED
        return held, excluded

    def _topic_score(
        self,
        topic: CompiledTopic,
        in_title: Hits,
        in_summary: Hits,
        found: set[str],
        held: Found,
        *,
        hints: frozenset[str],
    ) -> tuple[float, list[CompiledRule]]:
        """The topic's score, and the context rules that applied (for its reasons)."""
        weights: list[float] = []
        applied: list[CompiledRule] = []
        if held.strong:
            _weigh(held.strong, topic, in_title, (STRONG_IN_TITLE, STRONG_IN_SUMMARY), weights)
        anchored = held.anchored
        if held.excluded:
            # Exclusions silence the weaker evidence; a strong term still speaks, and so does
            # a rule whose context makes the excluded subject the topic's.
            if topic.unexcluded.isdisjoint(anchored):
                return combine(weights), applied
            anchored = anchored & topic.unexcluded
        elif held.weak:
            _weigh(held.weak, topic, in_title, (WEAK_IN_TITLE, WEAK_IN_SUMMARY), weights)
        for index in sorted(anchored) if len(anchored) > 1 else anchored:
            rule = topic.rules[index]
            group = rule.group
            if group is not None:
                if group.isdisjoint(found):
                    continue
            elif any(map(found.isdisjoint, rule.checks)):
                continue
            if rule.near is not None and not (
                near(in_title, rule.anchor_set, rule.group_sets[0], rule.near, rule.after)
                or near(in_summary, rule.anchor_set, rule.group_sets[0], rule.near, rule.after)
            ):
                continue
            if rule.overlapping and not apart(rule, in_title, in_summary):
                continue
            in_head = not rule.anchor_set.isdisjoint(in_title)
            weights.append(rule.weight if in_head else rule.weight * RULE_SUMMARY_FACTOR)
            applied.append(rule)
        if topic.id in hints and not held.excluded:  # exclusions silence hints too
            weights.append(HINT)
        return (combine(weights) if weights else 0.0), applied

    def _topic_reasons(
        self,
        topic: CompiledTopic,
        found: set[str],
        hints: frozenset[str],
        held: Found,
        applied: list[CompiledRule],
    ) -> tuple[str, ...]:
        """Why a tagged topic was tagged, in the order of the evidence (`_topic_score` has put
        the terms in the taxonomy's order)."""
        quoted = self._quoted
        reasons = list(map(self._term_reasons.__getitem__, held.strong[:MAX_TERM_REASONS]))
        if not held.excluded:
            reasons += map(self._weak_reasons.__getitem__, held.weak)
        for rule in applied:  # under an exclusion, only rules that count despite it applied
            reason = "context: " + quoted[first(rule.anchors, rule.anchor_set & found)]
            for places, group in rule.placed_groups:
                reason += " + " + quoted[first(places, group & found)]
            reasons.append(reason)
        if topic.id in hints and not held.excluded:  # as in the score: exclusions silence hints
            reasons.append(f"hint: {topic.id}")
        return tuple(reasons)

    def tag(
        self,
        title: str,
        summary: str = "",
        *,
        hints: Sequence[str] = (),
        doc_type: str | None = None,
        language: str | None = None,  # accepted for the interface; terms cover both scripts
    ) -> TagResult:
        in_title, title_words = self._matcher.find_words(title)
        if summary:
            in_summary, summary_words = self._matcher.find_words(summary)
        else:
            in_summary, summary_words = {}, []
        found = set(in_title).union(in_summary)
        hint_set = frozenset(hints)
        tags: dict[str, float] = {}
        scores: dict[str, float] = {}
        reasons: dict[str, tuple[str, ...]] = {}
        held, excluded = self._gather(found)
        if hint_set:  # a hinted topic scores its hint even with no term found
            numbers = self._hinted_numbers
            for topic_id in hint_set:
                number = numbers.get(topic_id)
                if number is not None and number not in held:
                    held[number] = Found()
        # Topics in the taxonomy's order, as their tags and reasons are reported.
        for number in sorted(held) if len(held) > 1 else held:
            topic = self._topics[number]
            evidence = held[number]
            if number in excluded:
                if not evidence.strong and topic.unexcluded.isdisjoint(evidence.anchored):
                    continue  # exclusions silence all but strong terms: the score is 0
                evidence.excluded = True
            score, applied = self._topic_score(
                topic, in_title, in_summary, found, evidence, hints=hint_set
            )
            if score <= 0:
                continue
            scores[topic.id] = score
            if score >= topic.threshold:
                tags[topic.id] = score
                reasons[topic.id] = self._topic_reasons(topic, found, hint_set, evidence, applied)
        alert_score = 0.0
        grounds: list[Ground] = []
        # The rules judge the alert of what is in scope: what they tagged now, what only the
        # model tags once it has (it reads the rules' scores as they stand before that).
        judged = bool(tags)
        if judged:
            alert_score, grounds = self._alert.judge(title, in_title, found, doc_type, in_summary)
        logits, alert_doubted = None, False
        removed: dict[str, tuple[str, ...]] = {}
        if self.similarity is not None:
            # the model reads the rules' scores as they stand before it adds anything
            logits = self.similarity.logits(
                title, summary, scores, alert_score, words=(title_words, summary_words)
            )
            if logits is not None:
                alert_doubted = self._model.apply(
                    logits, found, tags, scores, reasons, removed=removed
                )
        if tags and not judged:
            alert_score, grounds = self._alert.judge(title, in_title, found, doc_type, in_summary)
        alert = bool(tags) and self._flag(
            title,
            in_title,
            alert_score,
            grounds,
            logits,
            doubted=alert_doubted,
            reasons=reasons,
            removed=removed,
        )
        # Positional, in the fields' order: keywords cost more than the rest of the call.
        return TagResult(tags, alert, reasons, scores, alert_score, removed)

    def _flag(
        self,
        title: str,
        in_title: Hits,
        alert_score: float,
        grounds: list[Ground],
        logits: Sequence[float] | None,
        *,
        doubted: bool,
        reasons: dict[str, tuple[str, ...]],
        removed: dict[str, tuple[str, ...]],
    ) -> bool:
        """The alert flag of an item in scope, its reasons put in `reasons` (or, when the model
        doubted the rules' flag, in `removed`)."""
        flagged = alert_score >= self._alert.threshold
        if flagged and not doubted:
            reasons[ALERT] = self._alert.reasons(grounds, self._quoted.__getitem__)
            return True
        if logits is None:
            return False
        if flagged:  # the rules flagged it, the model doubted it
            why = self._model.alert_doubt_reason(logits)
            removed[ALERT] = (why, *self._alert.reasons(grounds, self._quoted.__getitem__))
            return False
        # the model may flag what the rules did not, but not a question or opinion
        added = self._model.alert_reason(logits)
        if added is None or self._alert.hedged(title, in_title):
            return False
        reasons[ALERT] = added
        return True


def _weigh(
    keys: list[str],
    topic: CompiledTopic,
    in_title: Hits,
    title_and_summary: tuple[float, float],
    weights: list[float],
) -> None:
    """Each term's weight, by where it was found, added to `weights`; the terms are put in the
    taxonomy's order in place, as the reasons follow it too."""
    if len(keys) > 1:
        keys.sort(key=topic.order.__getitem__)
    in_head, in_body = title_and_summary
    for key in keys:
        weights.append(in_head if key in in_title else in_body)


def load_tagger(
    overrides: Mapping[str, Any] | None = None,
    *,
    second_opinion: bool = True,
    may_remove: bool = False,
) -> Tagger:
    """The default taxonomy with the config's `[taxonomy]` overrides, compiled, with the
    learned second opinion unless `second_opinion` is false (the config's
    `[tagger] second_opinion`, `tag --eval --rules-only`), allowed to remove what it doubts
    when `may_remove` is true (`[tagger] second_opinion_may_remove`).

    Compiling takes about a tenth of a second, so the result is cached per distinct overrides
    (a Tagger is never changed after it is built, and is safe to share between threads).
    Raises `storage.errors.ConfigError` naming the key of a bad override.
    """
    overrides_json = json.dumps(overrides or {}, sort_keys=True, default=repr)
    return _load_tagger(overrides_json, second_opinion, may_remove)


@lru_cache(maxsize=8)
def _load_tagger(overrides_json: str, second_opinion: bool, may_remove: bool) -> Tagger:
    overrides = json.loads(overrides_json)
    taxonomy = load_taxonomy(overrides)
    if not second_opinion:
        return Tagger(taxonomy)
    return Tagger(
        taxonomy, load_similarity(), customised=customised(overrides), may_remove=may_remove
    )

"""Where the tagger acts on the learned second opinion's scores: the topics and the alert flag
it may add, and, when the config lets it remove, the rules' answers it doubts.

Thresholds are held as log-odds, so that an item's scores are compared without exp(); only
what passes is turned into a probability, for its reason.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from feeds.tagging.similar import SecondOpinion, log_odds, probability
from feeds.tagging.taxonomy import ALERT

Place = tuple[int, float]  # (the output's number in the model's scores, threshold as log-odds)


def similar_reason(name: str, score: float) -> str:
    """The reason given for what the model added."""
    what = "alerts" if name == ALERT else name
    return f"similar to labelled examples of {what}, score {score:.2f} (learned model)"


def doubt_reason(name: str, score: float, threshold: float) -> str:
    """The reason given for what the model removed (`second_opinion_may_remove`)."""
    what = "alerts" if name == ALERT else name
    return (
        f"removed: unlike labelled examples of {what}, score {score:.2f} under "
        f"{threshold:.2f} (learned model)"
    )


@dataclass(frozen=True, slots=True)
class ModelThresholds:
    # (output number, topic id, threshold) for each topic the model may add
    add_topics: tuple[tuple[int, str, float], ...] = ()
    add_alert: Place | None = None
    doubt_topics: Mapping[str, Place] = field(default_factory=dict)
    doubt_alert: Place | None = None
    # topic id -> the terms that rule it out: the model never adds a topic they exclude
    exclusions: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        model: SecondOpinion,
        known: Collection[str],
        exclusions: Mapping[str, frozenset[str]],
        *,
        may_remove: bool,
    ) -> ModelThresholds:
        """The model's thresholds for the outputs in `known` (what the config left as
        shipped), its doubts only when it `may_remove`."""
        add_topics: list[tuple[int, str, float]] = []
        add_alert = doubt_alert = None
        doubt_topics: dict[str, Place] = {}
        for number, name in enumerate(model.outputs):
            if name not in known:
                continue
            threshold = model.thresholds.get(name)
            if threshold is not None:
                if name == ALERT:
                    add_alert = (number, log_odds(threshold))
                else:
                    add_topics.append((number, name, log_odds(threshold)))
            doubt = model.doubts.get(name) if may_remove else None
            if doubt is not None:
                if name == ALERT:
                    doubt_alert = (number, log_odds(doubt))
                else:
                    doubt_topics[name] = (number, log_odds(doubt))
        return cls(tuple(add_topics), add_alert, doubt_topics, doubt_alert, exclusions)

    def apply(
        self,
        logits: Sequence[float],
        found: set[str],
        tags: dict[str, float],
        scores: dict[str, float],
        reasons: dict[str, tuple[str, ...]],
        *,
        removed: dict[str, tuple[str, ...]],
    ) -> bool:
        """Removes the rules' topics the model doubts (into `removed`, with why, and the rules'
        reasons after), then adds those it is confident of; returns whether it doubts the
        alert."""
        doubted = self.doubt_topics
        if doubted and tags:
            for name in [name for name in tags if name in doubted]:
                number, threshold = doubted[name]
                if logits[number] < threshold:
                    del tags[name]
                    why = doubt_reason(name, probability(logits[number]), probability(threshold))
                    removed[name] = (why, *reasons.pop(name))
        for number, name, threshold in self.add_topics:
            if name in tags or logits[number] < threshold:
                continue
            # never a topic the rules exclude ("talent show" still silences talent-programs)
            if not self.exclusions[name].isdisjoint(found):
                continue
            score = probability(logits[number])
            tags[name] = scores[name] = round(score, 4)
            reasons[name] = (similar_reason(name, score),)
        doubt = self.doubt_alert
        return doubt is not None and logits[doubt[0]] < doubt[1]

    def alert_doubt_reason(self, logits: Sequence[float]) -> str:
        """Why the model removed the rules' alert (only asked once it has)."""
        assert self.doubt_alert is not None
        number, threshold = self.doubt_alert
        return doubt_reason(ALERT, probability(logits[number]), probability(threshold))

    def alert_reason(self, logits: Sequence[float]) -> tuple[str, ...] | None:
        """The reason for an alert the model adds, or None when it adds none."""
        place = self.add_alert
        if place is None or logits[place[0]] < place[1]:
            return None
        return (similar_reason(ALERT, probability(logits[place[0]])),)

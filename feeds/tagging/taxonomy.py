"""The taxonomy: the default data file, the `[taxonomy]` overrides from config, and validation.

Both the shipped `taxonomy.toml` and a user's overrides are validated here (their shapes are
in feeds/tagging/specs.py); a problem becomes a `ConfigError` whose one-line message names the
key, e.g.
`taxonomy.topics.visa-policy.drop_terms: 'foo' is not a term of visa-policy`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pydantic import ValidationError

from feeds.tagging.specs import (
    AlertOverride,
    AlertSpec,
    TaxonomyOverride,
    TaxonomySpec,
    Terms,
    TopicOverride,
    TopicSpec,
)
from storage.errors import ConfigError

ALERT = "alert"
_TOPIC_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


@dataclass(frozen=True, slots=True)
class Rule:
    """A context rule with its groups expanded: `terms` count only if every group matched."""

    terms: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    weight: float
    near: int | None = None
    after: bool = False
    despite_exclusions: bool = False


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    label: str
    description: str
    threshold: float
    terms: tuple[str, ...]
    weak: tuple[str, ...]
    exclude: tuple[str, ...]
    rules: tuple[Rule, ...]
    veto: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """A validated taxonomy, `@group` references expanded, ready to compile."""

    topics: tuple[Topic, ...]
    alert: AlertSpec

    def topic_ids(self) -> tuple[str, ...]:
        return tuple(topic.id for topic in self.topics)


def term_key(term: str) -> str:
    """How two spellings of a term are recognised as the same one (for drop_* and dedup)."""
    folded = " ".join(term.replace("-", " ").split())
    return folded if is_exact(folded) else folded.lower()


def is_exact(term: str) -> bool:
    """Terms whose letters are all capitals (OPT, NIH, H-1B) match case-sensitively."""
    letters = [c for c in term if c.isascii() and c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _fail(path: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {message}")


def _validation_message(error: ValidationError, prefix: str) -> str:
    first = error.errors()[0]
    location = prefix
    for part in first["loc"]:
        location += f"[{part}]" if isinstance(part, int) else f".{part}"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{location}: {message}"


def default_spec() -> TaxonomySpec:
    text = resources.files(__package__).joinpath("taxonomy.toml").read_text("utf-8")
    try:
        return TaxonomySpec.model_validate(tomllib.loads(text))
    except ValidationError as exc:  # a broken shipped file is a bug, but say where
        raise ConfigError(_validation_message(exc, "taxonomy.toml")) from None


def _unique(terms: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for term in terms:
        seen.setdefault(term_key(term), term)
    return tuple(seen.values())


def _base_key(term: str) -> str:
    """A term's key without a plural ending: dropping "visa" drops "visas" too, since the
    matcher treats them as one term."""
    key = term_key(term).replace("~", "")
    for ending in ("es", "s"):
        if key.endswith(ending) and len(key) > len(ending) + 2:
            return key[: -len(ending)]
    return key


def _drop(terms: tuple[str, ...], dropped: set[str]) -> tuple[str, ...]:
    return tuple(
        term for term in terms if term_key(term) not in dropped and _base_key(term) not in dropped
    )


def _override_topic(base: TopicSpec, change: TopicOverride, path: str, topic_id: str) -> TopicSpec:
    terms = change.terms if change.terms is not None else base.terms
    weak = change.weak if change.weak is not None else base.weak
    exclude = change.exclude if change.exclude is not None else base.exclude
    rules = change.rules if change.rules is not None else base.rules
    dropped = {term_key(term) for term in change.drop_terms}
    dropped |= {_base_key(term) for term in change.drop_terms}
    listed = (*terms, *weak, *(t for r in rules for t in r.terms))
    known = {term_key(t) for t in listed} | {_base_key(t) for t in listed}
    for term in change.drop_terms:
        if term_key(term) not in known:
            raise _fail(f"{path}.drop_terms", f"{term!r} is not a term of {topic_id}")
    dropped_exclusions = _checked_drops(
        exclude, change.drop_exclude, f"{path}.drop_exclude", f"an exclusion of {topic_id}"
    )
    veto = change.veto if change.veto is not None else base.veto
    dropped_vetoes = _checked_drops(
        veto, change.drop_veto, f"{path}.drop_veto", f"a veto of {topic_id}"
    )
    kept_rules = []
    for rule in (*rules, *change.add_rules):
        anchors = _drop(rule.terms, dropped)
        if anchors:
            kept_rules.append(rule.model_copy(update={"terms": anchors}))
    return TopicSpec(
        label=change.label if change.label is not None else base.label,
        description=change.description if change.description is not None else base.description,
        threshold=change.threshold if change.threshold is not None else base.threshold,
        terms=_unique(_drop((*terms, *change.add_terms), dropped)),
        weak=_unique(_drop((*weak, *change.add_weak), dropped)),
        exclude=_unique(_drop((*exclude, *change.add_exclude), dropped_exclusions)),
        veto=_unique(_drop((*veto, *change.add_veto), dropped_vetoes)),
        rules=tuple(kept_rules),
    )


def _checked_drops(current: Terms, dropped: Terms, path: str, what: str) -> set[str]:
    """The keys of `dropped`, each of which must be one of `current`: else a config error
    saying the term is not `what` ("an exclusion of visa-policy")."""
    known = {term_key(t) for t in current}
    for term in dropped:
        if term_key(term) not in known:
            raise _fail(path, f"{term!r} is not {what}")
    return {term_key(term) for term in dropped}


_ALERT_LISTS = (
    "actors",
    "instruments",
    "actions",
    "acts",
    "effects",
    "non_actors",
    "hedges",
    "questions",
    "explainers",
    "corrections",
    "reactions",
    "novelty",
    "object_markers",
    "places",
)


def _override_alert(base: AlertSpec, change: AlertOverride) -> AlertSpec:
    lists: dict[str, tuple[str, ...]] = {}
    for name in _ALERT_LISTS:
        current: tuple[str, ...] = getattr(base, name)
        removed: tuple[str, ...] = getattr(change, f"drop_{name}")
        known = {term_key(term) for term in current} | {_base_key(term) for term in current}
        for term in removed:
            if term_key(term) not in known:
                raise _fail(f"taxonomy.alert.drop_{name}", f"{term!r} is not one of the {name}")
        added: tuple[str, ...] = getattr(change, f"add_{name}")
        dropped = {term_key(t) for t in removed} | {_base_key(t) for t in removed}
        lists[name] = _unique(_drop((*current, *added), dropped))
    return AlertSpec(
        threshold=change.threshold if change.threshold is not None else base.threshold,
        doc_types={**base.doc_types, **change.doc_types},
        **lists,
    )


def apply_overrides(spec: TaxonomySpec, overrides: Mapping[str, Any] | None) -> TaxonomySpec:
    """The default taxonomy with the config's `[taxonomy]` table applied."""
    if not overrides:
        return spec
    try:
        change = TaxonomyOverride.model_validate(dict(overrides))
    except ValidationError as exc:
        raise ConfigError(_validation_message(exc, "taxonomy")) from None
    topics = dict(spec.topics)
    for topic_id, topic_change in change.topics.items():
        path = f"taxonomy.topics.{topic_id}"
        if topic_id == ALERT or not _TOPIC_ID.fullmatch(topic_id):
            raise _fail(path, "a topic id is lower-case letters, digits and hyphens, not 'alert'")
        if not topic_change.enabled:
            if topic_id not in topics:
                raise _fail(f"{path}.enabled", f"there is no topic {topic_id!r} to disable")
            del topics[topic_id]
            continue
        topics[topic_id] = _override_topic(
            topics.get(topic_id, TopicSpec()), topic_change, path, topic_id
        )
        if not (topics[topic_id].terms or topics[topic_id].rules or topics[topic_id].weak):
            raise _fail(path, "a topic needs at least one of terms, weak or rules")
    return TaxonomySpec(
        threshold=change.threshold if change.threshold is not None else spec.threshold,
        groups={**spec.groups, **change.groups},
        topics=topics,
        alert=_override_alert(spec.alert, change.alert),
    )


def _expand(
    group: tuple[str, ...], groups: Mapping[str, tuple[str, ...]], path: str
) -> tuple[str, ...]:
    terms: list[str] = []
    for term in group:
        if term.startswith("@"):
            name = term[1:]
            if name not in groups:
                raise _fail(path, f"unknown group {term!r} (known: {', '.join(groups) or 'none'})")
            terms.extend(groups[name])
        else:
            terms.append(term)
    return _unique(terms)


def build_taxonomy(spec: TaxonomySpec) -> Taxonomy:
    """Resolve thresholds and `@group` references into the form the tagger compiles."""
    topics = []
    for topic_id, topic in spec.topics.items():
        rules = []
        for index, rule in enumerate(topic.rules):
            path = f"taxonomy.topics.{topic_id}.rules[{index}]"
            rules.append(
                Rule(
                    terms=_expand(rule.terms, spec.groups, f"{path}.terms"),
                    groups=tuple(_expand(g, spec.groups, f"{path}.with") for g in rule.with_),
                    weight=rule.weight,
                    near=rule.near,
                    after=rule.after,
                    despite_exclusions=rule.despite_exclusions,
                )
            )
        topics.append(
            Topic(
                id=topic_id,
                label=topic.label or topic_id,
                description=topic.description,
                threshold=topic.threshold if topic.threshold is not None else spec.threshold,
                terms=topic.terms,
                weak=topic.weak,
                exclude=topic.exclude,
                rules=tuple(rules),
                veto=topic.veto,
            )
        )
    return Taxonomy(topics=tuple(topics), alert=spec.alert)


def load_taxonomy(overrides: Mapping[str, Any] | None = None) -> Taxonomy:
    return build_taxonomy(apply_overrides(default_spec(), overrides))

"""The taxonomy: the default data file, the `[taxonomy]` overrides from config, and validation.

Both the shipped `taxonomy.toml` and a user's overrides are validated here; a problem becomes a
`ConfigError` whose one-line message names the key, e.g.
`taxonomy.topics.visa-policy.drop_terms: 'foo' is not a term of visa-policy`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from storage.errors import ConfigError

ALERT = "alert"
_TOPIC_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_MAX_TERM = 120


# `revoke~`: the word and its inflections (feeds/tagging/inflect.py); only on a Latin word.
_MARKED_WORD = re.compile(r"[A-Za-z][A-Za-z-]*~")


def _clean_term(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a string")
    term = " ".join(value.split())
    if not term:
        raise ValueError("a term cannot be empty")
    if len(term) > _MAX_TERM:
        raise ValueError(f"{term[:30]!r}… is longer than {_MAX_TERM} characters")
    for word in term.split(" "):
        if "~" in word and not _MARKED_WORD.fullmatch(word):
            raise ValueError(f"{term!r}: '~' goes at the end of an English word (revoke~)")
    return term


Term = Annotated[str, BeforeValidator(_clean_term)]
Terms = tuple[Term, ...]
Weight = Annotated[float, Field(gt=0, le=1)]


def _groups(value: Any) -> Any:
    """`with` is one list of terms, or a list of groups that must all match, where a group is
    a list of terms or one "@name" reference."""
    if not isinstance(value, list | tuple) or not value:
        return value
    if all(isinstance(v, str) for v in value):
        return (tuple(value),)
    return tuple((v,) if isinstance(v, str) else v for v in value)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RuleSpec(_Spec):
    terms: Annotated[Terms, Field(min_length=1)]
    with_: Annotated[
        tuple[Annotated[Terms, Field(min_length=1)], ...], BeforeValidator(_groups)
    ] = Field(default=(), alias="with")
    weight: Weight = 0.8
    # The first `with` group must occur within this many characters of the term, in the same
    # title or summary ("returned to … Tsinghua", not "returned" in one sentence and "China"
    # in another).
    near: Annotated[int, Field(ge=1, le=1000)] | None = None
    # With `near`: the first group must come after the term ("joins Tsinghua", "leaves Harvard
    # for …"), not before it ("students from China … join a US lab").
    after: bool = False


class TopicSpec(_Spec):
    label: str = ""
    description: str = ""
    threshold: Weight | None = None
    terms: Terms = ()
    weak: Terms = ()
    exclude: Terms = ()
    veto: Terms = ()
    rules: tuple[RuleSpec, ...] = ()


class AlertSpec(_Spec):
    threshold: Weight = 0.5
    actors: Terms = ()
    instruments: Terms = ()
    actions: Terms = ()
    acts: Terms = ()
    effects: Terms = ()
    non_actors: Terms = ()
    hedges: Terms = ()
    questions: Terms = ()
    explainers: Terms = ()
    corrections: Terms = ()
    reactions: Terms = ()
    novelty: Terms = ()
    object_markers: Terms = ()
    places: Terms = ()
    doc_types: dict[str, Weight] = Field(default_factory=dict)


class TaxonomySpec(_Spec):
    threshold: Weight = 0.5
    groups: dict[str, Terms] = Field(default_factory=dict)
    topics: dict[str, TopicSpec] = Field(default_factory=dict)
    alert: AlertSpec = AlertSpec()


# The overrides: the same keys, plus add_*/drop_* to edit a list instead of replacing it.
class TopicOverride(_Spec):
    enabled: bool = True
    label: str | None = None
    description: str | None = None
    threshold: Weight | None = None
    terms: Terms | None = None
    weak: Terms | None = None
    exclude: Terms | None = None
    veto: Terms | None = None
    rules: tuple[RuleSpec, ...] | None = None
    add_terms: Terms = ()
    add_weak: Terms = ()
    add_exclude: Terms = ()
    add_veto: Terms = ()
    add_rules: tuple[RuleSpec, ...] = ()
    drop_terms: Terms = ()
    drop_exclude: Terms = ()
    drop_veto: Terms = ()


class AlertOverride(_Spec):
    threshold: Weight | None = None
    add_actors: Terms = ()
    add_instruments: Terms = ()
    add_actions: Terms = ()
    add_acts: Terms = ()
    add_effects: Terms = ()
    add_non_actors: Terms = ()
    add_hedges: Terms = ()
    add_questions: Terms = ()
    add_explainers: Terms = ()
    add_corrections: Terms = ()
    add_reactions: Terms = ()
    add_novelty: Terms = ()
    add_object_markers: Terms = ()
    add_places: Terms = ()
    drop_actors: Terms = ()
    drop_instruments: Terms = ()
    drop_actions: Terms = ()
    drop_acts: Terms = ()
    drop_effects: Terms = ()
    drop_non_actors: Terms = ()
    drop_hedges: Terms = ()
    drop_questions: Terms = ()
    drop_explainers: Terms = ()
    drop_corrections: Terms = ()
    drop_reactions: Terms = ()
    drop_novelty: Terms = ()
    drop_object_markers: Terms = ()
    drop_places: Terms = ()
    doc_types: dict[str, Weight] = Field(default_factory=dict)


class TaxonomyOverride(_Spec):
    threshold: Weight | None = None
    groups: dict[str, Terms] = Field(default_factory=dict)
    topics: dict[str, TopicOverride] = Field(default_factory=dict)
    alert: AlertOverride = AlertOverride()


@dataclass(frozen=True, slots=True)
class Rule:
    """A context rule with its groups expanded: `terms` count only if every group matched."""

    terms: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    weight: float
    near: int | None = None
    after: bool = False


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

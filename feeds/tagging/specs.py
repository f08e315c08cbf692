"""The shapes of the taxonomy: the shipped `taxonomy.toml` (`TaxonomySpec`) and the config's
`[taxonomy]` overrides (`TaxonomyOverride`), as pydantic models that validate every term."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

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
    # The rule counts even where one of the topic's exclusions matched: its context names what
    # the exclusion guards against and makes it the topic's ("a visa revoked over ties to a
    # university on the Entity List" is research security; the Entity List alone is not).
    despite_exclusions: bool = False


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

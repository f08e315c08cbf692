"""The alert flag: does an in-scope item report a concrete new or changed government action?

Evidence (vocabulary in taxonomy.toml's [alert] table):
- grounding: a government actor or an instrument must be named (a Federal Register document
  type of weight ≥ the threshold grounds too; so does an act of a court or prosecutor);
- an action ("revokes", "adds", "takes effect") or an act ("sentenced", "indicted") weighs
  0.8 in the title, 0.45 only in the summary; an effect told through the people a rule binds
  ("must now", "can no longer", "will need") counts as an action; an explainer of a rule in
  the title ("what employers need to know", "FAQ") weighs 0.45;
- a title whose verb has a non-government subject before it and no government actor before
  it ("Tech companies cut H-1B filings", "University suspends exchange") reports that
  subject's decision: its active verbs do not count (effects and acts still do), nor the rule
  it acts "under", nor an instrument it owns ("MIT's disclosure policy takes effect");
- "new" just before an instrument in the title ("New licence rule covers …") reports the
  instrument's arrival: it counts as an action in the title;
- a place (a country, province or city) is a government actor only as the subject right
  before a title's action ("US adds …", "Shenzhen raises …", 浙江推出 …); elsewhere it is
  where things happen ("labs in Beijing"), and inside a longer name found in the title it
  names that ("NYU Shanghai pauses …");
- hedges veto in the title and weaken in the summary (not one in quotation marks or inside a
  longer instrument's name: an order's "'AI talent surge'", a "new study-permit cap"; in a
  Chinese title, one in a clause after the action's only weakens: 提案废除OPT 留学生…恐断); question
  words and modals veto in the
  title, when they come before its first action, unless an explainer or proposal word is there
  too ("USCIS clarifies how …" reports; "How the fee will hit labs" does not); so does a
  question mark with no action after it ("Fixed terms for students? DHS revives plan" reports
  the plan), but a question about a new instrument whose issuing the item tells is an
  explainer ("What the new deemed-export rule means for labs"); a reaction ("responds to",
  "condemns", 坚决反对, a person turning an offer down) vetoes a title that names it before any
  action ("Ministry responds to listing": the reaction is the news, the listing background),
  and so does one voiced in a Chinese title's later clause by a speaker (… 外交部：坚决反对);
  so do "as", "after" and "amid" before the action they make background ("Applications fall
  as US visas tighten"), which without an action after them are mere prepositions (those
  vetoes: feeds/tagging/hedging.py).

A correction ("Correction:", 更正) at the start of a title reports again the story it corrects:
it weighs as an action in the title, and what it puts right ("Jan. 15, not Jan. 1") hedges
nothing. It still needs a government actor, an instrument or an act (the labelling
conventions: corrections follow the story they correct).

Whose action a title reports (a place's, a non-government subject's, no one's but the
instrument's): feeds/tagging/subjects.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from feeds.tagging.hedging import Hedging
from feeds.tagging.rules import Hits
from feeds.tagging.specs import AlertSpec
from feeds.tagging.subjects import NOVELTY_REACH, Subjects
from feeds.tagging.title_positions import chinese, in_names, in_remark, in_title_order, inside

# One piece of alert evidence: its kind, its vocabulary's places (None for a document type or
# an explainer, reported as found), and the terms that matched.
Ground = tuple[str, Mapping[str, int] | None, frozenset[str] | set[str]]

ACTION_IN_TITLE = 0.8
# "New" reports an instrument's arrival only near the start of a title ("New licence rule …",
# "Canada's new rules …"); later it is background ("… struggle to keep up with new rules").
NOVELTY_START = 25
# Summaries narrate background ("…after the 2020 proclamation barred…"): an action found only
# there is not enough alone, but is with a Federal Register document type or an enforcement act.
ACTION_IN_SUMMARY = 0.45
EXPLAINER_IN_TITLE = 0.45
# A correction marker counts only at the very start of a title ("Correction:", "【更正】").
CORRECTION_START = 2


# Scores come from a few fixed weights in a few combinations: each is computed once (rounding
# costs more than the lookup), up to a bound that real use never reaches.
_COMBINED: dict[tuple[float, ...], float] = {}
_COMBINED_MAX = 4096


def combine(weights: Iterable[float]) -> float:
    """Independent evidence: 1 - Π(1 - weight)."""
    key = tuple(weights)
    combined = _COMBINED.get(key)
    if combined is None:
        missing = 1.0
        for weight in key:
            missing *= 1.0 - weight
        combined = round(1.0 - missing, 4)
        if len(_COMBINED) < _COMBINED_MAX:
            _COMBINED[key] = combined
    return combined


def first(ordered: Mapping[str, int], matched: set[str] | frozenset[str]) -> str:
    """Of the terms that matched (all of them in `ordered`, term -> its place in the
    taxonomy), the one that comes first: reasons follow the taxonomy's order."""
    if len(matched) == 1:
        return next(iter(matched))
    return min(matched, key=ordered.__getitem__)


def places(keys: Iterable[str]) -> dict[str, int]:
    """Each key's first place in `keys`."""
    result: dict[str, int] = {}
    for key in keys:
        result.setdefault(key, len(result))
    return result


@dataclass(frozen=True, slots=True)
class AlertRules(Hedging, Subjects):
    """The [alert] vocabulary as matcher keys, ready to judge one item."""

    threshold: float
    actors: Mapping[str, int]  # key -> place in the taxonomy, for reasons
    instruments: Mapping[str, int]
    acts: Mapping[str, int]
    actions: Mapping[str, int]
    actor_set: frozenset[str]  # the same as sets, for matching
    instrument_set: frozenset[str]
    new_names: frozenset[str]  # instruments with "new" in their Chinese name: 新规, 新政
    act_set: frozenset[str]
    action_set: frozenset[str]
    effects: frozenset[str]
    non_actors: frozenset[str]
    # actor terms written inside a non-actor term ("president" in "its president"): only
    # these need their places checked
    nested_actors: frozenset[str]
    denials: frozenset[str]  # the forms of "deny" among the actions
    nameable: frozenset[str]  # actions that are also a word of a longer term
    hedges: frozenset[str]
    questions: frozenset[str]
    explainers: frozenset[str]
    corrections: frozenset[str]
    reactions: frozenset[str]
    title_vetoes: frozenset[str]  # hedges, questions and reactions, for a quick look first
    novelty: frozenset[str]
    object_markers: frozenset[str]
    places: Mapping[str, int]
    doc_types: Mapping[str, tuple[str, float]]

    @classmethod
    def compile(
        cls,
        spec: AlertSpec,
        keys: Callable[[Iterable[str]], tuple[str, ...]],
        vocabulary: Iterable[str] = (),
    ) -> AlertRules:
        """The rules for `spec`; `vocabulary`, every term key the matcher knows, tells which
        actions can be a word of a longer name ("pass" in "ONE Pass")."""
        acts = keys(spec.acts)
        effects = frozenset(keys(spec.effects)) - set(acts)
        # A word that is an act ("charged") counts once, as the act.
        actions = tuple(k for k in keys((*spec.actions, *spec.effects)) if k not in acts)
        actors, instruments = keys(spec.actors), keys(spec.instruments)
        non_actors = keys(spec.non_actors)
        hedges = frozenset(keys(spec.hedges))
        questions = frozenset(keys(spec.questions))
        reactions = frozenset(keys(spec.reactions))
        return cls(
            threshold=spec.threshold,
            actors=places(actors),
            instruments=places(instruments),
            acts=places(acts),
            actions=places(actions),
            actor_set=frozenset(actors),
            instrument_set=frozenset(instruments),
            new_names=frozenset(key for key in instruments if key.startswith("新")),
            act_set=frozenset(acts),
            action_set=frozenset(actions),
            effects=effects,
            non_actors=frozenset(non_actors),
            denials=frozenset(key for key in actions if key.startswith("den")),
            nameable=frozenset(actions).intersection(
                word for term in vocabulary if " " in term for word in term.split()
            ),
            nested_actors=frozenset(
                actor for actor in actors if any(actor in n and actor != n for n in non_actors)
            ),
            hedges=hedges,
            questions=questions,
            explainers=frozenset(keys(spec.explainers)),
            corrections=frozenset(keys(spec.corrections)),
            reactions=reactions,
            title_vetoes=hedges | questions | reactions,
            novelty=frozenset(keys(spec.novelty)),
            object_markers=frozenset(keys(spec.object_markers)),
            places=places(keys(spec.places)),
            doc_types={name.casefold(): (name, w) for name, w in spec.doc_types.items()},
        )

    def _new_instrument(self, in_title: Hits, ascii_title: bool) -> str | None:
        """An instrument that "new" qualifies in the title ("New licence rule covers …")."""
        if self.novelty.isdisjoint(in_title):  # most titles
            return None if ascii_title else self._named_new(in_title)
        novelty = [
            p
            for key in self.novelty.intersection(in_title)
            for p in in_title[key]
            if p <= NOVELTY_START
        ]
        if not novelty:
            return None if ascii_title else self._named_new(in_title)
        subject = self._first_non_actor(in_title)
        if subject is not None and subject < min(novelty):  # "Universities' new policy …"
            return None
        for key in in_title_order(in_title, self.instrument_set.intersection(in_title)):
            if any(0 < s - n <= NOVELTY_REACH for s in in_title[key] for n in novelty):
                return key
        return None

    def _named_new(self, in_title: Hits) -> str | None:
        """A Chinese title's instrument with "new" written into its name (新规, 新政), near the
        title's start."""
        named = self.new_names.intersection(in_title)
        if not named:  # most titles: looked for among these few names only
            return None
        return next(
            (key for key in in_title_order(in_title, named) if min(in_title[key]) <= NOVELTY_START),
            None,
        )

    def _actors(
        self, title: str, in_title: Hits, in_summary: Hits, found: set[str], verbs: set[str]
    ) -> Ground | None:
        """The government actors named, as evidence: the actor terms, unless each occurrence
        is part of a longer non-government name ("its president said"); else a place that is
        the subject of the title's action ("US adds …")."""
        actors = self.actor_set.intersection(found)
        if actors and self.nested_actors.isdisjoint(actors):
            return ("actor", self.actors, actors)  # most items: no name to look inside
        if actors and not self.non_actors.isdisjoint(found):
            actors = frozenset(
                key
                for key in actors
                if key not in self.nested_actors
                or not (
                    inside(in_title, key, self.non_actors)
                    and inside(in_summary, key, self.non_actors)
                )
            )
        if actors:
            return ("actor", self.actors, actors)
        if self.places:
            place = self._subject_place(title, in_title, verbs)
            if place is not None:
                return ("actor", self.places, {place})
        return None

    def _actions(self, title: str, in_title: Hits, found: set[str]) -> set[str]:
        """The action terms found that report an action: not a word of a name ("Singapore's
        ONE Pass"), not someone's quoted remarks in the first person ("'We will offer'"; a
        quoted word of an official's, "vows to 'aggressively revoke'", still reports), not an
        English noun in a Chinese title (拒绝了硅谷offer)."""
        actions: frozenset[str] | set[str] = self.action_set.intersection(found)
        if not actions:
            return set()
        if not self.nameable.isdisjoint(actions):
            actions = actions - in_names(title, in_title, actions & self.nameable)
        if "'" in title or "‘" in title or "“" in title or '"' in title:
            actions -= {
                key
                for key in actions.intersection(in_title)
                if all(in_remark(title, s, s + len(key)) for s in in_title[key])
            }
        if not title.isascii() and chinese(title):
            actions = {key for key in actions if not key.isascii() or key not in in_title}
        return set(actions)

    def judge(
        self,
        title: str,
        in_title: Hits,
        found: set[str],
        doc_type: str | None,
        in_summary: Hits | None = None,
    ) -> tuple[float, list[Ground]]:
        """The alert score and its evidence, (kind, its terms' places, what matched), which
        `reasons` turns into words (only an alert needs them)."""
        evidence: list[Ground] = []
        weights: list[float] = []
        grounded = False  # a government actor or instrument is named
        doc = self.doc_types.get(doc_type.casefold()) if doc_type else None
        if doc is not None:
            weights.append(doc[1])
            evidence.append(("doc type", None, {doc[0]}))
            grounded = doc[1] >= self.threshold
        acts = self.act_set.intersection(found)
        instruments = self.instrument_set.intersection(found)
        if (
            not (grounded or acts or instruments)
            and self.actor_set.isdisjoint(found)
            and self.places.keys().isdisjoint(in_title)
        ):
            # Nothing to ground an alert (a place would be a subject, a document type a
            # weighty one): no alert, and no need to look at the actions.
            return 0.0, evidence
        actions = self._actions(title, in_title, found)
        verbs = (actions | acts) & in_title.keys()
        actors = self._actors(title, in_title, in_summary or {}, found, verbs)
        if actors:
            evidence.append(actors)
        if instruments:
            evidence.append(("instrument", self.instruments, instruments))
        # One word is not both the instrument and the action: "after US export ban" names a
        # ban, it does not report one.
        grounded = grounded or bool(actors or (instruments - actions))
        if not grounded and not acts:  # no alert whatever else is said: weigh no further
            return 0.0, evidence
        reported = self._new_instrument(in_title, title.isascii())
        if acts:  # "sentenced", "indicted": the actor is implied by the act
            grounded = True
            title_acts = acts.intersection(in_title)
            weights.append(ACTION_IN_TITLE if title_acts else ACTION_IN_SUMMARY)
            evidence.append(("act", self.acts, title_acts or acts))
        # Without acts, the title's actions are the verbs: a copy of them, as it is cut below.
        title_actions = set(verbs) if not acts else actions.intersection(in_title)
        if actions:
            if title_actions and self._others_decision(title, in_title, title_actions):
                dropped = self._theirs(title, in_title, title_actions)
                actions -= dropped
                title_actions -= dropped
            if actions:
                bare = not (actors or acts or doc or reported) and self._bare(
                    title, in_title, title_actions
                )
                weights.append(ACTION_IN_TITLE if title_actions and not bare else ACTION_IN_SUMMARY)
                evidence.append(("action", self.actions, title_actions or actions))
        if reported and not title_actions:
            weights.append(ACTION_IN_TITLE)
            evidence.append(("new instrument", None, {reported}))
        if not self.explainers.isdisjoint(in_title):
            weights.append(EXPLAINER_IN_TITLE)
            evidence.append(("explainer", None, {min(self.explainers.intersection(in_title))}))
        correction = self._correction(in_title)
        if correction is not None:
            weights.append(ACTION_IN_TITLE)
            evidence.append(("correction", None, {correction}))
        if not grounded or not weights:  # nothing to weigh: 0, however hedged
            return 0.0, evidence
        if correction is not None:
            return round(combine(weights), 4), evidence
        score = combine(weights) * self.factor(title, in_title, found, verbs, reported)
        return round(score, 4), evidence

    def _correction(self, in_title: Hits) -> str | None:
        """The correction marker that opens the title, if one does (the first in order, as for
        explainers, so the reason does not depend on a set's order)."""
        if self.corrections.isdisjoint(in_title):
            return None
        opening = [
            key
            for key in self.corrections.intersection(in_title)
            if in_title[key][0] <= CORRECTION_START
        ]
        return min(opening) if opening else None

    @staticmethod
    def reasons(
        evidence: list[Ground],
        quote: Callable[[str], str],
    ) -> tuple[str, ...]:
        """`doc type: Rule`, `actor: "State Department"`, `action: "revokes"`, …"""
        said = []
        for kind, ordered, matched in evidence:
            if ordered is None:  # a document type, or an explainer: one item
                value = next(iter(matched))
                said.append(f"{kind}: {value}" if kind == "doc type" else f"{kind}: {quote(value)}")
            else:
                said.append(f"{kind}: {quote(first(ordered, matched))}")
        return tuple(said)

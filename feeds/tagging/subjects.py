"""Who does what a title reports, for the alert's judgement (feeds/tagging/alert.py): a place
as the subject of the title's action ("US adds …"), a non-government subject's own decision
("University suspends exchange"), and an instrument told only through someone else's verb
("Fintech launches Visa debit card"). `Subjects` is mixed into `AlertRules`, whose vocabulary
it reads."""

from __future__ import annotations

from collections.abc import Mapping

from feeds.tagging.rules import Hits
from feeds.tagging.title_positions import (
    chinese,
    earliest,
    in_title_order,
    inside_longer,
    possessive,
    same_clause,
    within,
)

# Characters from "new", or from a possessive, to the start of the instrument it qualifies.
NOVELTY_REACH = 20
# "US adds", "US to bar", 美国将…: the most characters between a place and the action it is
# the subject of.
SUBJECT_GAP = 4
# Words before a place that make it a location, not a subject.
LOCATIVES = (" in", " at", " from", " to", " of", " across", "在", "从", "赴", "到")
# Verbs of putting someone on a list, and how far after one the list may be named.
LISTING_VERBS = ("列入", "列為", "列为", "纳入", "納入")
LIST_REACH = 8
# Words of an instrument's own start, told without who issued it: "takes effect", "in force".
STARTS = ("effect", "force", "today")


class Subjects:
    """The subject checks of `AlertRules` (which holds these fields)."""

    __slots__ = ()

    actor_set: frozenset[str]
    instrument_set: frozenset[str]
    effects: frozenset[str]
    non_actors: frozenset[str]
    object_markers: frozenset[str]
    places: Mapping[str, int]

    def _subject_place(self, title: str, in_title: Hits, verbs: set[str]) -> str | None:
        """A place named right before a title's action, as its subject ("US adds …"), and not
        after a preposition ("salaries in Beijing close gap"). An effect is told of people, not
        done by a place ("China no longer loses …"): of `verbs`, the effects do not count."""
        named = self.places.keys() & in_title.keys()
        if not named:
            return None
        effects = self.effects
        verb_starts = [v for verb in verbs if verb not in effects for v in in_title[verb]]
        for key in in_title_order(in_title, named):
            # Chinese writes the verb right after its subject (浙江推出, 美国将…列入);
            # 浙江大学推出 is a university's act.
            gap = SUBJECT_GAP if key.isascii() else 1
            for start in in_title[key]:
                end = start + len(key)
                # Where the verb is, first: it rules out most places at little cost.
                # At the start, "Thailand's SMART visa opens to …": the country's own visa.
                if not within(verb_starts, end, end + gap) and not (
                    start == 0 and self._owns_instrument(title, in_title, end)
                ):
                    continue
                if title[:start].rstrip().lower().endswith(LOCATIVES):
                    continue
                if not inside_longer(in_title, key, start):
                    return key  # not "NYU Shanghai pauses …", where the place names a campus
        return None

    def _owns_instrument(self, title: str, in_title: Hits, end: int) -> bool:
        """Whether the place ending at `end`, in the possessive, owns a government instrument
        named right after it ("Norway's knowledge-transfer rules …")."""
        if not title.startswith(("'s ", "’s "), end):
            return False
        return any(
            0 < start - end <= NOVELTY_REACH
            for key in self.instrument_set.intersection(in_title)
            for start in in_title[key]
        )

    def _first_non_actor(self, in_title: Hits) -> int | None:
        """Where the first non-government subject (a university, a company …) starts."""
        return earliest(in_title, self.non_actors.intersection(in_title))

    def _others_decision(self, title: str, in_title: Hits, title_actions: set[str]) -> bool:
        """The title's active verb belongs to a non-government subject named before it."""
        active = title_actions - self.effects
        if not active or self.non_actors.isdisjoint(in_title):
            return False
        verb = earliest(in_title, active)
        subject = self._first_non_actor(in_title)
        if verb is None or subject is None or subject > verb:
            return False
        # 将/把 put the object before the verb: in 美方将中国高校列入实体清单 the universities
        # are listed, they do not list.
        marker = earliest(in_title, self.object_markers.intersection(in_title))
        if marker is not None and marker < subject:
            return False
        actor = earliest(in_title, self.actor_set.intersection(in_title))
        if actor is not None and actor < verb:
            return False
        if chinese(title) and self._done_to_subject(title, in_title, verb):
            return False
        if possessive(title, in_title, self.non_actors.intersection(in_title), subject):
            return True  # "MIT's disclosure policy takes effect": the instrument is theirs
        # A government instrument between that word and the verb is the subject: in "Student
        # visa interviews resume", "student" qualifies the visa, whose interviews resume.
        return not any(
            subject < start < verb
            for key in self.instrument_set.intersection(in_title)
            for start in in_title[key]
        )

    def _done_to_subject(self, title: str, in_title: Hits, verb: int) -> bool:
        """Whether a Chinese title's verb at `verb` puts its subject on a list named after it,
        with 被 or, as Chinese often writes it, without (两所大学列入实体清单: the universities
        are listed, they do not list). Other passives (被罚, 被曝, 遭终止资助) tell a
        government's act as often as a company's or a story's, and are left to the rest."""
        if not title.startswith(LISTING_VERBS, verb):
            return False
        return any(
            verb < start <= verb + LIST_REACH
            for key in self.instrument_set.intersection(in_title)
            for start in in_title[key]
        )

    def _theirs(self, title: str, in_title: Hits, title_actions: set[str]) -> set[str]:
        """Of a title reporting a non-government subject's decision, the actions that are
        theirs: its active verbs, and the rule they act under, told after the verb ("Lab
        closes to Chinese students under new export-control plan"). Other effects ("can no
        longer") still tell a rule."""
        decided = title_actions - self.effects
        verb = earliest(in_title, decided)
        if verb is None:
            return decided
        return decided | {
            key
            for key in title_actions & self.effects
            if key.startswith("under ") and same_clause(title, verb, min(in_title[key]))
        }

    def _bare(self, title: str, in_title: Hits, title_actions: set[str]) -> bool:
        """Whether an English title grounded by an instrument alone (no government actor, act
        or document type) tells its action only with active verbs of someone else's: "Fintech
        launches Visa debit card", "HKU fund offers posts …". It reports a rule when the
        instrument itself is the subject ("Proclamation restricts entry …", "ATAS requirement
        extended …"), or by an effect on people ("must now", "from today") or the instrument's
        own start ("takes effect", "in force"). Chinese headlines leave the issuing
        government out as a matter of style (南山区…办法发布), so they are never bare."""
        if not title_actions or chinese(title):
            return False
        if any(key in self.effects or any(w in key for w in STARTS) for key in title_actions):
            return False
        verb = earliest(in_title, title_actions)
        instrument = earliest(in_title, self.instrument_set.intersection(in_title))
        if verb is None or instrument is None or instrument > verb:
            return True
        subject = self._first_non_actor(in_title)
        return subject is not None and subject < verb

"""What makes a title analysis, a question, a denial or a reaction rather than news of an
action: the checks that veto or weaken an alert (feeds/tagging/alert.py), kept apart from the
evidence that builds one. `Hedging` is mixed into `AlertRules`, whose vocabulary it reads."""

from __future__ import annotations

import re

from feeds.tagging.rules import Hits
from feeds.tagging.title_positions import (
    BACKGROUND_MARK,
    background,
    chinese,
    described,
    earliest,
    later_clause,
    quoted,
    same_clause,
)

# Reactions that are conjunctions or prepositions, not verbs of reacting: they make background
# of the action that follows them ("Applications fall as US visas tighten").
BACKGROUND_MARKERS = frozenset({"as", "after", "amid", "amidst"})
# A denial of an action ("State Department denies pausing interviews", "denies that …"): the
# action named is what did not happen. ("Denies visas to …" is an action and does not match.)
DENIAL = re.compile(r"\bden(?:y|ies|ied|ying)\s+(?:\w+ing|that|any|it)\b", re.IGNORECASE)
# Several people, counted, in a Chinese title: 多名留学生遭遣返, 至少14名, 十余例.
MANY_PEOPLE = re.compile(r"多名|数名|數名|几名|幾名|多位|多人|\d+\s*[名例位]|[十百]余[名例位]")
# A later clause that opens with a speaker and a colon (… 華裔教授：寒蟬效應又來了): a remark
# on the action, which is what such a title reports.
SPEAKER_AFTER = re.compile(r"\s[^\s:：]{1,12}[:：]")
HEDGE_IN_TITLE = 0.25  # factor: analysis and opinion are not alerts
HEDGE_IN_SUMMARY = 0.8


class Hedging:
    """The veto checks of `AlertRules` (which holds these fields)."""

    __slots__ = ()

    actor_set: frozenset[str]
    action_set: frozenset[str]
    act_set: frozenset[str]
    instrument_set: frozenset[str]
    effects: frozenset[str]
    denials: frozenset[str]
    hedges: frozenset[str]
    questions: frozenset[str]
    explainers: frozenset[str]
    reactions: frozenset[str]
    title_vetoes: frozenset[str]  # hedges, questions and reactions: what a title may be vetoed by

    def factor(
        self, title: str, in_title: Hits, found: set[str], verbs: set[str], reported: str | None
    ) -> float:
        """The factor analysis, questions and reactions put on an alert's score (1 for none);
        `reported`, the new instrument the title names (`AlertRules._new_instrument`)."""
        # Most titles are English with no hedge, question, reaction or denial: nothing for
        # the title's checks to find (a Chinese title's 后 or counted cases need them).
        if not (
            title.isascii()
            and "?" not in title
            and self.title_vetoes.isdisjoint(in_title)
            and self.denials.isdisjoint(verbs)
        ):
            issued = reported is not None and not (
                self.action_set.isdisjoint(found) and self.act_set.isdisjoint(found)
            )
            if (
                self.hedged_title(title, in_title, verbs, issued=issued)
                or self.reacted(title, in_title, verbs)
                or (not title.isascii() and self.many_cases(title, in_title, verbs))
            ):
                return HEDGE_IN_TITLE
        return HEDGE_IN_SUMMARY if not self.hedges.isdisjoint(found) else 1.0

    def hedged(self, title: str, in_title: Hits) -> bool:
        """`hedged_title` for a title the rules did not judge (an alert only the second
        opinion would flag), its actions looked up here as `judge` does. (Reactions and a
        non-government subject's decision do not veto the model: tried in the twentieth
        round, they cost it more right alerts than wrong ones.)"""
        verbs = {key for key in in_title if key in self.action_set or key in self.act_set}
        return self.hedged_title(title, in_title, verbs)

    def hedged_title(
        self, title: str, in_title: Hits, verbs: set[str], *, issued: bool = False
    ) -> bool:
        """Analysis, opinion or a question, not news ("Will the H-1B fee survive?"). `verbs`
        are the title's actions and acts; `issued`, whether the title names a new instrument
        whose issuing the item tells (an action or act found)."""
        if not self.denials.isdisjoint(verbs) and DENIAL.search(title) is not None:
            return True
        if not self.hedges.isdisjoint(in_title) and self._hedging(title, in_title, verbs):
            return True
        marked = "?" in title or "？" in title
        if not marked and self.questions.isdisjoint(in_title):
            return False  # most titles: no question to weigh
        asking = self.questions.intersection(in_title)
        question_at = max(title.rfind("?"), title.rfind("？")) if marked else -1
        explained = not self.explainers.isdisjoint(in_title)
        # "Is your petition affected? Five questions answered" explains a rule; a bare
        # question ("Will the H-1B fee survive?") does not report one; an action after the
        # question mark answers it ("Fixed terms for students? DHS revives plan").
        if question_at >= 0 and not any(
            start > question_at for verb in verbs for start in in_title[verb]
        ):
            return not explained
        if not asking:
            return False
        # "What the fee means for labs" is analysis; "What employers need to know about the
        # final rule" explains news, "would … under a proposal" describes one, and "what
        # universities must change" tells a rule's requirements.
        # A question word after the title's first action, in the same clause, belongs to its
        # object: "USCIS clarifies how researchers qualify", "indicted for failing to report".
        effects = self.effects.intersection(in_title)
        if explained or effects:
            return False
        # "What the new deemed-export rule means for labs", when the item tells of its
        # issuing, explains a rule just issued
        if issued:
            return False
        first_action = earliest(in_title, verbs)
        return any(
            first_action is None or not same_clause(title, first_action, start)
            for key in asking
            for start in in_title[key]
        )

    def _hedging(self, title: str, in_title: Hits, verbs: set[str]) -> bool:
        """Whether a hedge in the title makes it analysis: one not part of a name and, in a
        Chinese title, before its first action or in that action's clause. A Chinese title's
        later clause (after a space or a mark) tells the action's consequence or reception
        (眾議員提案廢除OPT 留學生畢業後在美工作之路恐斷), which weakens the alert as a summary's
        hedge does but leaves the action reported, unless it opens with a speaker's remark
        (… 華裔教授：寒蟬效應又來了). English titles put background first ("Cleared of charges,
        he now teaches in Hong Kong"): there any hedge vetoes."""
        first_action = earliest(in_title, verbs) if chinese(title) else None
        if first_action is not None and _speaker_after(title, first_action) is not None:
            first_action = None  # the later clause is someone's remark on it: the news is that
        return any(
            first_action is None or not later_clause(title, first_action, start)
            for key in self.hedges.intersection(in_title)
            if not self._named(title, in_title, key)
            for start in in_title[key]
        )

    def _voiced(self, title: str, in_title: Hits, action: int) -> bool:
        """Whether a Chinese title's later clause, after the action at `action`, opens with a
        speaker and a colon and holds a reaction (… 外交部：强烈不满): the reaction is the news."""
        speaker = _speaker_after(title, action)
        if speaker is None:
            return False
        return any(
            start >= speaker.start()
            for key in self.reactions.intersection(in_title)
            for start in in_title[key]
        )

    def _named(self, title: str, in_title: Hits, key: str) -> bool:
        """Whether every occurrence of the hedge `key` is part of a name: of an instrument
        ("opinion" hedges, a "Security Advisory Opinion" is a step of visa processing; "new
        study" does not hedge "new study-permit cap"), of a court's or prosecutor's act
        ("remaining" hedges, "drop remaining count" is an act) or in quotation marks ("orders
        federal 'AI talent surge'")."""
        spans = [
            (start, start + len(name))
            for names in (self.instrument_set, self.act_set)
            for name in names.intersection(in_title)
            if len(name) > len(key)
            for start in in_title[name]
        ]
        return all(
            any(low < start + len(key) and start < high for low, high in spans)
            or quoted(title, start, start + len(key))
            for start in in_title[key]
        )

    def many_cases(self, title: str, in_title: Hits, verbs: set[str]) -> bool:
        """A Chinese title whose verbs are all acts done to people (遣返, 注销), counting the
        people before naming anyone who did it (多名中国留学生入境遭遣返; 至少14名…被遣返): a
        pattern of cases, which is no alert (convention 10). A government named first acts on
        them (国务院撤销多名研究人员签证); an action on a count is news (追回3名人才补贴)."""
        if not verbs or not verbs <= self.act_set:
            return False
        many = MANY_PEOPLE.search(title)
        if many is None:
            return False
        actor = earliest(in_title, self.actor_set.intersection(in_title))
        return actor is None or actor > many.start()

    def reacted(self, title: str, in_title: Hits, verbs: set[str]) -> bool:
        """The title reports a reaction, or what followed an action, named before any action
        or act ("… responds to listing", "… poached after NIH grant freeze"), or follows
        every action it names with 后 or 以来 (新规实施后…: life after the rule); an explainer
        ("Guidance for students after the proclamation") reports the action itself."""
        if not self.explainers.isdisjoint(in_title):
            return False
        if (
            verbs
            and not title.isascii()
            and BACKGROUND_MARK.search(title) is not None
            and all(
                background(title, start + len(verb)) or described(title, start, start + len(verb))
                for verb in verbs
                for start in in_title[verb]
            )
        ):
            return True
        reactions = self.reactions.intersection(in_title)
        if not reactions:
            return False
        reaction = earliest(in_title, reactions)
        action = earliest(in_title, verbs)
        if reaction is None:
            return False
        if action is not None and reaction > action and self._voiced(title, in_title, action):
            return True
        if action is None:
            # "as", "after" and "amid" introduce the action they make background; without one
            # in the title they are prepositions ("treats remote access as an export")
            return not reactions <= BACKGROUND_MARKERS
        return reaction < action


def _speaker_after(title: str, action: int) -> re.Match[str] | None:
    """In a Chinese title, a later clause after the action at `action` that opens with a
    speaker and a colon (… 外交部：…), if there is one."""
    return SPEAKER_AFTER.search(title, action) if chinese(title) else None

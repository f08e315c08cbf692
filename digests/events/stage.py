"""A telling's stage: the step of its event it reports (proposed, final, withdrawn, charged,
convicted, clarified, …), from the stage words of lexicon.toml.

The title decides; when it names no stage, the stronger stage words of the summary's first
sentence do. Where several are named, the first in `stage-rules.order` wins (a reversal names
the conviction it reverses; a ruling, the lawsuit).
"""

from __future__ import annotations

import re

from digests.events.lexicon import FormMatcher, load_lexicon, word_tokens
from storage.text_tools import traditional_to_simplified

_SENTENCE_END = re.compile(r"[.!?。！？](?:\s|$)")


def _stages_named(matcher: FormMatcher, lower: list[str], han: str | None) -> dict[str, str]:
    found = matcher.in_lower_tokens(lower)
    if han is not None:
        found += [(name, word) for name, word, _ in matcher.in_han(han)]
    named: dict[str, str] = {}
    for name, word in found:
        named.setdefault(name, word)
    return named


def first_sentence(summary: str) -> str:
    end = _SENTENCE_END.search(summary)
    return summary[: end.end()] if end else summary


# Stage forms that say what a telling is about only near the start of its title: "China
# protests …" is a protest; "… ; foreign ministry says it will respond" reports the action.
_EARLY_ONLY = frozenset({"responded"})


def _lower_tokens(text: str) -> list[str]:
    # Lower-casing ASCII text keeps every token where it was: one pass instead of one a token.
    if text.isascii():
        return word_tokens(text.lower())
    return list(map(str.lower, word_tokens(text)))


def stage_of(title: str, summary: str, chinese: bool) -> tuple[str | None, str | None, bool]:
    """The stage a telling reports, the word that says so, and whether its title says so
    (else the stronger stage words of the summary's first sentence do)."""
    lexicon = load_lexicon()
    to_simplified = traditional_to_simplified()
    han = title.translate(to_simplified) if chinese else None
    named = _stages_named(lexicon.stages_in_title, _lower_tokens(title), han)
    if _EARLY_ONLY & named.keys():
        searched = (han or title).lower()
        for stage in _EARLY_ONLY & named.keys():
            if searched.find(named[stage].lower()) > len(searched) / 2:
                del named[stage]
    in_title = bool(named)
    if not named and summary:
        first = first_sentence(summary)
        han = first.translate(to_simplified) if chinese else None
        named = _stages_named(lexicon.stages_anywhere, _lower_tokens(first), han)
    if named:
        for stage in lexicon.stage_order:
            if stage in named:
                return stage, named[stage], in_title
    return None, None, False

"""English inflections for taxonomy terms marked with `~`: `revoke~` also finds "revokes",
"revoked" and "revoking"; `plead~ guilty` finds "pleaded guilty" and "pled guilty".

The forms are generated once, when the taxonomy is compiled, and matched like any other term,
so tagging costs nothing more. The generator over-produces on purpose ("visitted" beside
"visited"): a spelling that no text uses never matches anything, while a missing one would.
"""

from __future__ import annotations

from itertools import product

MARK = "~"

# Irregular verbs that headlines use for moves, cases and government acts: base → other forms.
_IRREGULAR: dict[str, tuple[str, ...]] = {
    "become": ("became",),
    "begin": ("began", "begun"),
    "break": ("broke", "broken"),
    "bring": ("brought",),
    "choose": ("chose", "chosen"),
    "come": ("came",),
    "cut": ("cut",),
    "draw": ("drew", "drawn"),
    "drive": ("drove", "driven"),
    "fall": ("fell", "fallen"),
    "find": ("found",),
    "flee": ("fled",),
    "fly": ("flew", "flown"),
    "forbid": ("forbade", "forbidden"),
    "freeze": ("froze", "frozen"),
    "get": ("got", "gotten"),
    "give": ("gave", "given"),
    "go": ("went", "gone"),
    "grow": ("grew", "grown"),
    "hide": ("hid", "hidden"),
    "hold": ("held",),
    "keep": ("kept",),
    "lead": ("led",),
    "leave": ("left",),
    "lose": ("lost",),
    "make": ("made",),
    "meet": ("met",),
    "pay": ("paid",),
    "plead": ("pled",),
    "put": ("put",),
    "quit": ("quit",),
    "rise": ("rose", "risen"),
    "run": ("ran",),
    "say": ("said",),
    "seek": ("sought",),
    "sell": ("sold",),
    "send": ("sent",),
    "set": ("set",),
    "shut": ("shut",),
    "speak": ("spoke", "spoken"),
    "spend": ("spent",),
    "stand": ("stood",),
    "steal": ("stole", "stolen"),
    "strike": ("struck", "stricken"),
    "take": ("took", "taken"),
    "teach": ("taught",),
    "tell": ("told",),
    "throw": ("threw", "thrown"),
    "uphold": ("upheld",),
    "win": ("won",),
    "withdraw": ("withdrew", "withdrawn"),
    "withhold": ("withheld",),
    "write": ("wrote", "written"),
}
_VOWELS = frozenset("aeiou")


def inflections(word: str) -> tuple[str, ...]:
    """The word and its -s, -ed and -ing forms (and irregular ones), base form first."""
    forms = [word]
    if word.endswith(("s", "sh", "ch", "x", "z")):
        forms.append(word + "es")
    elif word.endswith("y") and len(word) > 2 and word[-2] not in _VOWELS:
        forms.append(word[:-1] + "ies")
    else:
        forms.append(word + "s")
    if word.endswith("e"):
        stem = word[:-1]
        forms += [word + "d", stem + "ing"]
        if word.endswith(("ee", "ye", "oe")):  # flee → fleeing
            forms.append(word + "ing")
        elif word.endswith("ie"):  # tie → tying
            forms.append(word[:-2] + "ying")
    elif word.endswith("y") and len(word) > 2 and word[-2] not in _VOWELS:
        forms += [word[:-1] + "ied", word + "ing"]
    else:
        forms += [word + "ed", word + "ing"]
        last = word[-1]
        if len(word) >= 3 and last not in _VOWELS and last not in "wxy" and word[-2] in _VOWELS:
            forms += [word + last + "ed", word + last + "ing"]  # bar → barred, barring
    forms += _IRREGULAR.get(word.lower(), ())
    return tuple(dict.fromkeys(forms))


def expand(term: str) -> tuple[str, ...]:
    """Every spelling of a term whose words may carry the `~` mark; unmarked terms as they are."""
    if MARK not in term:
        return (term,)
    choices = [
        inflections(word[: -len(MARK)]) if word.endswith(MARK) else (word,)
        for word in term.split(" ")
    ]
    return tuple(" ".join(words) for words in product(*choices))


def expand_all(terms: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(form for term in terms for form in expand(term))

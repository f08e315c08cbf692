"""The one search grammar, parsed once into a storage-neutral AST.

    H-1B "lottery rule" visa OR immigration -opinion -"op-ed"
    tag:visa-policy source:"USCIS news" since:7d until:2026-03-01 alert:yes lang:zh

- Words must all match (case, accents and plurals do not matter; Chinese matches as substrings).
- "exact phrases" match those words next to each other, in order.
- `a OR b` matches either side; OR binds two neighbouring terms (words, phrases, tag:, lang:,
  alert:, or source: with source:).
- `-word`, `-"phrase"`, `-tag:x`, `-source:x`, `-lang:x` exclude items.
- `tag:ID`, `source:NAME` (quote names with spaces), `lang:zh`, `alert:yes|no` filter; they work
  with or without words.
- `since:` / `until:` take `7d`, `2w`, `24h`, `today`, `yesterday`, `2026-01-31`, `2026-01` or
  `2026`; both ends are inclusive UTC days of the published date.

Nothing here knows an engine: `storage.search` turns a `Query` into FTS5 or tsquery text with
every token quoted. Word tokens come from `storage.search_text.tokenize`, the same function that
builds the indexed documents.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from storage.errors import BadInput
from storage.search_text import FIRST_DAY, LAST_DAY, language_code, tokenize

MAX_QUERY_CHARS = 1000
MAX_TERMS = 40

EXAMPLE = 'e.g. H-1B "lottery rule" tag:visa-policy since:7d'
FIELDS = ("tag", "source", "since", "until", "alert", "lang")
_FIELD = re.compile(r"([A-Za-z_]+):(.*)", re.DOTALL)
_RELATIVE = re.compile(r"(\d{1,6})([hdw])")
_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_YEAR = re.compile(r"\d{4}")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "＂": '"'})
_YES = {"yes", "y", "true", "1", "on"}
_NO = {"no", "n", "false", "0", "off"}


class QuerySyntaxError(BadInput):
    """A search query that cannot be parsed; the message says what to fix."""


# --- the AST -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    """A bare word; several tokens (H-1B → h, 1b; 签证 bigrams) must stand together."""

    text: str
    tokens: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Phrase:
    """A quoted phrase: its tokens must stand together, in order."""

    text: str
    tokens: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Tag:
    tag: str


@dataclass(frozen=True, slots=True)
class Source:
    name: str


@dataclass(frozen=True, slots=True)
class Lang:
    code: str


@dataclass(frozen=True, slots=True)
class Alert:
    flag: bool


Atom = Word | Phrase | Tag | Source | Lang | Alert
TextAtom = Word | Phrase


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Terms joined by OR (at least two)."""

    options: tuple[Atom, ...]


Clause = Atom | AnyOf


@dataclass(frozen=True, slots=True)
class Query:
    """Every `include` clause must match, no `exclude` atom may, published since…until."""

    include: tuple[Clause, ...] = ()
    exclude: tuple[Atom, ...] = ()
    since: date | None = None
    until: date | None = None
    text: str = field(default="", compare=False)

    def text_atoms(self) -> list[TextAtom]:
        """The words and phrases that must (or may, under OR) match: for ranking and snippets."""
        found: list[TextAtom] = []
        for clause in self.include:
            options = clause.options if isinstance(clause, AnyOf) else (clause,)
            found.extend(a for a in options if isinstance(a, Word | Phrase))
        return found


# --- lexing ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Lexeme:
    kind: str  # "word" | "phrase" | "field" | "or"
    value: str
    negated: bool = False
    name: str = ""


def _clean(text: str) -> str:
    """Quotes typed on phones become plain quotes; control characters (NUL…) become spaces."""
    text = text.translate(_QUOTES)
    return "".join(" " if (ord(c) < 32 or 0x7F <= ord(c) < 0xA0) else c for c in text)


def _lex(text: str) -> Iterator[_Lexeme]:
    position, length = 0, len(text)
    while position < length:
        if text[position].isspace():
            position += 1
            continue
        negated = False
        if text[position] == "-":
            negated = True
            position += 1
            if position >= length or text[position].isspace():
                continue  # a lone "-" excludes nothing
        if text[position] == '"':
            value, position = _quoted(text, position)
            yield _Lexeme("phrase", value, negated)
            continue
        end = position
        while end < length and not text[end].isspace() and text[end] != '"':
            end += 1
        word, position = text[position:end], end
        match = _FIELD.fullmatch(word)
        if match and not match.group(2).startswith("//"):
            name, value = match.group(1).lower(), match.group(2)
            if not value and position < length and text[position] == '"':
                value, position = _quoted(text, position)
                if not value.strip():
                    raise QuerySyntaxError(f'{name}:"" is empty: put a value between the quotes')
            if name in FIELDS:
                if not value:
                    raise QuerySyntaxError(f"{name}: needs a value, {_field_example(name)}")
                yield _Lexeme("field", value, negated, name)
                continue
            if value:
                known = ", ".join(f"{f}:" for f in FIELDS)
                raise QuerySyntaxError(
                    f"unknown field {name}: — use {known} or put the text in quotes to search it"
                )
        if word in ("OR", "|", "||") and not negated:
            yield _Lexeme("or", word)
        elif word in ("AND", "&", "&&") and not negated:
            continue  # words are ANDed anyway
        else:
            yield _Lexeme("word", word, negated)


def _quoted(text: str, position: int) -> tuple[str, int]:
    closing = text.find('"', position + 1)
    if closing < 0:
        raise QuerySyntaxError('unbalanced quote: close the phrase with another "')
    return text[position + 1 : closing], closing + 1


def _field_example(name: str) -> str:
    return {
        "tag": "e.g. tag:visa-policy",
        "source": 'e.g. source:"USCIS news"',
        "since": "e.g. since:7d or since:2026-01-01",
        "until": "e.g. until:2026-03-31",
        "alert": "e.g. alert:yes",
        "lang": "e.g. lang:zh",
    }[name]


# --- field values ------------------------------------------------------------------------------


def parse_day(value: str, *, now: datetime | None = None, end: bool = False) -> date:
    """A since:/until: value as a UTC day; `end` picks the last day of a month or year."""
    today = (now or datetime.now(UTC)).astimezone(UTC)
    text = value.strip().lower()
    try:
        if text == "today":
            return today.date()
        if text == "yesterday":
            return today.date() - timedelta(days=1)
        if match := _RELATIVE.fullmatch(text):
            amount, unit = int(match.group(1)), match.group(2)
            delta = {"h": timedelta(hours=amount), "d": timedelta(days=amount)}.get(
                unit, timedelta(weeks=amount)
            )
            return (today - delta).date()
        if match := _DAY.fullmatch(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _MONTH.fullmatch(text):
            year, month = int(match.group(1)), int(match.group(2))
            first = date(year, month, 1)
            if not end:
                return first
            return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        if _YEAR.fullmatch(text):
            return date(int(text), 12, 31) if end else date(int(text), 1, 1)
    except (ValueError, OverflowError) as exc:
        raise QuerySyntaxError(f"{value!r} is not a valid date ({exc})") from exc
    raise QuerySyntaxError(
        f"cannot read the date {value!r}: use 7d, 2w, 24h, today, 2026-01-31, 2026-01 or 2026"
    )


def _atom(lexeme: _Lexeme) -> Atom | None:
    """The atom of a word, phrase or non-date field; None for text with nothing searchable."""
    if lexeme.kind in ("word", "phrase"):
        tokens = tuple(tokenize(lexeme.value))
        if not tokens:
            return None
        text = " ".join(lexeme.value.split())
        return Word(text, tokens) if lexeme.kind == "word" else Phrase(text, tokens)
    name, value = lexeme.name, lexeme.value.strip()
    if name == "tag":
        if len(value) > 64:
            raise QuerySyntaxError("tag: names are at most 64 characters")
        return Tag(value.lower())
    if name == "source":
        if len(value) > 200:
            raise QuerySyntaxError("source: names are at most 200 characters")
        return Source(" ".join(value.split()))
    if name == "lang":
        code = language_code(value)
        if code is None:
            raise QuerySyntaxError(f"lang:{value} is not a language code: use e.g. lang:zh")
        return Lang(code)
    flag = value.lower()
    if flag not in _YES | _NO:
        raise QuerySyntaxError(f"alert:{value} — use alert:yes or alert:no")
    return Alert(flag in _YES)


# --- parsing -----------------------------------------------------------------------------------


@dataclass
class _Builder:
    now: datetime | None
    include: list[Clause] = field(default_factory=list)
    exclude: list[Atom] = field(default_factory=list)
    since: date | None = None
    until: date | None = None
    terms: int = 0

    def window(self, lexeme: _Lexeme) -> None:
        if lexeme.negated:
            raise QuerySyntaxError(f"-{lexeme.name}: cannot be negated; use since: or until:")
        if getattr(self, lexeme.name) is not None:
            raise QuerySyntaxError(f"{lexeme.name}: is given twice; keep one")
        day = parse_day(lexeme.value, now=self.now, end=lexeme.name == "until")
        if not FIRST_DAY <= day <= LAST_DAY:
            raise QuerySyntaxError(
                f"{lexeme.name}:{lexeme.value} is out of range: use a date from "
                f"{FIRST_DAY.year} to {LAST_DAY.year}"
            )
        setattr(self, lexeme.name, day)

    def add(self, atom: Atom, negated: bool) -> None:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QuerySyntaxError(f"too many terms: at most {MAX_TERMS}")
        if negated and isinstance(atom, Alert):
            self.include.append(Alert(not atom.flag))  # -alert:yes is alert:no
        elif negated:
            self.exclude.append(atom)
        else:
            self.include.append(atom)

    def add_any(self, atoms: list[Atom]) -> None:
        self.terms += len(atoms)
        if self.terms > MAX_TERMS:
            raise QuerySyntaxError(f"too many terms: at most {MAX_TERMS}")
        unique = tuple(dict.fromkeys(atoms))
        sources = [isinstance(a, Source) for a in unique]
        if any(sources) and not all(sources):
            raise QuerySyntaxError("source: can only be OR-ed with another source:")
        if len(unique) == 1:
            self.include.append(unique[0])
        elif unique:
            self.include.append(AnyOf(unique))


def _groups(lexemes: list[_Lexeme]) -> Iterator[list[_Lexeme]]:
    """Split into runs joined by OR; every OR must stand between two positive terms."""
    group: list[_Lexeme] = []
    pending_or = False
    for lexeme in lexemes:
        if lexeme.kind == "or":
            if not group or pending_or:
                raise QuerySyntaxError("OR needs a term on each side, e.g. visa OR immigration")
            pending_or = True
            continue
        if pending_or:
            if lexeme.negated or group[-1].negated:
                raise QuerySyntaxError("OR cannot join an exclusion (-term); drop the OR or the -")
            if lexeme.name in ("since", "until") or group[-1].name in ("since", "until"):
                raise QuerySyntaxError("since: and until: cannot be joined with OR")
            group.append(lexeme)
            pending_or = False
            continue
        if group:
            yield group
        group = [lexeme]
    if pending_or:
        raise QuerySyntaxError("OR needs a term on each side, e.g. visa OR immigration")
    if group:
        yield group


def parse_query(
    text: str,
    *,
    now: datetime | None = None,
    tags: Sequence[str] = (),
    sources: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    known_tags: Collection[str] | None = None,
) -> Query:
    """Parse a query typed by a user; the keyword filters (CLI flags) are ANDed to it.

    With `known_tags` (the taxonomy's topic ids, plus any other tag the caller accepts), a
    `tag:` naming anything else is refused: a mistyped topic would silently match nothing.
    Raises QuerySyntaxError (a BadInput) with a one-line message that says what to fix.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            f"query too long ({len(text)} characters): keep it under {MAX_QUERY_CHARS}"
        )
    lexemes = list(_lex(_clean(text)))
    lexemes += [_Lexeme("field", tag, name="tag") for tag in tags]
    lexemes += [_Lexeme("field", name, name="source") for name in sources]
    lexemes += [_Lexeme("field", v, name=n) for n, v in (("since", since), ("until", until)) if v]
    builder = _Builder(now)
    for group in _groups(lexemes):
        if len(group) == 1 and group[0].name in ("since", "until"):
            builder.window(group[0])
            continue
        atoms = [a for a in (_atom(lexeme) for lexeme in group) if a is not None]
        if len(group) == 1 and atoms:
            builder.add(atoms[0], group[0].negated)
        else:
            builder.add_any(atoms)
    if builder.since and builder.until and builder.since > builder.until:
        raise QuerySyntaxError(
            f"since:{builder.since} is after until:{builder.until}; swap or widen them"
        )
    if not builder.include and builder.since is None and builder.until is None:
        if builder.exclude:
            raise QuerySyntaxError(
                "a query of only exclusions matches too much: add a word or a filter, " + EXAMPLE
            )
        if lexemes:
            raise QuerySyntaxError(f"nothing searchable in {text.strip()[:60]!r}: {EXAMPLE}")
        raise QuerySyntaxError(f"empty query: type what to search for, {EXAMPLE}")
    query = Query(
        include=tuple(dict.fromkeys(builder.include)),
        exclude=tuple(dict.fromkeys(builder.exclude)),
        since=builder.since,
        until=builder.until,
        text=text,
    )
    if known_tags is not None:
        check_tags(query, known_tags)
    return query


def query_atoms(query: Query) -> Iterator[Atom]:
    """Every atom of the query, included (OR options too) or excluded."""
    for clause in query.include:
        yield from clause.options if isinstance(clause, AnyOf) else (clause,)
    yield from query.exclude


def check_tags(query: Query, known_tags: Collection[str]) -> None:
    for atom in query_atoms(query):
        if isinstance(atom, Tag) and atom.tag not in known_tags:
            known = ", ".join(known_tags) or "none"
            raise QuerySyntaxError(f"tag:{atom.tag} is not a topic (known: {known})")


# --- back to text ------------------------------------------------------------------------------


def _quote(value: str) -> str:
    if value and not any(c.isspace() or c == '"' for c in value) and ":" not in value:
        return value
    return '"' + value.replace('"', " ") + '"'


def format_atom(atom: Atom) -> str:
    if isinstance(atom, Word):
        return atom.text  # a word never holds a space, a quote or a known field
    if isinstance(atom, Phrase):
        return '"' + atom.text + '"'
    if isinstance(atom, Tag):
        return f"tag:{_quote(atom.tag)}"
    if isinstance(atom, Source):
        return f"source:{_quote(atom.name)}"
    if isinstance(atom, Lang):
        return f"lang:{atom.code}"
    return f"alert:{'yes' if atom.flag else 'no'}"


def format_query(query: Query) -> str:
    """A canonical text for `query` (relative dates become absolute); it parses back equal."""
    parts = [
        " OR ".join(format_atom(a) for a in c.options) if isinstance(c, AnyOf) else format_atom(c)
        for c in query.include
    ]
    parts += [f"-{format_atom(atom)}" for atom in query.exclude]
    if query.since:
        parts.append(f"since:{query.since.isoformat()}")
    if query.until:
        parts.append(f"until:{query.until.isoformat()}")
    return " ".join(parts)

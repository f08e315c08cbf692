"""Which subscriptions match which items: exactly what a search with the same query returns.

Search hands the engines (FTS5, tsvector) the item's search document — `items.search_text` and
`items.search_meta`, written by storage/search_text.py — and asks for the query's tokens there
(storage/search_syntax.py). The matcher evaluates the same `Query` AST in Python over the same
two token sequences, with the engines' semantics:

- a word, phrase, tag:, lang: or alert: atom is a sequence of tokens that must stand next to
  each other, in order, inside one of the two parts (an FTS5 column; on PostgreSQL the parts
  sit apart in one tsvector); a single token may stand anywhere;
- include clauses are ANDed, the options of a clause ORed, exclusions subtracted;
- since:/until: compare the item's published day as the meta part records it (clamped to the
  years search_text knows), which is what the engines' period tokens select;
- source: names are resolved to source ids by the same SQL as search, and compared with every
  source that carried the item (item_sources).

Efficient for many items × many subscriptions: the batch of items gets an inverted index of
just the tokens some subscription mentions, each query becomes set algebra over it, and
positions are checked only for multi-token atoms, once per distinct atom and candidate item.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import repeat
from operator import attrgetter
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.batches import batches, dialect_of, one_of
from storage.errors import BadInput
from storage.models import Item, ItemSource
from storage.models import Source as SourceRow
from storage.query import AnyOf, Query, Source, parse_query
from storage.search_syntax import _tokens as atom_tokens
from storage.search_text import EVERY_ITEM, FIRST_DAY, LAST_DAY
from storage.subscriptions import SubscriptionRecord, list_subscriptions

log = logging.getLogger(__name__)


# One option of a clause: tokens that must stand together, or the ids of the sources named.
Option = tuple[str, ...] | frozenset[int]


@dataclass(frozen=True, slots=True)
class ItemDocument:
    """An item as search sees it: its two token sequences and the sources that carried it."""

    id: int
    text: tuple[str, ...]
    meta: tuple[str, ...]
    source_ids: frozenset[int] = frozenset()

    @property
    def day(self) -> date | None:
        """The published day recorded in the meta part (`_dYYYYMMDD`)."""
        for token in self.meta:
            if token.startswith("_d") and len(token) == 10 and token[2:].isdigit():
                return date(int(token[2:6]), int(token[6:8]), int(token[8:10]))
        return None


@dataclass(frozen=True, slots=True)
class SavedQuery:
    """A subscription's query, ready to match: clauses of options, source names resolved."""

    subscription_id: int
    include: tuple[tuple[Option, ...], ...]  # AND of (OR of options)
    exclude: tuple[Option, ...]
    since: date | None
    until: date | None


class Match(NamedTuple):
    """A subscription and an item it matches. A named tuple, not a dataclass: a busy batch
    yields hundreds of thousands of these, and tuples are made (and sorted) at C speed."""

    subscription_id: int
    item_id: int


def source_ids_by_name(session: Session, names: Iterable[str]) -> dict[str, frozenset[int]]:
    """Source ids per name as search resolves them: lower(name) in SQL = name.lower()."""
    wanted = sorted({name.lower() for name in names})
    found: dict[str, set[int]] = defaultdict(set)
    for chunk in batches(wanted):
        rows = session.execute(
            select(func.lower(SourceRow.name), SourceRow.id).where(
                func.lower(SourceRow.name).in_(chunk)
            )
        )
        for lowered, source_id in rows:
            found[lowered].add(source_id)
    return {name: frozenset(found.get(name.lower(), ())) for name in names}


def _option(atom: object, sources: dict[str, frozenset[int]]) -> Option:
    if isinstance(atom, Source):
        return sources[atom.name]
    return atom_tokens(atom)  # type: ignore[arg-type]


def compile_saved(
    subscription_id: int, query: Query, sources: dict[str, frozenset[int]]
) -> SavedQuery:
    """`query` as options; `sources` maps every source: name in it to ids."""
    include = [
        tuple(_option(a, sources) for a in c.options)
        if isinstance(c, AnyOf)
        else (_option(c, sources),)
        for c in query.include
    ]
    exclude = tuple(_option(a, sources) for a in query.exclude)
    has_tokens = any(not isinstance(o, frozenset) for clause in include for o in clause)
    window = query.since is not None or query.until is not None
    if not has_tokens and not window and any(not isinstance(o, frozenset) for o in exclude):
        # The engines anchor an exclusion-only text match on the token every item has.
        include.append(((EVERY_ITEM,),))
    return SavedQuery(subscription_id, tuple(include), exclude, query.since, query.until)


def _contains(sequence: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` stands in `sequence` as consecutive tokens."""
    first, length, start = phrase[0], len(phrase), 0
    while True:
        try:
            position = sequence.index(first, start)
        except ValueError:
            return False
        if sequence[position : position + length] == phrase:
            return True
        start = position + 1


class _Batch:
    """An inverted index over a batch of documents, of the tokens the queries mention."""

    def __init__(self, documents: Sequence[ItemDocument], queries: Sequence[SavedQuery]) -> None:
        self.documents = documents
        needed: set[str] = set()
        needs_sources = False
        for saved in queries:
            for option in (o for clause in saved.include for o in clause):
                needs_sources |= isinstance(option, frozenset)
                if not isinstance(option, frozenset):
                    needed.update(option)
            for option in saved.exclude:
                needs_sources |= isinstance(option, frozenset)
                if not isinstance(option, frozenset):
                    needed.update(option)
        self.postings: dict[str, set[int]] = defaultdict(set)
        self.carried: dict[int, set[int]] = defaultdict(set)
        for index, document in enumerate(documents):
            present = needed.intersection(document.text)
            present.update(needed.intersection(document.meta))
            for token in present:
                self.postings[token].add(index)
            if needs_sources:
                for source_id in document.source_ids:
                    self.carried[source_id].add(index)
        self.everything = set(range(len(documents)))
        self._atoms: dict[Option, set[int]] = {}
        self._days: list[date | None] | None = None

    def items(self, option: Option) -> set[int]:
        """Indexes of the documents an option matches (cached: subscriptions share atoms)."""
        found = self._atoms.get(option)
        if found is not None:
            return found
        if isinstance(option, frozenset):
            found = set().union(*(self.carried.get(i, ()) for i in option))
        else:
            postings = sorted((self.postings.get(t, set()) for t in set(option)), key=len)
            found = set(postings[0]).intersection(*postings[1:])
            if len(option) > 1:
                docs = self.documents
                found = {
                    i
                    for i in found
                    if _contains(docs[i].text, option) or _contains(docs[i].meta, option)
                }
        self._atoms[option] = found
        return found

    def days(self) -> list[date | None]:
        if self._days is None:
            self._days = [document.day for document in self.documents]
        return self._days

    def evaluate(self, saved: SavedQuery) -> set[int]:
        clauses = []
        for clause in saved.include:
            options = [self.items(option) for option in clause]
            clauses.append(options[0] if len(options) == 1 else set().union(*options))
        clauses.sort(key=len)
        found = set(clauses[0]).intersection(*clauses[1:]) if clauses else set(self.everything)
        if found and (saved.since is not None or saved.until is not None):
            low, high, days = saved.since or FIRST_DAY, saved.until or LAST_DAY, self.days()
            found = {i for i in found if (day := days[i]) is not None and low <= day <= high}
        for option in saved.exclude:
            if not found:
                break
            found = found - self.items(option)
        return found


def match_documents(
    documents: Sequence[ItemDocument], queries: Sequence[SavedQuery]
) -> list[Match]:
    """Every (subscription, item) pair that matches, ordered by subscription then item."""
    if not documents or not queries:
        return []
    documents = sorted(documents, key=attrgetter("id"))
    item_id = [document.id for document in documents].__getitem__
    batch = _Batch(documents, queries)
    matches: list[Match] = []
    for saved in sorted(queries, key=attrgetter("subscription_id")):
        found = map(item_id, sorted(batch.evaluate(saved)))
        matches.extend(map(Match._make, zip(repeat(saved.subscription_id), found)))
    return matches


def load_documents(
    session: Session, item_ids: Sequence[int], *, with_sources: bool = True
) -> list[ItemDocument]:
    """The search documents of these items (those that exist), by id."""
    ids = sorted(set(item_ids))
    rows: dict[int, tuple[str, str]] = {}
    carried: dict[int, set[int]] = defaultdict(set)
    dialect = dialect_of(session)
    documents = select(Item.id, Item.search_text, Item.search_meta).where(
        one_of(Item.id, "ids", dialect)
    )
    links = select(ItemSource.item_id, ItemSource.source_id).where(
        one_of(ItemSource.item_id, "ids", dialect)
    )
    for chunk in batches(ids):
        for item_id, text, meta in session.execute(documents, {"ids": list(chunk)}):
            rows[item_id] = (text or "", meta or "")
        if with_sources:
            for item_id, source_id in session.execute(links, {"ids": list(chunk)}):
                carried[item_id].add(source_id)
    return [
        ItemDocument(
            item_id, tuple(text.split()), tuple(meta.split()), frozenset(carried.get(item_id, ()))
        )
        for item_id, (text, meta) in sorted(rows.items())
    ]


def saved_queries(
    session: Session, subscriptions: Sequence[SubscriptionRecord], *, now: datetime
) -> list[SavedQuery]:
    """Parse and resolve subscriptions; one whose query no longer parses is left out (logged)."""
    parsed: list[tuple[int, Query]] = []
    for subscription in subscriptions:
        try:
            parsed.append((subscription.id, parse_query(subscription.query, now=now)))
        except BadInput as exc:
            log.warning("subscription #%d is not matched: %s", subscription.id, exc)
    names = {
        atom.name
        for _, query in parsed
        for clause in (*query.include, *query.exclude)
        for atom in (clause.options if isinstance(clause, AnyOf) else (clause,))
        if isinstance(atom, Source)
    }
    sources = source_ids_by_name(session, names) if names else {}
    return [compile_saved(sid, query, sources) for sid, query in parsed]


def match_items(
    session: Session,
    item_ids: Sequence[int],
    *,
    now: datetime | None = None,
    subscriptions: Sequence[SubscriptionRecord] | None = None,
) -> list[Match]:
    """The (subscription, item) pairs among these items and the enabled subscriptions (or the
    given ones), with relative dates in the queries taken from `now`."""
    if not item_ids:
        return []
    if subscriptions is None:
        subscriptions = list_subscriptions(session, enabled_only=True)
    queries = saved_queries(session, subscriptions, now=now or datetime.now(UTC))
    if not queries:
        return []
    with_sources = any(
        isinstance(option, frozenset)
        for saved in queries
        for option in (*(o for c in saved.include for o in c), *saved.exclude)
    )
    return match_documents(load_documents(session, item_ids, with_sources=with_sources), queries)

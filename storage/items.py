"""Storing and reading items.

`store_items` is the one write path from ingestion: one batch per fetched feed, deduplicated by
item key and canonical URL, so a story carried by several sources is stored once and remembers
each of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Table,
    delete,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.batches import batches, dialect_of, one_of
from storage.dedup import existing_ids
from storage.models import Item, ItemSource, ItemTag, Source
from storage.search_text import retag_search_meta, search_columns
from storage.types import NewItem, RetagRow, StoredItem, StoreResult

# Bound the IN (...) lists so SQLite's variable limit and PostgreSQL's planner stay happy.
_ITEMS = cast(Table, Item.__table__)
_ITEM_TAGS = cast(Table, ItemTag.__table__)
_ITEM_SOURCES = cast(Table, ItemSource.__table__)

Tag = Callable[[Sequence[NewItem]], Sequence[NewItem]]
"""Tags items (the tagger, bound to a source's hints); `store_items` calls it on new and changed
items only, so an unchanged story is never tagged again."""


def content_hash(title: str, summary: str) -> str:
    return hashlib.sha256(f"{title}\x00{summary}".encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _insert_ignoring_conflicts(connection: Connection, table: Table) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for the connection's dialect."""
    if connection.dialect.name == "postgresql":
        return pg_insert(table).on_conflict_do_nothing()
    return sqlite_insert(table).on_conflict_do_nothing()


def _item_row(item: NewItem, source_id: int, now: datetime) -> dict[str, Any]:
    return {
        "key": item.key,
        "canonical_url": item.canonical_url,
        "url": item.url,
        "title": item.title,
        "summary": item.summary,
        "author": item.author,
        "language": item.language,
        "published_at": item.published_at,
        "first_seen_at": now,
        "updated_at": now,
        "content_hash": content_hash(item.title, item.summary),
        "source_id": source_id,
        "doc_type": item.doc_type,
        "document_number": item.document_number,
        "agencies": list(item.agencies),
        "effective_on": item.effective_on,
        "comments_close_on": item.comments_close_on,
        "alert": item.alert,
        "reasons": {tag: list(why) for tag, why in item.reasons.items()},
        # Search document (storage/search_text.py); triggers copy it into the full-text index.
        **search_columns(
            title=item.title,
            summary=item.summary,
            tags=item.tags,
            alert=item.alert,
            language=item.language,
            published_at=item.published_at,
        ),
    }


def _replace_tags(
    connection: Connection,
    tags_by_item: Mapping[int, Mapping[str, float]],
    *,
    fresh: bool = False,
) -> None:
    """Write the tags of items; `fresh` items have none yet, so nothing is deleted first."""
    ids = list(tags_by_item)
    if not fresh:
        for chunk in batches(ids):
            connection.execute(delete(_ITEM_TAGS).where(_ITEM_TAGS.c.item_id.in_(chunk)))
    rows = [
        {"item_id": item_id, "tag": tag, "score": float(score)}
        for item_id, tags in tags_by_item.items()
        for tag, score in tags.items()
    ]
    if rows:
        connection.execute(insert(_ITEM_TAGS), rows)


def store_items(
    session: Session, source_id: int, items: Sequence[NewItem], *, tag: Tag | None = None
) -> StoreResult:
    """Insert new items, update changed ones, and link every item to `source_id`.

    With `tag`, only the items that are new or changed are tagged (and stored with their tags).
    Runs on the session's connection with Core statements: no ORM objects are built.
    """
    first_by_key: dict[str, NewItem] = {}
    for item in items:
        first_by_key.setdefault(item.key, item)  # a feed repeating an entry: the first copy wins
    if not first_by_key:
        return StoreResult()
    connection = session.connection()
    now = _now()
    existing = existing_ids(connection, list(first_by_key.values()))
    to_tag = [
        item
        for key, item in first_by_key.items()
        if key not in existing or existing[key][1] != content_hash(item.title, item.summary)
    ]
    if tag is not None and to_tag:
        for item in tag(to_tag):
            first_by_key[item.key] = item
    batch = list(first_by_key.values())
    fresh = [item for item in batch if item.key not in existing]

    new_ids: dict[str, int] = {}
    if fresh:
        statement = _insert_ignoring_conflicts(connection, _ITEMS).returning(
            _ITEMS.c.key, _ITEMS.c.id
        )
        for chunk in batches(fresh):
            rows = connection.execute(statement, [_item_row(i, source_id, now) for i in chunk])
            new_ids.update({key: item_id for key, item_id in rows})
        # Another process may have stored some of these keys a moment ago.
        raced = [item for item in fresh if item.key not in new_ids]
        if raced:
            existing.update(existing_ids(connection, raced))

    changed: dict[int, NewItem] = {}
    for item in batch:
        if item.key in existing:
            item_id, stored_hash = existing[item.key]
            if stored_hash != content_hash(item.title, item.summary):
                changed[item_id] = item
    newly_alert = _became_alerts(session, changed)
    for item_id, item in changed.items():
        row = _item_row(item, source_id, now)
        for unchanged_field in ("key", "first_seen_at", "source_id", "canonical_url"):
            row.pop(unchanged_field)
        connection.execute(update(_ITEMS).where(_ITEMS.c.id == item_id).values(**row))

    fresh_tags = {new_ids[i.key]: i.tags for i in fresh if i.key in new_ids}
    if fresh_tags:
        _replace_tags(connection, fresh_tags, fresh=True)
    if changed:
        _replace_tags(connection, {item_id: item.tags for item_id, item in changed.items()})

    links = [
        {
            "item_id": new_ids.get(item.key) or existing[item.key][0],
            "source_id": source_id,
            "entry_id": item.entry_id,
            "first_seen_at": now,
        }
        for item in batch
    ]
    link_statement = _insert_ignoring_conflicts(connection, _ITEM_SOURCES)
    for some_links in batches(links):
        connection.execute(link_statement, list(some_links))

    return StoreResult(
        new_items=len(new_ids),
        updated_items=len(changed),
        unchanged_items=len(batch) - len(new_ids) - len(changed),
        new_ids=tuple(sorted(new_ids.values())),
        newly_alert_ids=newly_alert,
    )


def _became_alerts(session: Session, changed: Mapping[int, NewItem]) -> tuple[int, ...]:
    """The changed items that are alerts now and were not before (read before the update)."""
    alerts = [item_id for item_id, item in changed.items() if item.alert]
    found: list[int] = []
    for chunk in batches(alerts):
        found.extend(session.scalars(select(Item.id).where(Item.id.in_(chunk), ~Item.alert)))
    return tuple(sorted(found))


def count_items(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Item)) or 0


# What a reader of the archive sees of an item: everything but the search document and the
# bookkeeping columns (loading those would read kilobytes per item for nothing).
_STORED_COLUMNS = (
    Item.id,
    Item.key,
    Item.title,
    Item.summary,
    Item.url,
    Item.published_at,
    Item.first_seen_at,
    Item.alert,
    Item.reasons,
    Item.language,
    Item.doc_type,
    Item.agencies,
    Item.effective_on,
    Item.comments_close_on,
    Item.source_id,
)


def load_items(session: Session, item_ids: Sequence[int]) -> list[StoredItem]:
    """Read items with their tags and sources, in the order of `item_ids`."""
    if not item_ids:
        return []
    dialect = dialect_of(session)
    rows: dict[int, Any] = {}
    for chunk in batches(list(item_ids)):
        found_rows = select(*_STORED_COLUMNS).where(one_of(Item.id, "ids", dialect))
        for found in session.execute(found_rows, {"ids": list(chunk)}):
            rows[found.id] = found
    tags: dict[int, dict[str, float]] = {item_id: {} for item_id in rows}
    sources: dict[int, list[tuple[int, str]]] = {item_id: [] for item_id in rows}
    priorities: dict[int, int] = {}
    tag_rows = select(ItemTag.item_id, ItemTag.tag, ItemTag.score).where(
        one_of(ItemTag.item_id, "ids", dialect)
    )
    source_rows = (
        select(ItemSource.item_id, Source.id, Source.name, Source.priority)
        .join(Source, Source.id == ItemSource.source_id)
        .where(one_of(ItemSource.item_id, "ids", dialect))
        .order_by(ItemSource.first_seen_at, Source.id)
    )
    for chunk in batches(list(rows)):
        for item_id, tag, score in session.execute(tag_rows, {"ids": list(chunk)}):
            tags[item_id][tag] = score
        for item_id, source_id, name, priority in session.execute(
            source_rows, {"ids": list(chunk)}
        ):
            sources[item_id].append((source_id, name))
            priorities[item_id] = max(priorities.get(item_id, priority), priority)
    result = []
    for item_id in item_ids:
        row = rows.get(item_id)
        if row is None:
            continue
        carried = sources[item_id]
        names = tuple(name for _, name in carried)
        primary = next((name for source_id, name in carried if source_id == row.source_id), None)
        result.append(
            StoredItem(
                id=row.id,
                key=row.key,
                title=row.title,
                summary=row.summary,
                url=row.url,
                published_at=_aware(row.published_at),
                first_seen_at=_aware(row.first_seen_at),
                source=primary or (names[0] if names else None),
                sources=names,
                tags=dict(sorted(tags[item_id].items(), key=lambda kv: -kv[1])),
                alert=row.alert,
                reasons={tag: tuple(why) for tag, why in (row.reasons or {}).items()},
                language=row.language,
                doc_type=row.doc_type,
                agencies=tuple(row.agencies or ()),
                effective_on=row.effective_on,
                comments_close_on=row.comments_close_on,
                source_priority=priorities.get(item_id, 0),
            )
        )
    return result


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def retag_items(
    session: Session,
    updates: Mapping[int, tuple[Mapping[str, float], bool, Mapping[str, tuple[str, ...]]]],
) -> None:
    """Replace tags, alert flag and reasons of the given items (used by `talentbrief retag`)."""
    for item_id, (_tags, alert, reasons) in updates.items():
        session.execute(
            update(Item)
            .where(Item.id == item_id)
            .values(alert=alert, reasons={tag: list(why) for tag, why in reasons.items()})
        )
    _replace_tags(
        session.connection(), {item_id: tags for item_id, (tags, _a, _r) in updates.items()}
    )
    retag_search_meta(
        session, {item_id: (tags, alert) for item_id, (tags, alert, _r) in updates.items()}
    )


def _since_clause(since: datetime | None) -> Any:
    return Item.published_at >= since if since is not None else true()


def count_items_to_retag(session: Session, since: datetime | None = None) -> int:
    """How many items `items_to_retag` pages through (for a progress bar)."""
    query = select(func.count()).select_from(Item).where(_since_clause(since))
    return session.scalar(query) or 0


def items_to_retag(
    session: Session, *, after_id: int = 0, limit: int = 500, since: datetime | None = None
) -> list[RetagRow]:
    """One page of items (id > `after_id`, by id) published at or after `since`."""
    rows = session.execute(
        select(
            Item.id,
            Item.title,
            Item.summary,
            Item.doc_type,
            Item.language,
            Item.alert,
            Item.reasons,
        )
        .where(Item.id > after_id, _since_clause(since))
        .order_by(Item.id)
        .limit(limit)
    ).all()
    ids = [row.id for row in rows]
    hints: dict[int, list[str]] = {item_id: [] for item_id in ids}
    tags: dict[int, dict[str, float]] = {item_id: {} for item_id in ids}
    if ids:
        for item_id, hint_tags in session.execute(
            select(ItemSource.item_id, Source.hint_tags)
            .join(Source, Source.id == ItemSource.source_id)
            .where(ItemSource.item_id.in_(ids))
            .order_by(ItemSource.item_id, Source.id)
        ):
            for tag in hint_tags or ():
                if tag not in hints[item_id]:
                    hints[item_id].append(tag)
        for item_id, tag, score in session.execute(
            select(ItemTag.item_id, ItemTag.tag, ItemTag.score).where(ItemTag.item_id.in_(ids))
        ):
            tags[item_id][tag] = score
    return [
        RetagRow(
            id=row.id,
            title=row.title,
            summary=row.summary or "",
            hint_tags=tuple(hints[row.id]),
            doc_type=row.doc_type,
            language=row.language,
            tags=tags[row.id],
            alert=bool(row.alert),
            reasons={tag: tuple(why) for tag, why in (row.reasons or {}).items()},
        )
        for row in rows
    ]


def item_reasons(session: Session, item_id: int) -> dict[str, tuple[str, ...]] | None:
    """Why the tagger tagged an item (topic id or "alert" → reasons); None if no such item."""
    row = session.execute(select(Item.reasons).where(Item.id == item_id)).first()
    if row is None:
        return None
    return {tag: tuple(why) for tag, why in (row.reasons or {}).items()}

"""Full-text search over items (FTS5 on SQLite, tsvector + GIN on PostgreSQL).

Python writes the search document into `items.search_text` / `items.search_meta`
(storage/search_text.py); triggers copy it into the engine's index, so every write path that
sets those columns keeps the index in step:
- SQLite: `item_search`, an FTS5 table over items (external content), plain unicode61 tokens;
- PostgreSQL: `item_search(item_id, document tsvector)` with a GIN index, the tsvector built from
  the same tokens verbatim by `talentbrief_search_vector` (no parser, no dictionary).

Revision ID: 0002_search
Revises: 0001_core
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.search_text import search_columns

revision: str = "0002_search"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000

SQLITE_UP = [
    """
    CREATE VIRTUAL TABLE item_search USING fts5(
        search_text, search_meta,
        content='items', content_rowid='id',
        tokenize="unicode61 remove_diacritics 0 tokenchars '_'",
        columnsize=0
    )
    """,
    """
    CREATE TRIGGER items_search_insert AFTER INSERT ON items BEGIN
        INSERT INTO item_search (rowid, search_text, search_meta)
        VALUES (new.id, new.search_text, new.search_meta);
    END
    """,
    """
    CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
        INSERT INTO item_search (item_search, rowid, search_text, search_meta)
        VALUES ('delete', old.id, old.search_text, old.search_meta);
    END
    """,
    """
    CREATE TRIGGER items_search_update AFTER UPDATE OF search_text, search_meta ON items
    WHEN old.search_text IS NOT new.search_text OR old.search_meta IS NOT new.search_meta
    BEGIN
        INSERT INTO item_search (item_search, rowid, search_text, search_meta)
        VALUES ('delete', old.id, old.search_text, old.search_meta);
        INSERT INTO item_search (rowid, search_text, search_meta)
        VALUES (new.id, new.search_text, new.search_meta);
    END
    """,
    "INSERT INTO item_search (item_search) VALUES ('rebuild')",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS items_search_update",
    "DROP TRIGGER IF EXISTS items_search_delete",
    "DROP TRIGGER IF EXISTS items_search_insert",
    "DROP TABLE IF EXISTS item_search",
]

POSTGRES_UP = [
    # Text tokens take positions 1…n; meta tokens follow after a gap, so a phrase never spans
    # the two (FTS5 keeps them in separate columns for the same reason).
    r"""
    CREATE FUNCTION talentbrief_search_vector(text_tokens text, meta_tokens text)
    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(string_agg(
                   '''' || replace(replace(token, '\', '\\'), '''', '''''') || ''':' || position,
                   ' '), '')::tsvector
        FROM (
            SELECT token, ordinality AS position
            FROM unnest(string_to_array(text_tokens, ' ')) WITH ORDINALITY AS t(token, ordinality)
            UNION ALL
            SELECT token,
                   ordinality + 1
                   + coalesce(array_length(string_to_array(text_tokens, ' '), 1), 0)
            FROM unnest(string_to_array(meta_tokens, ' ')) WITH ORDINALITY AS m(token, ordinality)
        ) AS tokens
        WHERE token <> ''
    $$
    """,
    """
    CREATE TABLE item_search (
        item_id integer PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
        document tsvector NOT NULL
    )
    """,
    "CREATE INDEX ix_item_search_document ON item_search USING gin (document)",
    """
    CREATE FUNCTION talentbrief_item_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO item_search (item_id, document)
        VALUES (NEW.id, talentbrief_search_vector(NEW.search_text, NEW.search_meta))
        ON CONFLICT (item_id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER items_search_insert AFTER INSERT ON items
    FOR EACH ROW EXECUTE FUNCTION talentbrief_item_search_sync()
    """,
    """
    CREATE TRIGGER items_search_update AFTER UPDATE OF search_text, search_meta ON items
    FOR EACH ROW
    WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text
          OR OLD.search_meta IS DISTINCT FROM NEW.search_meta)
    EXECUTE FUNCTION talentbrief_item_search_sync()
    """,
    """
    INSERT INTO item_search (item_id, document)
    SELECT id, talentbrief_search_vector(search_text, search_meta) FROM items
    """,
]

POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS items_search_update ON items",
    "DROP TRIGGER IF EXISTS items_search_insert ON items",
    "DROP FUNCTION IF EXISTS talentbrief_item_search_sync()",
    "DROP TABLE IF EXISTS item_search",
    "DROP FUNCTION IF EXISTS talentbrief_search_vector(text, text)",
]


def _backfill(connection: sa.Connection) -> None:
    """Write the search document of every item already stored."""
    items = sa.table(
        "items",
        sa.column("id", sa.Integer),
        sa.column("title", sa.Text),
        sa.column("summary", sa.Text),
        sa.column("language", sa.String),
        sa.column("published_at", sa.DateTime(timezone=True)),
        sa.column("alert", sa.Boolean),
        sa.column("search_text", sa.Text),
        sa.column("search_meta", sa.Text),
    )
    item_tags = sa.table("item_tags", sa.column("item_id", sa.Integer), sa.column("tag", sa.String))
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(
                items.c.id,
                items.c.title,
                items.c.summary,
                items.c.language,
                items.c.published_at,
                items.c.alert,
            )
            .where(items.c.id > last_id)
            .order_by(items.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        last_id = rows[-1].id
        tags: dict[int, list[str]] = defaultdict(list)
        for item_id, tag in connection.execute(
            sa.select(item_tags.c.item_id, item_tags.c.tag).where(
                item_tags.c.item_id.between(rows[0].id, last_id)
            )
        ):
            tags[item_id].append(tag)
        for row in rows:
            columns = search_columns(
                title=row.title,
                summary=row.summary or "",
                tags=tags[row.id],
                alert=bool(row.alert),
                language=row.language,
                published_at=row.published_at,
            )
            connection.execute(items.update().where(items.c.id == row.id).values(**columns))


def upgrade() -> None:
    op.add_column("items", sa.Column("search_text", sa.Text, nullable=False, server_default=""))
    op.add_column("items", sa.Column("search_meta", sa.Text, nullable=False, server_default=""))
    # Search trims open date ranges to the published days stored (min/max by this index).
    op.create_index("ix_items_published_at", "items", ["published_at"])
    connection = op.get_bind()
    _backfill(connection)
    statements = SQLITE_UP if connection.dialect.name == "sqlite" else POSTGRES_UP
    for statement in statements:
        connection.exec_driver_sql(statement)


def downgrade() -> None:
    op.drop_index("ix_items_published_at", "items")
    connection = op.get_bind()
    statements = SQLITE_DOWN if connection.dialect.name == "sqlite" else POSTGRES_DOWN
    for statement in statements:
        connection.exec_driver_sql(statement)
    if connection.dialect.name == "sqlite":
        # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), not a batch copy of the table.
        connection.exec_driver_sql("ALTER TABLE items DROP COLUMN search_meta")
        connection.exec_driver_sql("ALTER TABLE items DROP COLUMN search_text")
    else:
        op.drop_column("items", "search_meta")
        op.drop_column("items", "search_text")

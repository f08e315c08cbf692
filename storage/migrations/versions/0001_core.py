"""Core archive: sources with fetch state, items, their tags and the sources that carried them.

Revision ID: 0001_core
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_core"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("interval_seconds", sa.Integer, nullable=False),
        sa.Column("hint_tags", sa.JSON, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("next_due_at", TS),
        sa.Column("last_attempt_at", TS),
        sa.Column("last_success_at", TS),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_until", TS),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(128), nullable=False, unique=True),
        sa.Column("canonical_url", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("author", sa.Text),
        sa.Column("language", sa.String(16)),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="SET NULL")),
        sa.Column("doc_type", sa.String(64)),
        sa.Column("document_number", sa.String(64)),
        sa.Column("agencies", sa.JSON, nullable=False),
        sa.Column("effective_on", sa.Date),
        sa.Column("comments_close_on", sa.Date),
        sa.Column("alert", sa.Boolean, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
    )
    op.create_index("ix_items_canonical_url", "items", ["canonical_url"])
    op.create_index("ix_items_first_seen_at", "items", ["first_seen_at"])
    op.create_index("ix_items_source_id", "items", ["source_id"])
    op.create_index("ix_items_alert", "items", ["alert"])
    op.create_table(
        "item_tags",
        sa.Column(
            "item_id",
            sa.Integer,
            sa.ForeignKey("items.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(64), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
    )
    op.create_index("ix_item_tags_tag_item", "item_tags", ["tag", "item_id"])
    op.create_table(
        "item_sources",
        sa.Column(
            "item_id",
            sa.Integer,
            sa.ForeignKey("items.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "source_id",
            sa.Integer,
            sa.ForeignKey("sources.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("entry_id", sa.Text),
        sa.Column("first_seen_at", TS, nullable=False),
    )
    op.create_index("ix_item_sources_source", "item_sources", ["source_id"])


def downgrade() -> None:
    op.drop_table("item_sources")
    op.drop_table("item_tags")
    op.drop_table("items")
    op.drop_table("sources")

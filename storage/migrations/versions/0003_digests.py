"""Digest channels and digest runs (exactly-once posting).

Revision ID: 0003_digests
Revises: 0002_search
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_digests"
down_revision: str | None = "0002_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("schedule", sa.JSON, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("days", sa.JSON, nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("query", sa.Text),
        sa.Column("max_items", sa.Integer, nullable=False),
        sa.Column("post_empty", sa.Boolean, nullable=False),
        sa.Column("weekly", sa.String(3)),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "channel_id",
            sa.Integer,
            sa.ForeignKey("channels.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("period_key", sa.String(64), nullable=False),
        sa.Column("period_at", TS, nullable=False),
        sa.Column("edition", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("window_start", TS, nullable=False),
        sa.Column("window_end", TS, nullable=False),
        sa.Column("item_ids", sa.JSON, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("chart_png", sa.LargeBinary),
        sa.Column("parts", sa.Integer, nullable=False),
        sa.Column("posted_parts", sa.Integer, nullable=False),
        sa.Column("message_ids", sa.JSON, nullable=False),
        sa.Column("sending_part", sa.Integer),
        sa.Column("sending_since", TS),
        sa.Column("claimed_until", TS),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("posted_at", TS),
        sa.UniqueConstraint("channel_id", "period_key", name="uq_digest_runs_channel_period"),
    )
    op.create_index("ix_digest_runs_channel_state", "digest_runs", ["channel_id", "state"])


def downgrade() -> None:
    op.drop_table("digest_runs")
    op.drop_table("channels")

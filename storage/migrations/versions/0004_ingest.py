"""Ingest at scale: what the config sync last wrote, and a warning on sources.

- `sync_state`: one row per synced collection (today the config file's sources): a fingerprint
  of what was synced and how many rows it left, so an unchanged config costs one read.
- `sources.last_warning`: a problem that did not stop the poll (e.g. entries beyond the cap).

Revision ID: 0004_ingest
Revises: 0003_digests
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_ingest"
down_revision: str | None = "0003_digests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.add_column("sources", sa.Column("last_warning", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("last_warning")
    op.drop_table("sync_state")

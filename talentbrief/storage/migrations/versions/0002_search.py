"""Full-text search over items (FTS5 on SQLite, tsvector + GIN on PostgreSQL).

Revision ID: 0002_search
Revises: 0001_core
"""

from collections.abc import Sequence

revision: str = "0002_search"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled in by the feature that owns this revision


def downgrade() -> None:
    pass

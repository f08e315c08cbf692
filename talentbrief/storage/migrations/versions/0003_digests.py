"""Digest channels and digest runs (exactly-once posting).

Revision ID: 0003_digests
Revises: 0002_search
"""

from collections.abc import Sequence

revision: str = "0003_digests"
down_revision: str | None = "0002_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled in by the feature that owns this revision


def downgrade() -> None:
    pass

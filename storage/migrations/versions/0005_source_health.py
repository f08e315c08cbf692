"""Source health notices: what the admin channel was last told about each source.

Revision ID: 0005_source_health
Revises: 0004_alerts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_source_health"
down_revision: str | None = "0004_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as table:
        table.add_column(sa.Column("health_notice", sa.String(16)))
        table.add_column(sa.Column("health_noticed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("sources") as table:
        table.drop_column("health_noticed_at")
        table.drop_column("health_notice")

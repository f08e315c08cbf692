"""Policy alerts: subscriptions (saved queries), the delivery outbox, paused targets.

Revision ID: 0004_alerts
Revises: 0003_digests
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_alerts"
down_revision: str | None = "0003_digests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_platform", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.String(100), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_platform", sa.String(16), nullable=False),
        sa.Column("target_id", sa.String(200), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("paused_reason", sa.Text),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_subscriptions_owner", "subscriptions", ["owner_platform", "owner_id"])
    op.create_index("ix_subscriptions_target", "subscriptions", ["target_platform", "target_id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "subscription_id",
            sa.Integer,
            sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("message_id", sa.Text),
        sa.Column("batch_id", sa.Integer),
        sa.Column("claimed_until", TS),
        sa.Column("claim_token", sa.String(32)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("posted_at", TS),
        sa.UniqueConstraint("subscription_id", "item_id", name="uq_deliveries_subscription_item"),
    )
    op.create_index("ix_deliveries_item_id", "deliveries", ["item_id"])
    op.create_index("ix_deliveries_due", "deliveries", ["state", "next_attempt_at"])
    op.create_index(
        "ix_deliveries_subscription_created", "deliveries", ["subscription_id", "created_at"]
    )
    op.create_index(
        "ix_deliveries_subscription_posted", "deliveries", ["subscription_id", "posted_at"]
    )
    op.create_index("ix_deliveries_batch", "deliveries", ["batch_id"])
    op.create_table(
        "alert_targets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("target_id", sa.String(200), nullable=False),
        sa.Column("paused_at", TS),
        sa.Column("paused_reason", sa.Text),
        sa.Column("notice_claimed_until", TS),
        sa.Column("announced_at", TS),
        sa.Column("resumed_at", TS),
        sa.UniqueConstraint("platform", "target_id", name="uq_alert_targets_platform_target"),
    )


def downgrade() -> None:
    op.drop_table("alert_targets")
    op.drop_table("deliveries")
    op.drop_table("subscriptions")

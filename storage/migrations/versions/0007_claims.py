"""Claim tokens: who holds a source or a digest run, so leases can be renewed and released.

A claim writes a fresh token next to `claimed_until`; renewing and releasing a lease are fenced
on that token, so a process whose lease ran out can never extend or drop another one's claim.

Revision ID: 0007_claims
Revises: 0006_ingest
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_claims"
down_revision: str | None = "0006_ingest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(32)))
    with op.batch_alter_table("digest_runs") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("digest_runs") as batch:
        batch.drop_column("claim_token")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("claim_token")

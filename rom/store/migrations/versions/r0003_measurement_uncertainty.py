"""Each measurement's uncertainty and the calibration (roll and scale) it was taken with.

``uncertainty`` is a number (about a 95 % half-width in the measurement's unit);
``calibration`` is ``CalibrationUsed.to_dict()`` as JSON (JSONB on PostgreSQL).  Both are
nullable: rows measured before this revision have neither, and read back as None.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here rather than imported from rom.store.models (a revision is frozen).
NULLABLE_JSON = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def upgrade() -> None:
    # Adding nullable columns needs no table rebuild on SQLite.
    op.add_column("measurements", sa.Column("uncertainty", sa.Float(), nullable=True))
    op.add_column("measurements", sa.Column("calibration", NULLABLE_JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("measurements") as batch:
        batch.drop_column("calibration")
        batch.drop_column("uncertainty")

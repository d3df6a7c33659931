"""Session details (the technique's duration and side) and the clinic settings.

``sessions.technique_duration_s`` is how long the technique was applied, in seconds;
``sessions.technique_side`` the side it was applied to (``left``, ``right`` or ``both``).
Both are nullable: sessions saved before this revision have neither.  ``app_settings`` holds
values configured once for the whole store (e.g. the clinician and clinic named in a report's
header), one text value per key.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Adding nullable columns needs no table rebuild on SQLite.
    op.add_column("sessions", sa.Column("technique_duration_s", sa.Float(), nullable=True))
    op.add_column("sessions", sa.Column("technique_side", sa.String(16), nullable=True))
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_app_settings"),
    )


def downgrade() -> None:
    op.drop_table("app_settings")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("technique_side")
        batch.drop_column("technique_duration_s")

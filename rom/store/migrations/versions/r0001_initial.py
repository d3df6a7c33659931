"""First schema: people, sessions, trials and measurements.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here rather than imported from rom.store.models: a revision is a frozen record
# of the schema at that point and must not change when the models do.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _stamp_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(36), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "people",
        *_stamp_columns(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("height_cm", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("uid", name="uq_people_uid"),
    )
    op.create_table(
        "sessions",
        *_stamp_columns(),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("technique", sa.String(200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("uid", name="uq_sessions_uid"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], ondelete="CASCADE",
            name="fk_sessions_person_id_people",
        ),
    )
    op.create_table(
        "trials",
        *_stamp_columns(),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(8), nullable=False),
        sa.Column("test", sa.String(64), nullable=False),
        sa.Column("side", sa.String(16), nullable=True),
        sa.Column("video_sha256", sa.String(64), nullable=True),
        sa.Column("video_path", sa.Text(), nullable=True),
        sa.Column("stored_video", sa.String(80), nullable=True),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_trials"),
        sa.UniqueConstraint("uid", name="uq_trials_uid"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], ondelete="CASCADE",
            name="fk_trials_session_id_sessions",
        ),
        sa.CheckConstraint("phase IN ('pre', 'post')", name="ck_trials_phase"),
    )
    op.create_table(
        "measurements",
        *_stamp_columns(),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("test", sa.String(64), nullable=False),
        sa.Column("side", sa.String(16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("reliable", sa.Boolean(), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("peak_time_s", sa.Float(), nullable=True),
        sa.Column("peak_frame", sa.Integer(), nullable=True),
        sa.Column("secondary", JSON, nullable=False),
        sa.Column("provenance", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_measurements"),
        sa.UniqueConstraint("uid", name="uq_measurements_uid"),
        sa.ForeignKeyConstraint(
            ["trial_id"], ["trials.id"], ondelete="CASCADE",
            name="fk_measurements_trial_id_trials",
        ),
        sa.CheckConstraint(
            "quality >= 0 AND quality <= 1", name="ck_measurements_quality_range"
        ),
    )


def downgrade() -> None:
    for table in ("measurements", "trials", "sessions", "people"):
        op.drop_table(table)

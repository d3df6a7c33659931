"""Indexes for the history queries and video clean-up.

Neither SQLite nor PostgreSQL indexes foreign keys by themselves; a person's history walks
sessions -> trials -> measurements, and deleting a person looks trials up by video hash.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_sessions_person_id", "sessions", ["person_id", "date"]),
    ("ix_trials_session_id", "trials", ["session_id"]),
    ("ix_trials_video_sha256", "trials", ["video_sha256"]),
    ("ix_measurements_trial_id", "measurements", ["trial_id"]),
    ("ix_measurements_test", "measurements", ["test", "side"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)

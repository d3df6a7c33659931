"""The database schema of rom's store, as SQLAlchemy 2.x ORM classes.

Four tables, each row a child of the one before it (``ON DELETE CASCADE`` all the way):

``people``        a person (name or pseudonym, optional height, notes)
``sessions``      one visit: a date, a place, the technique done between pre and post
``trials``        one recorded test in a session: phase ``pre``/``post``, test, side, video
``measurements``  what rom measured in a trial (the fields of ``Measurement.to_dict()``;
                  its ``calibration`` as one JSON column)

Every row also carries a ``uid`` (a random UUID as text) that never changes, so a person's
history exported on one machine and imported on another keeps its identity and a second
import does not duplicate anything.

The ORM classes stay inside :mod:`rom.store`; callers get plain dataclasses from
:mod:`rom.store.records`.  The schema itself is created and changed only by the Alembic
revisions in ``rom/store/migrations/versions``; a test compares these classes with the
migrated database so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from rom.store.schema import CalibrationFields, JsonValue

# Deterministic constraint names, so migrations (including SQLite batch rebuilds) can name them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite (stored as text), JSONB on PostgreSQL.
JsonType = JSON().with_variant(JSONB(), "postgresql")
# The same for a column that may be empty: Python's None is SQL NULL, not JSON ``null``, so
# a row written without the value and a row from before the column existed look alike.
NullableJsonType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def new_uid() -> str:
    """A fresh random identity for a row, stable across export and import."""
    return str(uuid.uuid4())


def utc_now() -> dt.datetime:
    """The current time in UTC (timezone-aware)."""
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as an aware UTC datetime (SQLite gives back naive ones; all is UTC)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PersonRow(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    name: Mapped[str] = mapped_column(String(200))  # a name or a pseudonym
    height_cm: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    sessions: Mapped[list[SessionRow]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (Index(None, "person_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    technique: Mapped[str | None] = mapped_column(String(200))  # e.g. "Toe Spreaders"
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # Since revision 0004; NULL in older rows.  How long the technique was applied (s) and
    # to which side ("left", "right" or "both").
    technique_duration_s: Mapped[float | None] = mapped_column(Float)
    technique_side: Mapped[str | None] = mapped_column(String(16))

    person: Mapped[PersonRow] = relationship(back_populates="sessions")
    trials: Mapped[list[TrialRow]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )


class TrialRow(Base):
    __tablename__ = "trials"
    __table_args__ = (
        CheckConstraint("phase IN ('pre', 'post')", name="phase"),
        Index(None, "session_id"),
        Index(None, "video_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(8))
    test: Mapped[str] = mapped_column(String(64))
    side: Mapped[str | None] = mapped_column(String(16))  # None until measured ("auto")
    video_sha256: Mapped[str | None] = mapped_column(String(64))
    video_path: Mapped[str | None] = mapped_column(Text)  # where the original file was
    stored_video: Mapped[str | None] = mapped_column(String(80))  # file name in the videos dir
    settings: Mapped[dict[str, JsonValue]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    session: Mapped[SessionRow] = relationship(back_populates="trials")
    measurements: Mapped[list[MeasurementRow]] = relationship(
        back_populates="trial", cascade="all, delete-orphan", passive_deletes=True
    )


class MeasurementRow(Base):
    __tablename__ = "measurements"
    __table_args__ = (
        CheckConstraint("quality >= 0 AND quality <= 1", name="quality_range"),
        Index(None, "trial_id"),
        Index(None, "test", "side"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"))
    test: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    quality: Mapped[float] = mapped_column(Float)
    reliable: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[str]] = mapped_column(JsonType, default=list)
    peak_time_s: Mapped[float | None] = mapped_column(Float)
    peak_frame: Mapped[int | None] = mapped_column(Integer)
    secondary: Mapped[dict[str, float]] = mapped_column(JsonType, default=dict)
    provenance: Mapped[dict[str, str]] = mapped_column(JsonType, default=dict)
    # Since revision 0003; NULL in older rows.  About a 95 % half-width in ``unit``.
    uncertainty: Mapped[float | None] = mapped_column(Float)
    # Since revision 0003: CalibrationUsed.to_dict(), NULL in older rows.
    calibration: Mapped[CalibrationFields | None] = mapped_column(NullableJsonType)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    trial: Mapped[TrialRow] = relationship(back_populates="measurements")


class SettingRow(Base):
    """A value configured once for the whole store (since revision 0004), e.g. the clinic."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)

"""Group rhythms and the due work planned from them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class TaskKind(enum.StrEnum):
    """Kinds of due work."""

    POLL_CLOSE = "poll_close"
    POLL_REMINDER = "poll_reminder"
    MEETING_REMINDER = "meeting_reminder"
    CADENCE_REVIEW = "cadence_review"  # ref: group; the coordinators review the next poll
    CADENCE_OPEN = "cadence_open"  # ref: group; the planned poll opens
    AGENDA_CLOSE = "agenda_close"  # ref: meeting; proposals close, coordinators are told
    ACTION_REMINDER = "action_reminder"  # ref: action item; the person responsible is reminded


class GroupRhythm(SQLModel, table=True):
    """How often and when a group wants to meet; the bot plans its polls from this."""

    __tablename__ = "group_rhythm"

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workgroup.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    enabled: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))
    per_year: int = Field(sa_column=Column(Integer, nullable=False))
    weekdays: list[int] = Field(sa_column=Column(JSON, nullable=False))
    window_start: str = Field(sa_column=Column(String(5), nullable=False))
    window_end: str = Field(sa_column=Column(String(5), nullable=False))
    duration_minutes: int = Field(sa_column=Column(Integer, nullable=False))
    location: str | None = Field(default=None, sa_column=Column(String(200)))
    lead_days: int = Field(sa_column=Column(Integer, nullable=False))
    poll_days: int = Field(sa_column=Column(Integer, nullable=False))
    candidates: int = Field(sa_column=Column(Integer, nullable=False))
    review: bool = Field(sa_column=Column(Boolean, nullable=False))
    review_days: int = Field(sa_column=Column(Integer, nullable=False))
    #: The middle of the last planned cycle's target period: the next cycle counts from it
    #: when that cycle ended without a meeting (e.g. its poll was cancelled).
    last_cycle_center: date | None = Field(default=None, sa_column=Column(Date))


class DueTask(SQLModel, table=True):
    """Work that falls due at a time: done exactly once, by whichever sweep claims it first."""

    __tablename__ = "due_task"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id", "due_at", name="uq_due_task"),
        Index("ix_due_task_open", "done_at", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: TaskKind = Field(sa_column=Column(String(32), nullable=False))
    ref_id: int = Field(sa_column=Column(Integer, nullable=False))
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    cancelled: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, default=False)
    )

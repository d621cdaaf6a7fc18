"""Meetings and who comes to them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class MeetingStatus(enum.StrEnum):
    """Whether a meeting takes place."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Meeting(SQLModel, table=True):
    """A fixed meeting of a group."""

    __tablename__ = "meeting"

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workgroup.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    poll_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("poll.id", ondelete="SET NULL"), unique=True),
    )
    uid: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    status: MeetingStatus = Field(sa_column=Column(String(16), nullable=False, index=True))
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    ends_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    all_day: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    location: str | None = Field(default=None, sa_column=Column(String(200)))
    #: A link to join online, besides or instead of a place.
    online_url: str | None = Field(default=None, sa_column=Column(String(500)))
    #: The secret in the "I'm here" deep link (``?start=here-<token>``).
    checkin_token: str | None = Field(
        default=None, sa_column=Column(String(32), unique=True, index=True)
    )
    note: str | None = Field(default=None, sa_column=Column(Text))
    sequence: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    #: What the coordinator is typing for this meeting ("move"), if anything.
    editing_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"))
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Attendance(SQLModel, table=True):
    """Whether a member comes to a meeting. A forgotten member's answers to past meetings stay
    as anonymous rows (``member_id`` NULL), so the meeting's counts do not change."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id", name="uq_attendance"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), index=True),
    )
    coming: bool = Field(sa_column=Column(Boolean, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))

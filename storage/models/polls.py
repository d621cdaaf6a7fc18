"""Date polls, their candidate dates and the votes on them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class PollStatus(enum.StrEnum):
    """Where a date poll stands."""

    DRAFT = "draft"  # the coordinator is still composing it
    OPEN = "open"
    CHOOSING = "choosing"  # closed; a tie or too few Yes: the coordinator picks the date
    CLOSED = "closed"  # closed and decided
    CANCELLED = "cancelled"


class DraftStep(enum.StrEnum):
    """What the next message of a poll's author is read as, while composing."""

    OPTIONS = "options"
    SUGGEST = "suggest"
    DEADLINE = "deadline"
    LOCATION = "location"
    NOTE = "note"
    PREVIEW = "preview"  # no text expected
    ADD_OPTION = "add_option"
    EXTEND = "extend"


class Poll(SQLModel, table=True):
    """A date poll of one group."""

    __tablename__ = "poll"

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workgroup.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    author_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), index=True),
    )
    status: PollStatus = Field(sa_column=Column(String(16), nullable=False, index=True))
    step: DraftStep | None = Field(default=None, sa_column=Column(String(16)))
    location: str | None = Field(default=None, sa_column=Column(String(200)))
    note: str | None = Field(default=None, sa_column=Column(Text))
    duration_minutes: int = Field(default=120, sa_column=Column(Integer, nullable=False))
    deadline: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    quorum: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    opened_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    #: Planned by the group's rhythm (not started by hand).
    planned: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))


class PollOption(SQLModel, table=True):
    """One candidate date of a poll. Counts are frozen when the poll closes."""

    __tablename__ = "poll_option"

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("poll.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    all_day: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    removed: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    yes_count: int | None = Field(default=None, sa_column=Column(Integer))
    maybe_count: int | None = Field(default=None, sa_column=Column(Integer))
    no_count: int | None = Field(default=None, sa_column=Column(Integer))


class Vote(SQLModel, table=True):
    """A member's answer (yes, maybe, no) to one option."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("option_id", "member_id", name="uq_vote"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("poll.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    option_id: int = Field(
        sa_column=Column(Integer, ForeignKey("poll_option.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    answer: str = Field(sa_column=Column(String(8), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))

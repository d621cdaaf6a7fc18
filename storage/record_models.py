"""Tables of the meeting record: agenda items, check-ins, minutes, decisions, action items, and
what a member is typing for one of them.

Kept apart from :mod:`storage.models`; imported wherever the metadata is gathered.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

#: How long one agenda item, decision or action item may be.
ITEM_LIMIT = 500


class AgendaStatus(enum.StrEnum):
    """Where an agenda item stands."""

    PROPOSED = "proposed"  # a member's proposal, not yet looked at
    ACCEPTED = "accepted"  # on the agenda, at ``position``
    DROPPED = "dropped"


class AgendaItem(SQLModel, table=True):
    """One item for a meeting's agenda, proposed by a member or added by a coordinator."""

    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    author_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), index=True),
    )
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: AgendaStatus = Field(sa_column=Column(String(16), nullable=False))
    position: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class CheckIn(SQLModel, table=True):
    """A member was at a meeting ("I'm here", or added by a coordinator afterwards). A forgotten
    member's check-in stays as an anonymous row (``member_id`` NULL), so the count stays."""

    __tablename__ = "check_in"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id", name="uq_check_in"),)

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
    #: "self" (the member checked in) or "added" (a coordinator corrected the list).
    source: str = Field(sa_column=Column(String(8), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Minutes(SQLModel, table=True):
    """The minutes of a meeting: a text, a document (kept as Telegram's file id), or both."""

    __tablename__ = "minutes"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    author_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), index=True),
    )
    text: str | None = Field(default=None, sa_column=Column(Text))
    file_id: str | None = Field(default=None, sa_column=Column(String(256)))
    file_name: str | None = Field(default=None, sa_column=Column(String(200)))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    #: When it went out to the members (None while the coordinator is still adding to it).
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class Decision(SQLModel, table=True):
    """A decision taken at a meeting."""

    __tablename__ = "decision"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ActionItem(SQLModel, table=True):
    """Who does what by when, agreed at a meeting. Open items go onto the next agenda."""

    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    group_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workgroup.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    text: str = Field(sa_column=Column(Text, nullable=False))
    #: The member responsible; None once they were forgotten (the item stays the group's).
    assignee_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), index=True),
    )
    due_on: date = Field(sa_column=Column(Date, nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class RecordStep(enum.StrEnum):
    """What a member's next message is read as, in a record dialogue."""

    PROPOSE = "propose"  # an agenda proposal (ref: meeting)
    AGENDA_ADD = "agenda_add"  # a coordinator's own item (ref: meeting)
    AGENDA_EDIT = "agenda_edit"  # new wording (ref: agenda item)
    MINUTES = "minutes"  # text and/or a document (ref: minutes)
    DECISION = "decision"  # ref: meeting
    ACTION_WHAT = "action_what"  # ref: meeting
    ACTION_WHO = "action_who"  # a button or a name (ref: meeting; data: text)
    ACTION_DUE = "action_due"  # a date (ref: meeting; data: text, assignee)
    ONLINE_LINK = "online_link"  # ref: meeting
    CLOSE_DAYS = "close_days"  # ref: group


class RecordInput(SQLModel, table=True):
    """A record dialogue waiting for this member's next message (one at a time)."""

    __tablename__ = "record_input"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    step: RecordStep = Field(sa_column=Column(String(16), nullable=False))
    ref_id: int = Field(sa_column=Column(Integer, nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


__all__ = [
    "ITEM_LIMIT",
    "ActionItem",
    "AgendaItem",
    "AgendaStatus",
    "CheckIn",
    "Decision",
    "Minutes",
    "RecordInput",
    "RecordStep",
]

"""SQLModel tables. Invariants (uniqueness, references) live here, in the database."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

# Named constraints, so that migrations can refer to them on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Role(enum.StrEnum):
    """What a member may do in a group."""

    MEMBER = "member"
    COORDINATOR = "coordinator"


class Member(SQLModel, table=True):
    """A person who consented to use the bot."""

    __tablename__ = "member"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    first_name: str = Field(sa_column=Column(String(128), nullable=False))
    last_name: str | None = Field(default=None, sa_column=Column(String(128)))
    username: str | None = Field(default=None, sa_column=Column(String(64), index=True))
    language: str = Field(sa_column=Column(String(8), nullable=False))
    consent_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    consent_version: int = Field(sa_column=Column(Integer, nullable=False))
    unreachable_since: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, index=True)
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    #: Since when the member is in no group (None while in one): from consent until the first
    #: join, and from leaving the last group. Retention counts from here; the index lets the
    #: retention pass find such members without reading every member.
    left_all_groups_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, index=True)
    )

    @property
    def display_name(self) -> str:
        """First and last name as Telegram shows them."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


class Group(SQLModel, table=True):
    """A standing working group ("Handlungsfeld")."""

    __tablename__ = "workgroup"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    timezone: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    #: A Telegram group chat linked to this group: announcements go there too.
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, unique=True))
    #: Fewer Yes than this for the best date: the coordinator decides.
    poll_quorum: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    #: Whether a poll's winning date waits for the coordinator's confirmation.
    confirm_dates: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, default=False)
    )
    #: Hours before a poll's deadline at which members who have not answered are reminded.
    poll_reminder_hours: list[int] = Field(
        default_factory=lambda: [48, 6], sa_column=Column(JSON, nullable=False)
    )
    #: Agenda proposals for a meeting close this many days before it.
    agenda_close_days: int = Field(
        default=3, sa_column=Column(Integer, nullable=False, default=3, server_default="3")
    )


class Membership(SQLModel, table=True):
    """A member's place in a group, with their role there."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("member_id", "group_id", name="uq_membership"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    group_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workgroup.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    role: Role = Field(sa_column=Column(String(16), nullable=False, default=Role.MEMBER))
    joined_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class AnnouncementStatus(enum.StrEnum):
    """Where an announcement stands."""

    DRAFT = "draft"  # waiting for the coordinator's message
    PREVIEW = "preview"  # content shown back, waiting for Send / Schedule / Cancel
    AWAITING_TIME = "awaiting_time"  # Schedule pressed, waiting for the time
    SCHEDULED = "scheduled"
    SENDING = "sending"  # deliveries written; the outbox works through them
    CANCELLED = "cancelled"


class ContentKind(enum.StrEnum):
    """What an announcement carries."""

    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


class Announcement(SQLModel, table=True):
    """A coordinator's message to a group (or, from an organiser, to all groups)."""

    __tablename__ = "announcement"

    id: int | None = Field(default=None, primary_key=True)
    sender_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), index=True),
    )
    sender_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    group_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("workgroup.id", ondelete="CASCADE"), index=True),
    )
    status: AnnouncementStatus = Field(sa_column=Column(String(16), nullable=False, index=True))
    content_kind: ContentKind | None = Field(default=None, sa_column=Column(String(16)))
    text_html: str | None = Field(default=None, sa_column=Column(Text))
    file_id: str | None = Field(default=None, sa_column=Column(String(256)))
    urgent: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    pin: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    scheduled_for: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    released_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    report_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))


class DeliveryStatus(enum.StrEnum):
    """Where one outgoing message stands."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by the dispatcher; a request may be in flight
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"


class Delivery(SQLModel, table=True):
    """One row of the outbox: what to send to one chat, and how far it got."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    #: Names the thing and the recipient, so the same thing is never queued twice for a chat.
    dedupe_key: str = Field(sa_column=Column(String(96), nullable=False, unique=True))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    announcement_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("announcement.id", ondelete="CASCADE"), index=True),
    )
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), index=True),
    )
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    #: The Bot API calls to make, in order: [{"method": "sendMessage", "params": {...}}, ...]
    payload: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    parts_sent: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    message_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )
    status: DeliveryStatus = Field(sa_column=Column(String(16), nullable=False))
    urgent: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    pin: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    not_before: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    last_error: str | None = Field(default=None, sa_column=Column(String(256)))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    #: The dispatcher that claimed the row ('sending'), and until when its claim holds: it
    #: renews the lease while it works; a claim whose lease ran out is taken back by the sweep.
    claimed_by: str | None = Field(default=None, sa_column=Column(String(64)))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


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


class InboundUpdate(SQLModel, table=True):
    """An update from Telegram, kept from its arrival until it is handled (then its content is
    dropped and only the id stays a few days, to recognise the same update delivered again)."""

    __tablename__ = "inbound_update"

    #: Telegram's update_id (increasing per bot; random again after a week without updates).
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    #: The update as Telegram sent it, until it is handled; personal data, so dropped then.
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    handled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    #: How often a restart handed the update to the handlers again (a crash while handling).
    replays: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))

"""Announcements and the outbox rows that deliver them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


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

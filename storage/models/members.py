"""Members, groups and who is in which, with what role."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


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

"""SQLModel tables. Invariants (uniqueness, references) live here, in the database."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, UniqueConstraint
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
    unreachable_since: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))

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

"""Updates from Telegram, kept until they are handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


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

"""What a member is typing for the meeting record: the dialogue's pending input."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.record_models import RecordInput, RecordStep


async def expect(
    session: AsyncSession,
    *,
    member_id: int,
    step: RecordStep,
    ref_id: int,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """Read the member's next message as ``step`` for ``ref_id``."""
    await stop_expecting(session, member_id=member_id)
    session.add(
        RecordInput(member_id=member_id, step=step, ref_id=ref_id, data=data or {}, created_at=now)
    )
    await session.flush()


async def expected(session: AsyncSession, *, member_id: int) -> RecordInput | None:
    """The record dialogue waiting for this member's message, if any."""
    result = await session.exec(select(RecordInput).where(RecordInput.member_id == member_id))
    return result.first()


async def stop_expecting(session: AsyncSession, *, member_id: int) -> None:
    """The member's record dialogue (if any) ends."""
    await session.exec(delete(RecordInput).where(col(RecordInput.member_id) == member_id))

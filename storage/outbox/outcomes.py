"""What came of a send: parts sent, sent, to retry, failed, or the chat unreachable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Delivery, DeliveryStatus, Member
from storage.outbox.queue import OPEN


async def record_part(
    session: AsyncSession, *, delivery_id: int, parts_sent: int, message_ids: list[int]
) -> None:
    """Remember how many parts of a multi-part delivery went out (so a resume skips them)."""
    await session.exec(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id)
        .values(parts_sent=parts_sent, message_ids=message_ids)
    )


async def mark_sent(
    session: AsyncSession, *, delivery_id: int, message_ids: list[int], now: datetime
) -> None:
    """The delivery went out completely."""
    await session.exec(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id)
        .values(
            status=DeliveryStatus.SENT,
            sent_at=now,
            message_ids=message_ids,
            parts_sent=len(message_ids),
            last_error=None,
            claimed_by=None,
            lease_until=None,
        )
    )


async def mark_sent_many(
    session: AsyncSession, *, sent: list[tuple[int, list[int]]], now: datetime
) -> None:
    """Several deliveries went out completely: ``(delivery_id, message_ids)`` pairs, written
    in one statement."""
    if not sent:
        return
    await session.exec(
        update(Delivery),
        params=[
            {
                "id": delivery_id,
                "status": DeliveryStatus.SENT,
                "sent_at": now,
                "message_ids": message_ids,
                "parts_sent": len(message_ids),
                "last_error": None,
                "claimed_by": None,
                "lease_until": None,
            }
            for delivery_id, message_ids in sent
        ],
    )


async def mark_retry(
    session: AsyncSession,
    *,
    delivery_id: int,
    not_before: datetime,
    error: str,
    attempts: int,
) -> None:
    """Put the delivery back to be tried again at ``not_before``."""
    await session.exec(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id)
        .values(
            status=DeliveryStatus.PENDING,
            not_before=not_before,
            last_error=error[:256],
            attempts=attempts,
            claimed_by=None,
            lease_until=None,
        )
    )


async def mark_failed(session: AsyncSession, *, delivery_id: int, error: str) -> None:
    """Give up on the delivery."""
    await session.exec(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id)
        .values(
            status=DeliveryStatus.FAILED, last_error=error[:256], claimed_by=None, lease_until=None
        )
    )


async def mark_chat_unreachable(session: AsyncSession, *, chat_id: int, now: datetime) -> int:
    """The user blocked the bot: their open deliveries stop and they are marked unreachable."""
    result = await session.exec(
        update(Delivery)
        .where(col(Delivery.chat_id) == chat_id, col(Delivery.status).in_(OPEN))
        .values(
            status=DeliveryStatus.UNREACHABLE,
            last_error="Forbidden",
            claimed_by=None,
            lease_until=None,
        )
    )
    await session.exec(
        update(Member)
        .where(col(Member.telegram_id) == chat_id, col(Member.unreachable_since).is_(None))
        .values(unreachable_since=now)
    )
    return int(result.rowcount or 0)

"""Writing rows into the outbox: one message, or many in a few statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Delivery, DeliveryStatus

#: Deliveries not finished yet: waiting, or claimed and perhaps in flight.
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
#: Rows per statement when writing or looking up many at once.
CHUNK = 500


async def enqueue(
    session: AsyncSession,
    *,
    dedupe_key: str,
    kind: str,
    chat_id: int,
    payload: list[dict[str, Any]],
    not_before: datetime,
    now: datetime,
    member_id: int | None = None,
    announcement_id: int | None = None,
    urgent: bool = False,
    pin: bool = False,
    status: DeliveryStatus = DeliveryStatus.PENDING,
) -> Delivery | None:
    """Queue a message unless the same ``dedupe_key`` was queued before; None if it was."""
    existing = await session.exec(select(Delivery.id).where(Delivery.dedupe_key == dedupe_key))
    if existing.first() is not None:
        return None
    delivery = Delivery(
        dedupe_key=dedupe_key,
        kind=kind,
        chat_id=chat_id,
        payload=payload,
        not_before=not_before,
        created_at=now,
        member_id=member_id,
        announcement_id=announcement_id,
        urgent=urgent,
        pin=pin,
        status=status,
    )
    session.add(delivery)
    return delivery


@dataclass(frozen=True)
class NewDelivery:
    """One message to queue with :func:`enqueue_many`."""

    dedupe_key: str
    kind: str
    chat_id: int
    payload: list[dict[str, Any]]
    not_before: datetime
    member_id: int | None = None
    announcement_id: int | None = None
    urgent: bool = False
    pin: bool = False
    status: DeliveryStatus = DeliveryStatus.PENDING


async def enqueue_many(
    session: AsyncSession, *, deliveries: Sequence[NewDelivery], now: datetime
) -> int:
    """Queue many messages in a few statements (a broadcast), skipping dedupe keys queued
    before; returns how many were queued."""
    keys = [d.dedupe_key for d in deliveries]
    seen: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        result = await session.exec(
            select(Delivery.dedupe_key).where(
                col(Delivery.dedupe_key).in_(keys[start : start + CHUNK])
            )
        )
        seen.update(result.all())
    rows: list[dict[str, Any]] = []
    for d in deliveries:
        if d.dedupe_key in seen:
            continue
        seen.add(d.dedupe_key)
        rows.append(
            {
                "dedupe_key": d.dedupe_key,
                "kind": d.kind,
                "chat_id": d.chat_id,
                "payload": d.payload,
                "not_before": d.not_before,
                "created_at": now,
                "member_id": d.member_id,
                "announcement_id": d.announcement_id,
                "urgent": d.urgent,
                "pin": d.pin,
                "status": d.status,
                "parts_sent": 0,
                "message_ids": [],
                "attempts": 0,
            }
        )
    for start in range(0, len(rows), CHUNK):
        await session.exec(insert(Delivery), params=rows[start : start + CHUNK])
    return len(rows)

"""The outbox: every message the bot sends on its own is a row here first.

Rows are written in the same transaction as the thing they announce; the dispatcher claims due
rows, sends them and records the outcome. Keyword-only functions, session first, never commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Delivery, DeliveryStatus, Member

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


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    owner: str = "",
    lease_until: datetime | None = None,
) -> list[Delivery]:
    """Mark up to ``limit`` due rows as being sent by ``owner`` until ``lease_until`` and
    return them (urgent ones first)."""
    stmt = (
        select(Delivery)
        .where(Delivery.status == DeliveryStatus.PENDING, col(Delivery.not_before) <= now)
        .order_by(col(Delivery.urgent).desc(), col(Delivery.id))
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list((await session.exec(stmt)).all())
    if rows:
        await session.exec(
            update(Delivery)
            .where(col(Delivery.id).in_([r.id for r in rows]))
            .values(status=DeliveryStatus.SENDING, claimed_by=owner, lease_until=lease_until)
        )
        for row in rows:
            row.status = DeliveryStatus.SENDING
            row.claimed_by, row.lease_until = owner, lease_until
    return rows


async def renew(
    session: AsyncSession, *, owner: str, delivery_ids: Sequence[int], lease_until: datetime
) -> set[int]:
    """Extend ``owner``'s lease on the given rows; returns those it still holds (a row whose
    lease ran out may have been taken back meanwhile)."""
    held: set[int] = set()
    ids = list(delivery_ids)
    for start in range(0, len(ids), CHUNK):
        result = await session.exec(
            update(Delivery)
            .where(
                col(Delivery.id).in_(ids[start : start + CHUNK]),
                col(Delivery.status) == DeliveryStatus.SENDING,
                col(Delivery.claimed_by) == owner,
            )
            .values(lease_until=lease_until)
            .returning(col(Delivery.id))
        )
        held.update(int(i) for i in result.scalars())
    return held


async def reclaim_expired(
    session: AsyncSession, *, now: datetime, keep: Sequence[int] = ()
) -> int:
    """Give back to the table the claims whose lease ran out (their dispatcher died, lost the
    database, or dropped the row), except the rows in ``keep`` (the caller's own, still being
    worked on). A claim without a lease (written before leases existed) counts as expired.
    Returns how many."""
    stmt = update(Delivery).where(
        col(Delivery.status) == DeliveryStatus.SENDING,
        or_(col(Delivery.lease_until).is_(None), col(Delivery.lease_until) < now),
    )
    if keep:
        stmt = stmt.where(col(Delivery.id).not_in(list(keep)))
    result = await session.exec(
        stmt.values(status=DeliveryStatus.PENDING, claimed_by=None, lease_until=None)
    )
    return int(result.rowcount or 0)


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending row becomes due."""
    result = await session.exec(
        select(func.min(Delivery.not_before)).where(Delivery.status == DeliveryStatus.PENDING)
    )
    value = result.one()
    return value if isinstance(value, datetime) else None


async def held(session: AsyncSession, *, now: datetime) -> tuple[int, datetime | None]:
    """Pending rows not due yet (held for quiet hours or a retry): how many, and the earliest."""
    result = await session.exec(
        select(func.count(col(Delivery.id)), func.min(Delivery.not_before)).where(
            Delivery.status == DeliveryStatus.PENDING, col(Delivery.not_before) > now
        )
    )
    count, earliest = result.one()
    return int(count), earliest if isinstance(earliest, datetime) else None


async def release_in_flight(session: AsyncSession) -> int:
    """Every claim, whoever holds it, back to the table: only for a dispatcher that knows no
    other one can be running (SQLite's instance lock outlives no process)."""
    result = await session.exec(
        update(Delivery)
        .where(col(Delivery.status) == DeliveryStatus.SENDING)
        .values(status=DeliveryStatus.PENDING, claimed_by=None, lease_until=None)
    )
    return int(result.rowcount or 0)


async def release(session: AsyncSession, *, delivery_ids: list[int], owner: str = "") -> None:
    """Give rows ``owner`` claimed back to the table (their send never began)."""
    await session.exec(
        update(Delivery)
        .where(
            col(Delivery.id).in_(delivery_ids),
            col(Delivery.status) == DeliveryStatus.SENDING,
            col(Delivery.claimed_by) == owner,
        )
        .values(status=DeliveryStatus.PENDING, claimed_by=None, lease_until=None)
    )


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


async def counts_for_announcement(
    session: AsyncSession, *, announcement_id: int
) -> Counter[DeliveryStatus]:
    """How many deliveries of an announcement are in each state."""
    result = await session.exec(
        select(Delivery.status, func.count(col(Delivery.id)))
        .where(Delivery.announcement_id == announcement_id)
        .group_by(col(Delivery.status))
    )
    return Counter({DeliveryStatus(status): int(n) for status, n in result.all()})


async def held_for_announcement(
    session: AsyncSession, *, announcement_id: int, now: datetime
) -> int:
    """Pending deliveries of an announcement that may not go out before a later time."""
    result = await session.exec(
        select(func.count(col(Delivery.id))).where(
            Delivery.announcement_id == announcement_id,
            Delivery.status == DeliveryStatus.PENDING,
            col(Delivery.not_before) > now,
        )
    )
    return int(result.one())


async def unreachable_names(session: AsyncSession, *, announcement_id: int) -> list[str]:
    """Display names of the members an announcement could not reach."""
    result = await session.exec(
        select(Member)
        .join(Delivery, col(Delivery.member_id) == col(Member.id))
        .where(
            Delivery.announcement_id == announcement_id,
            col(Delivery.status).in_([DeliveryStatus.UNREACHABLE, DeliveryStatus.FAILED]),
        )
        .order_by(col(Member.first_name))
    )
    return [m.display_name for m in result.all()]


async def find(session: AsyncSession, *, dedupe_key: str) -> Delivery | None:
    """The delivery queued under ``dedupe_key``, if any."""
    result = await session.exec(select(Delivery).where(Delivery.dedupe_key == dedupe_key))
    return result.first()


async def sent_with_prefix(session: AsyncSession, *, prefix: str) -> list[Delivery]:
    """Sent deliveries whose dedupe key starts with ``prefix`` (e.g. a poll's invitations)."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    result = await session.exec(
        select(Delivery).where(
            col(Delivery.dedupe_key).like(pattern, escape="\\"),
            Delivery.status == DeliveryStatus.SENT,
        )
    )
    return list(result.all())

"""The dispatcher's claims on due rows: taking them, renewing and giving back leases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Delivery, DeliveryStatus
from storage.outbox.queue import CHUNK


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

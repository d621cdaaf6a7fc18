"""Looking rows up: an announcement's report, a queued row, a thing's sent messages."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Delivery, DeliveryStatus, Member


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

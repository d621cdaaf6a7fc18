"""The outbox's marks: several deliveries marked sent in one statement."""

from __future__ import annotations

from sqlmodel import col, select

from domain.clock import FakeClock
from storage import outbox
from storage.db import SessionMaker
from storage.models import Delivery, DeliveryStatus


async def test_mark_sent_many(sessionmaker: SessionMaker, clock: FakeClock) -> None:
    """Each named row becomes sent with its own message ids; the others stay as they were."""
    now = clock.now()
    async with sessionmaker.begin() as session:
        for chat in (1, 2, 3):
            await outbox.enqueue(
                session,
                dedupe_key=f"t:{chat}",
                kind="test",
                chat_id=chat,
                payload=[{"method": "sendMessage", "params": {"text": "x"}}, {}],
                not_before=now,
                now=now,
            )
    async with sessionmaker.begin() as session:
        claimed = await outbox.claim_due(session, now=now, limit=10)
        first, _, third = (d.id or 0 for d in claimed)
        await outbox.record_part(session, delivery_id=first, parts_sent=1, message_ids=[7])
        await outbox.mark_sent_many(session, sent=[(first, [7, 8]), (third, [9, 10])], now=now)
        await outbox.mark_sent_many(session, sent=[], now=now)
    async with sessionmaker() as session:
        rows = (await session.exec(select(Delivery).order_by(col(Delivery.id)))).all()
    assert [(r.status, r.message_ids, r.parts_sent, r.sent_at) for r in rows] == [
        (DeliveryStatus.SENT, [7, 8], 2, now),
        (DeliveryStatus.SENDING, [], 0, None),
        (DeliveryStatus.SENT, [9, 10], 2, now),
    ]

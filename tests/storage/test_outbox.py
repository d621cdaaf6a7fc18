"""The outbox's bulk writes: a broadcast queued at once, deliveries marked sent together."""

from __future__ import annotations

from dataclasses import replace

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


async def test_enqueue_many_skips_keys_queued_before(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """A broadcast written at once queues each key once, also against earlier rows."""
    now = clock.now()
    part = [{"method": "sendMessage", "params": {"text": "Hallo"}}]
    async with sessionmaker.begin() as session:
        await outbox.enqueue(
            session,
            dedupe_key="a1:10",
            kind="announcement",
            chat_id=10,
            payload=part,
            not_before=now,
            now=now,
        )
    rows = [
        outbox.NewDelivery(f"a1:{chat}", "announcement", chat, part, now, announcement_id=None)
        for chat in (10, 11, 12, 11)
    ]
    rows[2] = replace(rows[2], status=DeliveryStatus.UNREACHABLE, pin=True)
    async with sessionmaker.begin() as session:
        assert await outbox.enqueue_many(session, deliveries=rows, now=now) == 2
    async with sessionmaker() as session:
        stored = (await session.exec(select(Delivery).order_by(col(Delivery.id)))).all()
    assert [(d.dedupe_key, d.status, d.pin, d.payload, d.message_ids) for d in stored] == [
        ("a1:10", DeliveryStatus.PENDING, False, part, []),
        ("a1:11", DeliveryStatus.PENDING, False, part, []),
        ("a1:12", DeliveryStatus.UNREACHABLE, True, part, []),
    ]
    assert all(d.not_before == now and d.created_at == now for d in stored)

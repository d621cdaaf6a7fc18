"""An outbox row claimed by a dispatcher that died is sent by the leader's sweep once the
claim's lease ran out, and not before."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col

from storage import outbox
from storage.models import Delivery, DeliveryStatus
from tests.e2e.harness import World

TEXT = "Erinnerung: Treffen morgen"


async def test_the_sweep_sends_an_orphaned_claim_after_its_lease(world: World) -> None:
    """A row left 'sending' by a dead dispatcher: the sweep leaves it while the lease holds,
    then takes it back and the member gets the message once.

    Planted bug it catches: the sweep not reclaiming expired claims (the message would wait
    for the next start, or forever with a leader that never restarts)."""
    user = world.emu.user(4242, "Ayla")
    now = world.clock.now()
    async with world.sessionmaker.begin() as session:
        await outbox.enqueue(
            session,
            dedupe_key="orphan:4242",
            kind="announcement",
            chat_id=user.id,
            payload=[{"method": "sendMessage", "params": {"text": TEXT}}],
            not_before=now,
            now=now,
        )
        await session.exec(
            update(Delivery)
            .where(col(Delivery.dedupe_key) == "orphan:4242")
            .values(
                status=DeliveryStatus.SENDING,
                claimed_by="gone:1:dead",
                lease_until=now + timedelta(seconds=15),
            )
        )
    await world.tick(timedelta(seconds=5))
    assert [m.text for m in user.bot_messages] == []
    await world.tick(timedelta(seconds=20))
    await world.app.bot_data.dispatcher.drain()
    await world.settle()
    assert [m.text for m in user.bot_messages] == [TEXT]

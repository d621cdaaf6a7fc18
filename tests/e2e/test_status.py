"""/status end to end: what an organiser sees, on the leader and on a standby; others are refused."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from storage import outbox, tasks
from storage.locks import instance_lock
from storage.models import Announcement, AnnouncementStatus, Member, TaskKind
from tests.e2e.harness import ADMIN_ID, VERSION, World
from tests.e2e.helpers import consented, group_id, member_of


async def _arrange(world: World) -> None:
    """Two waiting deliveries, one that fails, an unreachable member, a task and an announcement."""
    now = world.clock.now()
    bildung = await group_id(world, "bildung")
    async with world.sessionmaker.begin() as session:
        for i in (1, 2):
            await outbox.enqueue(
                session,
                dedupe_key=f"later{i}",
                kind="test",
                chat_id=5000 + i,
                payload=[{"method": "sendMessage", "params": {"text": "later"}}],
                not_before=now + timedelta(days=1),
                now=now,
            )
        await outbox.enqueue(  # nobody has chat 777: Telegram says "chat not found"
            session,
            dedupe_key="nowhere",
            kind="test",
            chat_id=777,
            payload=[{"method": "sendMessage", "params": {"text": "lost"}}],
            not_before=now,
            now=now,
        )
        member = (await session.exec(select(Member).where(Member.telegram_id == 4002))).one()
        member.unreachable_since = now
        session.add(member)
        await tasks.schedule(
            session, kind=TaskKind.CADENCE_OPEN, ref_id=bildung, due_at=now + timedelta(days=2)
        )
        session.add(
            Announcement(
                status=AnnouncementStatus.SCHEDULED,
                group_id=bildung,
                text_html="Save the date",
                scheduled_for=now + timedelta(hours=30),
                created_at=now,
            )
        )
    await world.settle()


async def test_organiser_sees_the_state_of_this_instance(world: World) -> None:
    """Version, uptime, leader, database, outbox, unreachable members, next steps, last error."""
    admin = await consented(world, ADMIN_ID, "Olga")
    for user_id, name in ((4001, "Ada"), (4002, "Ben")):
        await member_of(world, await consented(world, user_id, name), "bildung")
    await _arrange(world)
    world.clock.advance(timedelta(hours=2, minutes=5))

    status = await world.send(admin, "/status")
    lines = status.text.split("\n")
    database = world.settings.database_url.split("///")[-1]
    expected_db = (
        f"Database: SQLite {database}"
        if world.settings.database_url.startswith("sqlite")
        else "Database: PostgreSQL 127.0.0.1:5432/"
    )
    assert lines[0] == f"Gremium {VERSION}"
    assert lines[1] == "Running since Nov 24, 2026 10:00\u202fAM (2 h 5 min)."
    assert lines[2] == "This instance: leader. It sends the messages and keeps the schedule."
    assert lines[3].startswith(expected_db)
    assert "@" not in lines[3]
    assert lines[4:6] == [
        "Deliveries waiting: 2 (being sent now: 0); given up: 1",
        "Unreachable members: 1",
    ]
    assert lines[6:11] == [
        "",
        "Next scheduled steps",
        "• Nov 25, 2026 4:00\u202fPM · Bildung: scheduled announcement",
        "• Nov 26, 2026 10:00\u202fAM · Bildung: the planned date poll opens",
        "",
    ]
    assert lines[11] == "Last error"
    assert lines[12].startswith(
        "Nov 24, 2026 10:00\u202fAM: outbox: delivery 3 to chat 777 failed:"
    )
    assert "chat not found" in lines[12].lower()
    assert status.html.startswith(f"<b>Gremium {VERSION}</b>\n")


async def test_a_standby_says_so(world: World) -> None:
    """While another instance holds the lock, /status says standby; then it leads again."""
    admin = await consented(world, ADMIN_ID, "Olga")
    leadership = world.app.bot_data.leadership
    await leadership.stop()
    other = instance_lock(world.settings.database_url)
    assert await other.acquire()
    try:
        await leadership.start()
        assert not leadership.is_leader
        status = await world.send(admin, "/status")
        assert status.text.split("\n")[2] == (
            "This instance: standby. It answers; another instance sends the messages and keeps "
            "the schedule, and this one takes over if that one stops."
        )
        assert status.text.endswith("Last error\nNo errors since the start.")
        assert "Nothing is scheduled." in status.text
    finally:
        await other.release()
    await leadership.step()
    assert leadership.is_leader
    status = await world.send(admin, "/status")
    assert "This instance: leader." in status.text


async def test_only_organisers_see_the_status(world: World) -> None:
    """Anyone else is refused politely, in their language; German organisers read German."""
    ada = await consented(world, 4001, "Ada")
    refused = await world.send(ada, "/status")
    assert refused.text == "Sorry, only the organisers can do that."
    admin = await consented(world, ADMIN_ID, "Olga", language="de")
    status = await world.send(admin, "/status")
    assert status.text.split("\n")[2].startswith("Diese Instanz: führend.")
    assert "Nächste geplante Schritte" in status.text

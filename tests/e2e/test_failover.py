"""Failover: two real bot processes on one PostgreSQL database, the leader killed mid-broadcast.

Both instances run ``gremium run`` in webhook mode behind a small round-robin proxy (what nginx
does with two upstream servers); the emulator posts Telegram's updates to the proxy. The leader
is killed with SIGKILL while it sends an announcement to 40 members and before a date poll's
deadline; the standby must take over within 30 s, finish the broadcast (a member may get a
second copy only if the request for them was in flight at the kill) and close the poll exactly
once (one meeting, one notice per member).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import select

from domain.polls import Answer
from sandbox.emulator import Emulator, UserHandle
from storage import members as member_repo
from storage import migrate, outbox, tasks
from storage import polls as poll_repo
from storage.db import SessionMaker, create_engine, make_sessionmaker
from storage.groups import add_membership
from storage.models import (
    Announcement,
    AnnouncementStatus,
    Delivery,
    DeliveryStatus,
    DueTask,
    Group,
    Meeting,
    Poll,
    PollStatus,
    TaskKind,
)
from tests.conftest import (
    NO_POSTGRES,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
)
from tests.e2e.test_webhook import free_port

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 40
ADMIN = 900_001
SECRET = "failover-secret"
TEXT = "Einladung zur Integrationskonferenz am 17. November"
# The bot as `gremium run`, with the sweep every 2 s instead of 20 (so the poll closes soon).
ENTRY = (
    "import sys, runtime.leadership as leader; leader.SWEEP_INTERVAL = 2; "
    "from bot.__main__ import main; sys.exit(main(sys.argv[1:]))"
)


@dataclass
class Instance:
    """One ``gremium run`` process."""

    name: str
    port: int
    log: Path
    proc: asyncio.subprocess.Process | None = None

    async def role(self) -> str | None:
        """ "leader" or "standby" from /healthz; None while it does not answer."""
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.get(
                    f"http://127.0.0.1:{self.port}/healthz", timeout=aiohttp.ClientTimeout(2)
                ) as resp,
            ):
                body = await resp.json()
        except (aiohttp.ClientError, TimeoutError):
            return None
        role: str = body["role"]
        return role

    def log_lines(self) -> list[str]:
        """What the process wrote to stdout and stderr."""
        return self.log.read_text().splitlines() if self.log.exists() else []


@dataclass
class RoundRobin:
    """A reverse proxy with two upstreams: the next one on each request, skipping dead ones."""

    upstreams: list[str]
    hits: Counter[str] = field(default_factory=Counter)
    _next: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower().startswith(("x-", "content-type"))
        }
        async with aiohttp.ClientSession() as http:
            for _ in self.upstreams:
                upstream = self.upstreams[self._next % len(self.upstreams)]
                self._next += 1
                try:
                    async with http.post(upstream + request.path, data=body, headers=headers) as r:
                        self.hits[upstream] += 1
                        return web.Response(status=r.status, body=await r.read())
                except aiohttp.ClientConnectionError:
                    continue  # like nginx's proxy_next_upstream error
        return web.Response(status=502)


async def until(predicate: Callable[[], object], timeout: float, what: str) -> float:
    """Wait until ``predicate()`` (sync or async) is true; the seconds it took."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.monotonic() - began
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


@asynccontextmanager
async def database() -> AsyncIterator[tuple[str, SessionMaker]]:
    """A fresh, migrated PostgreSQL database for the two instances."""
    name = f"gremium_failover_{os.getpid()}"
    url = await asyncio.to_thread(create_postgres_database, name)
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url)
    try:
        yield url, make_sessionmaker(engine)
    finally:
        await engine.dispose()
        await asyncio.to_thread(drop_postgres_database, name)


def write_config(path: Path, *, emu: Emulator, proxy_port: int, port: int, url: str) -> None:
    """The configuration an administrator would write, with test values."""
    path.write_text(
        f"""
[telegram]
token = "{emu.token}"
api_root = "{emu.api_root}"
mode = "webhook"

[webhook]
url = "http://127.0.0.1:{proxy_port}"
listen = "127.0.0.1"
port = {port}
path = "telegram"
secret_token = "{SECRET}"

[database]
url = "{url}"

[organisation]
admins = [{ADMIN}]

[outbox]
rate = 10
quiet_hours_start = "00:00"
quiet_hours_end = "00:00"

[cluster]
check_seconds = 1

[logging]
format = "json"

[[groups]]
slug = "bildung"
name = "Bildung"
"""
    )


async def start(instance: Instance, config: Path) -> None:
    """Start ``gremium run`` and wait until its server answers."""
    out = instance.log.open("w")
    instance.proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        ENTRY,
        "run",
        "--config",
        str(config),
        cwd=ROOT,
        stdout=out,
        stderr=asyncio.subprocess.STDOUT,
    )
    out.close()
    try:
        await until(instance.role, 30, f"{instance.name} answers /healthz")
    except AssertionError:
        raise AssertionError("\n".join(instance.log_lines()[-30:])) from None


async def seed(sessionmaker: SessionMaker, users: list[UserHandle], deadline: datetime) -> int:
    """Members of Bildung, an open poll they all said yes to, and an announcement to them all."""
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        group = (await session.exec(select(Group).where(Group.slug == "bildung"))).one()
        assert group.id is not None
        members = []
        for user in users:
            member = await member_repo.record_consent(
                session,
                telegram_id=user.id,
                first_name=user.user.first_name,
                last_name=None,
                username=None,
                language="de",
                version=1,
                now=now,
            )
            assert member.id is not None
            await add_membership(session, member_id=member.id, group_id=group.id, now=now)
            members.append(member)
        poll = await poll_repo.create_draft(
            session, group_id=group.id, author_id=members[0].id or 0, now=now
        )
        assert poll.id is not None
        day = (now + timedelta(days=30)).replace(hour=16, minute=0, second=0, microsecond=0)
        await poll_repo.replace_options(
            session,
            poll_id=poll.id,
            options=[
                poll_repo.NewOption(day, day + timedelta(hours=2), False),
                poll_repo.NewOption(day + timedelta(days=7), None, False),
            ],
        )
        first = (await poll_repo.list_options(session, poll_id=poll.id))[0]
        assert first.id is not None
        poll.status, poll.step, poll.deadline, poll.opened_at = (
            PollStatus.OPEN,
            None,
            deadline,
            now,
        )
        session.add(poll)
        for member in members:
            assert member.id is not None
            await poll_repo.set_vote(
                session,
                poll_id=poll.id,
                option_id=first.id,
                member_id=member.id,
                answer=Answer.YES,
                now=now,
            )
        await tasks.schedule(session, kind=TaskKind.POLL_CLOSE, ref_id=poll.id, due_at=deadline)
        announcement = Announcement(
            status=AnnouncementStatus.SENDING,
            group_id=group.id,
            text_html=TEXT,
            created_at=now,
            released_at=now,
        )
        session.add(announcement)
        await session.flush()
        for member in members:
            await outbox.enqueue(
                session,
                dedupe_key=f"a{announcement.id}:{member.telegram_id}",
                kind="announcement",
                chat_id=member.telegram_id,
                payload=[{"method": "sendMessage", "params": {"text": TEXT}}],
                not_before=now,
                now=now,
                member_id=member.id,
                announcement_id=announcement.id,
            )
        return poll.id


async def sent(sessionmaker: SessionMaker, at_least: int) -> bool:
    """Whether the outbox recorded at least this many deliveries as sent."""
    async with sessionmaker() as session:
        statuses = (await session.exec(select(Delivery.status))).all()
    return Counter(statuses)[DeliveryStatus.SENT] >= at_least


def copies(user: UserHandle) -> int:
    """How many times the user got the announcement."""
    return sum(1 for m in user.bot_messages if m.text == TEXT)


def notices(user: UserHandle) -> int:
    """How many meeting notices (with their calendar file) the user got."""
    return sum(1 for m in user.bot_messages if m.document is not None)


async def test_standby_takes_over_a_broadcast_and_a_poll_deadline(tmp_path: Path) -> None:
    """SIGKILL the leader mid-broadcast: the standby finishes it and closes the poll once."""
    async with database() as (url, sessionmaker), Emulator() as emu:
        users = [emu.user(7000 + i, f"Mitglied{i}", language_code="de") for i in range(MEMBERS)]
        asker = emu.user(ADMIN, "Olga", language_code="de")
        a = Instance("a", free_port(), tmp_path / "a.log")
        b = Instance("b", free_port(), tmp_path / "b.log")
        proxy = RoundRobin([f"http://127.0.0.1:{a.port}", f"http://127.0.0.1:{b.port}"])
        server = web.Application()
        server.router.add_post("/telegram", proxy.handle)
        runner = web.AppRunner(server, access_log=None)
        await runner.setup()
        proxy_port = free_port()
        await web.TCPSite(runner, "127.0.0.1", proxy_port).start()
        try:
            for instance in (a, b):
                config = tmp_path / f"{instance.name}.toml"
                write_config(config, emu=emu, proxy_port=proxy_port, port=instance.port, url=url)
                await start(instance, config)
            assert (await a.role(), await b.role()) == ("leader", "standby")

            # Both instances answer updates (the proxy alternates between them).
            for _ in range(2):
                await asker.send("/help")
            await until(lambda: len(asker.bot_messages) >= 2, 15, "both instances answered")
            assert set(proxy.hits) == set(proxy.upstreams)

            deadline = datetime.now(UTC) + timedelta(seconds=6)
            poll_id = await seed(sessionmaker, users, deadline)
            await until(lambda: sent(sessionmaker, 10), 15, "the broadcast is under way")
            assert a.proc is not None
            a.proc.send_signal(signal.SIGKILL)
            killed_at = datetime.now(UTC)
            await a.proc.wait()
            assert killed_at < deadline, "the poll's deadline passed before the kill"
            received = {u.id for u in users if copies(u)}
            async with sessionmaker() as session:
                claimed = set(
                    (
                        await session.exec(
                            select(Delivery.chat_id).where(
                                Delivery.status == DeliveryStatus.SENDING
                            )
                        )
                    ).all()
                )
            in_flight = received & claimed  # requested, but not recorded as sent
            assert len(received) < MEMBERS, "the broadcast was over before the kill"
            assert len(in_flight) < len(received)

            took = await _takeover(b)
            assert took < 30

            await until(lambda: all(copies(u) >= 1 for u in users), 40, "everyone got it")
            await until(lambda: all(notices(u) >= 1 for u in users), 40, "every notice went out")
            await asyncio.sleep(2)  # time for a duplicate to show, if there were one

            doubled = {u.id for u in users if copies(u) > 1}
            assert doubled <= in_flight
            assert [notices(u) for u in users] == [1] * MEMBERS
            async with sessionmaker() as session:
                poll = await session.get(Poll, poll_id)
                meetings = (
                    await session.exec(select(Meeting).where(Meeting.poll_id == poll_id))
                ).all()
                close = (
                    await session.exec(
                        select(DueTask).where(
                            DueTask.kind == TaskKind.POLL_CLOSE, DueTask.ref_id == poll_id
                        )
                    )
                ).all()
            assert poll is not None and poll.status == PollStatus.CLOSED
            assert len(meetings) == 1
            assert [t.done_at is not None for t in close] == [True]

            # The survivor answers updates alone now.
            before = len(asker.bot_messages)
            await asker.send("/help")
            await until(lambda: len(asker.bot_messages) > before, 15, "the survivor answers")

            # Structured logs: one JSON object per line, and never the token.
            for instance in (a, b):
                lines = instance.log_lines()
                assert lines
                assert all(emu.token not in line for line in lines)
                events = [json.loads(line) for line in lines]
                assert {"ts", "level", "logger", "msg"} <= set(events[0])
            messages = [json.loads(line)["msg"] for line in b.log_lines()]
            assert "leadership: this instance leads now" in messages
        finally:
            for instance in (a, b):
                if instance.proc is not None and instance.proc.returncode is None:
                    instance.proc.send_signal(signal.SIGTERM)
                    try:
                        await asyncio.wait_for(instance.proc.wait(), 15)
                    except TimeoutError:
                        instance.proc.kill()
                        await instance.proc.wait()
            await runner.cleanup()
        assert b.proc is not None and b.proc.returncode == 0, "\n".join(b.log_lines()[-20:])


async def _takeover(instance: Instance) -> float:
    """Seconds until ``instance`` reports itself leader."""

    async def leads() -> bool:
        return await instance.role() == "leader"

    return await until(leads, 30, f"{instance.name} takes over")

"""Announcements: a broadcast to every member of a large group, released through
``handlers.announcements.release.release`` and sent by the real dispatcher to the emulator.

- Under Telegram's limits (the emulator answers 429 beyond them) at the configured 25/s: the
  time from release to the last delivery must be within 5% of members / rate. Meanwhile other
  members send /mygroups, and their answers must come with a p99 latency under 250 ms.
- Without limits (configured rate 1000/s with paid broadcasting, the emulator limits nothing):
  the dispatcher must send at least 500 messages/s.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.process import Bot, outside_bot_data
from bench.table import Row
from bench.world import (
    MORNING,
    Sizes,
    add_groups,
    add_members,
    add_memberships,
    count,
    database,
    emulator,
    emulator_users,
    ms,
    percentile,
    running_bot,
    sessions,
)
from handlers.announcements.release import release
from handlers.context import BotData
from sandbox.emulator import Emulator
from storage import groups as group_repo
from storage import members as member_repo
from storage.models import Announcement, AnnouncementStatus, ContentKind, Role

SENDER = 999_999
FIRST_MEMBER = 1_000_001
FIRST_OTHER = 3_000_001
TEXT = "<b>Einladung</b> zum Fachtag Integration am 3. Dezember im Kulturzentrum."


@dataclass
class Delivered:
    """What the emulator received for a set of chats: how many, and when the last one came."""

    chats: set[int]
    seen: set[int] = field(default_factory=set)
    per_chat: Counter[int] = field(default_factory=Counter)
    copies: int = 0
    first: datetime | None = None
    last: datetime | None = None
    _index: int = 0

    def scan(self, emu: Emulator) -> None:
        """Take in the calls recorded since the last scan."""
        calls = emu.calls
        for call in calls[self._index :]:
            if call.method != "sendMessage" or not call.ok:
                continue
            chat = int(call.params["chat_id"])
            if chat in self.chats:
                self.copies += 1
                self.per_chat[chat] += 1
                self.seen.add(chat)
                self.first = self.first or call.at
                self.last = call.at
        self._index = len(calls)

    async def wait_all(self, emu: Emulator, timeout: float) -> None:
        """Wait until every chat got its message."""
        async with asyncio.timeout(timeout):
            while True:
                self.scan(emu)
                if len(self.seen) >= len(self.chats):
                    return
                await asyncio.sleep(0.2)


async def prepare(url: str, emu: Emulator, members: int, others: int) -> None:
    """A group "bench" with a coordinator and ``members``; ``others`` people in another group."""
    async with sessions(url) as sm:
        bench, other = await add_groups(sm, ["bench", "andere"], now=MORNING)
        member_tids = [FIRST_MEMBER + i for i in range(members)]
        other_tids = [FIRST_OTHER + i for i in range(others)]
        ids = await add_members(sm, [SENDER, *member_tids, *other_tids], now=MORNING)
        await add_memberships(sm, [(ids[0], bench)], now=MORNING, role=Role.COORDINATOR)
        await add_memberships(sm, [(m, bench) for m in ids[1 : members + 1]], now=MORNING)
        await add_memberships(sm, [(m, other) for m in ids[members + 1 :]], now=MORNING)
    emulator_users(emu, [SENDER, *member_tids, *other_tids])


async def release_announcement(bd: BotData, *, text: str = TEXT) -> int:
    """Write the announcement and its deliveries in one transaction, as Send does; returns
    how many deliveries were written."""
    async with bd.sessionmaker.begin() as session:
        sender = await member_repo.get_member_by_telegram_id(session, telegram_id=SENDER)
        group = await group_repo.get_group_by_slug(session, slug="bench")
        assert sender is not None and group is not None
        announcement = Announcement(
            sender_id=sender.id,
            group_id=group.id,
            status=AnnouncementStatus.SENDING,
            content_kind=ContentKind.TEXT,
            text_html=text,
            urgent=True,  # not held back by the quiet hours, whatever the time of the run
            created_at=bd.clock.now(),
        )
        session.add(announcement)
        await session.flush()
        return await release(session, bd, announcement)


@dataclass
class Commands:
    """Members of another group sending /mygroups while the broadcast runs."""

    sent: dict[int, datetime] = field(default_factory=dict)

    async def run(self, emu: Emulator, tids: Sequence[int], span: float) -> None:
        """Send one command per person, spread evenly over ``span`` seconds."""
        began = time.monotonic()
        for i, tid in enumerate(tids):
            await asyncio.sleep(max(0.0, began + (i + 0.5) * span / len(tids) - time.monotonic()))
            self.sent[tid] = datetime.now(UTC)
            await emu.get_user(tid).send("/mygroups")

    def latencies(self, emu: Emulator) -> list[float]:
        """Seconds from each command to the first answer in that chat (unanswered: left out)."""
        answered: dict[int, datetime] = {}
        for call in emu.calls:
            if call.method == "sendMessage" and call.ok:
                chat = int(call.params["chat_id"])
                if chat in self.sent and chat not in answered:
                    answered[chat] = call.at
        return [
            (answered[t] - sent).total_seconds() for t, sent in self.sent.items() if t in answered
        ]


@dataclass(frozen=True)
class LimitedRun:
    """What the broadcast under Telegram's limits measured."""

    members: int
    others: int
    rate: int  # the configured messages per second
    took: float  # seconds from release to the last delivery
    release: float  # seconds the release itself took
    refused: int  # answers 429
    duplicates: int
    latencies: list[float]  # of the other members' /mygroups


async def limited(sizes: Sizes) -> list[Row]:
    """10,000 members at 25/s with the emulator enforcing Telegram's limits; commands meanwhile."""
    n, others = sizes.broadcast, sizes.commands
    async with database("broadcast") as url, emulator() as emu:
        await prepare(url, emu, n, others)
        emu.enforce_limits = True
        run = await _broadcast_while_talking(url, emu, n, others)
    return _limited_rows(run)


async def _broadcast_while_talking(url: str, emu: Emulator, n: int, others: int) -> LimitedRun:
    """Release the announcement to ``n`` members while ``others`` send /mygroups."""
    async with running_bot(url, emu) as bot:
        rate = bot.app.bot_data.dispatcher.limiter.limits.global_per_second
        expected = n / rate
        delivered = Delivered({FIRST_MEMBER + i for i in range(n)})
        commands = Commands()
        began = datetime.now(UTC)
        bd = bot.app.bot_data
        written = await release_announcement(bd)
        bd.dispatcher.wake()
        released = datetime.now(UTC)
        tids = [FIRST_OTHER + i for i in range(others)]
        talk = asyncio.create_task(commands.run(emu, tids, span=expected * 0.9))
        await delivered.wait_all(emu, timeout=expected * 2 + 60)
        await talk
        await emu.wait_idle(timeout=30)
        refused = sum(1 for call in emu.calls if call.status == 429)
    assert delivered.last is not None and written == n
    return LimitedRun(
        members=n,
        others=others,
        rate=rate,
        took=(delivered.last - began).total_seconds(),
        release=(released - began).total_seconds(),
        refused=refused,
        duplicates=delivered.copies - n,
        latencies=commands.latencies(emu),
    )


def _limited_rows(run: LimitedRun) -> list[Row]:
    """The broadcast's row and the commands' row."""
    n, others, latencies = run.members, run.others, run.latencies
    expected = n / run.rate
    off = run.took / expected - 1
    scenario = f"Broadcast to {count(n)} members, emulator enforcing Telegram's limits"
    figure = (
        f"{run.took:.1f} s from release to last delivery ({off:+.1%} of {expected:.0f} s; "
        f"release {run.release:.1f} s, "
        f"{run.refused} × 429, {run.duplicates} duplicates)"
    )
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    unanswered = others - len(latencies)
    return [
        Row.judged(scenario, figure, f"within 5% of {count(n)} / {run.rate}/s", abs(off) <= 0.05),
        Row.judged(
            f"/mygroups from {count(others)} other members during that broadcast",
            f"p50 {ms(p50)}, p99 {ms(p99)}, max {ms(max(latencies, default=0))}"
            + (f", {unanswered} unanswered" if unanswered else ""),
            "p99 < 250 ms",
            p99 < 0.25 and not unanswered,
        ),
    ]


async def unlimited(sizes: Sizes) -> list[Row]:
    """The dispatcher's own speed: the bot in a process of its own (one core for it, one for
    the emulator), configured for 1000/s (paid broadcast); the emulator limits nothing."""
    n = sizes.unlimited
    async with database("unlimited") as url, emulator() as emu, sessions(url) as sm:
        await prepare(url, emu, n, 0)
        with tempfile.TemporaryDirectory(prefix="gremium-bench-") as tmp:
            bot = Bot(url, emu, Path(tmp), rate=1000, paid=True)
            await bot.start()
            try:
                delivered = Delivered({FIRST_MEMBER + i for i in range(n)})
                written = await release_announcement(outside_bot_data(sm))
                await delivered.wait_all(emu, timeout=n / 50 + 60)
            finally:
                await bot.stop()
    assert delivered.first is not None and delivered.last is not None and written == n
    sending = (delivered.last - delivered.first).total_seconds()
    per_second = (n - 1) / sending
    return [
        Row.judged(
            f"Broadcast to {count(n)} members, no limit in the emulator",
            f"{per_second:,.0f} messages/s ({count(n)} in {sending:.1f} s, first to last)",
            "dispatcher sends ≥ 500 messages/s",
            per_second >= 500,
        )
    ]

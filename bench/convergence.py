"""Tally convergence: a storm of votes on one poll (see :mod:`bench.storm`), then how long
until every member's copy of the poll shows the final tally, how many edits the bot made in any
one second of all chats together, and how many edits Telegram refused as no change.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select

from bench.broadcast import FIRST_MEMBER
from bench.poll_setup import OPTIONS, Plan, deliver_poll, prepare_group
from bench.storm import Edits, Storm, press_all
from bench.table import Row
from bench.world import Sizes, count, database, emulator, running_bot
from handlers.context import BotData
from handlers.polls.view import load_view, member_view
from sandbox.emulator import Emulator
from storage import polls as poll_repo
from storage.db import SessionMaker
from storage.models import Group, Member, Poll

#: Members in the convergence storm (the issue's figure), and the targets.
CONVERGE_MEMBERS = 500
CONVERGE_TARGET = 60.0
#: Telegram's limit for a bot's messages in all chats together, per second.
TELEGRAM_PER_SECOND = 30


@dataclass(frozen=True)
class Converged:
    """What one convergence run measured."""

    members: int
    storm: Storm
    half: float  # seconds from the last vote until half the copies showed the final tally
    all_in: float  # ... until every copy did (inf: not within three times the target)
    edits: Edits
    peak: int  # the most edits in one second
    refused: int  # edits refused as 'not modified'
    interval: float  # the least time between two edits of one chat


async def tally_convergence(sizes: Sizes) -> list[Row]:
    """A storm of 500 members × 5 votes; then how long until every member's copy shows the
    final tally, how fast the bot edited, and how many edits Telegram refused as no change."""
    n = CONVERGE_MEMBERS if not sizes.quick else CONVERGE_MEMBERS // 5
    async with database("converge") as url, emulator() as emu:
        await prepare_group(url, emu, n)
        found = await _storm_and_wait(url, emu, n, sizes.storm_seconds)
    return [_row(found)]


async def _storm_and_wait(url: str, emu: Emulator, n: int, seconds: float) -> Converged:
    """Deliver the poll, let ``n`` members vote, then watch their copies converge."""
    tids = [FIRST_MEMBER + i for i in range(n)]
    async with running_bot(url, emu, outbox_rate=1000.0, paid_broadcast=True) as bot:
        bd = bot.app.bot_data
        interval = bd.throttle.interval
        plans = await deliver_poll(bot, emu, tids)
        since = len(emu.calls)
        storm = await press_all(emu, plans, seconds)
        ended = time.monotonic()
        looks = await _final_looks(bd, bot.sessionmaker, tids)
        half, all_in = await _until_shown(emu, plans, looks, ended)
        return Converged(
            members=n,
            storm=storm,
            half=half,
            all_in=all_in,
            edits=Edits.of(emu, since, interval),
            peak=_peak_per_second(emu, since),
            refused=_refused(emu, since),
            interval=interval,
        )


async def _until_shown(
    emu: Emulator, plans: Sequence[Plan], looks: dict[int, str], ended: float
) -> tuple[float, float]:
    """Seconds from ``ended`` until half of the copies, and until all of them, show their final
    look (infinite if not within three times the target)."""
    half = all_in = math.inf
    while time.monotonic() - ended < 3 * CONVERGE_TARGET:
        shown = _current(emu, plans, looks)
        if shown * 2 >= len(plans) and math.isinf(half):
            half = time.monotonic() - ended
        if shown == len(plans):
            all_in = time.monotonic() - ended
            break
        await asyncio.sleep(0.5)
    return half, all_in


def _row(found: Converged) -> Row:
    """The table's row: convergence time, edit rate and refusals against their targets."""
    all_in, storm, edits = found.all_in, found.storm, found.edits
    took = (
        f"{all_in:.0f} s" if not math.isinf(all_in) else f"not within {3 * CONVERGE_TARGET:.0f} s"
    )
    return Row.judged(
        f"Tally convergence: {count(found.members)} members × {OPTIONS} votes "
        f"({count(len(storm.pressed))} presses in {storm.ended - storm.began:.0f} s)",
        f"every copy shows the final tally {took} after the last vote (half of them "
        f"after {found.half:.0f} s); {count(edits.total)} edits, at most {found.peak} in one "
        f"second, closest two of one chat {edits.closest:.1f} s apart; "
        f"{found.refused} refused as 'not modified'",
        f"≤ {CONVERGE_TARGET:.0f} s, ≤ {TELEGRAM_PER_SECOND} edits/s, "
        f"≤ 1 per chat per {found.interval:g} s, 0 refused",
        all_in <= CONVERGE_TARGET
        and found.peak <= TELEGRAM_PER_SECOND
        and edits.too_close == 0
        and found.refused == 0,
    )


async def _final_looks(bd: BotData, sm: SessionMaker, tids: Sequence[int]) -> dict[int, str]:
    """What each member's copy must show now that every vote is in (their answers, the final
    tally), drawn from the database the way the bot draws a copy."""
    async with sm() as session:
        poll = (await session.exec(select(Poll).order_by(col(Poll.id).desc()))).first()
        assert poll is not None and poll.id is not None
        group = await session.get(Group, poll.group_id)
        assert group is not None
        view = await load_view(session, poll, group)
        members = (
            await session.exec(select(Member).where(col(Member.telegram_id).in_(list(tids))))
        ).all()
        states = await poll_repo.copy_states(
            session, poll_id=poll.id, member_ids=[m.id for m in members if m.id is not None]
        )
    looks = {}
    for member in members:
        assert member.id is not None
        language, answers = states[member.id]
        looks[member.telegram_id] = member_view(bd, view, language, answers, reminder=False)[0]
    return looks


def _current(emu: Emulator, plans: Sequence[Plan], looks: dict[int, str]) -> int:
    """How many members' poll messages show their final look."""
    shown = 0
    for user_id, message_id, _ in plans:
        copy = next(
            (m for m in emu.get_user(user_id).bot_messages if m.message_id == message_id), None
        )
        shown += copy is not None and copy.html == looks[user_id]
    return shown


def _peak_per_second(emu: Emulator, since: int) -> int:
    """The most successful edits in any one-second window, in all chats together."""
    stamps = [
        c.at.timestamp() for c in emu.calls[since:] if c.method == "editMessageText" and c.ok
    ]
    peak, start = 0, 0
    for end, at in enumerate(stamps):
        while at - stamps[start] >= 1.0:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def _refused(emu: Emulator, since: int) -> int:
    """How many edits Telegram refused because the message would not change."""
    return sum(
        1
        for c in emu.calls[since:]
        if c.method == "editMessageText"
        and not c.ok
        and "not modified" in str((c.response or {}).get("description", ""))
    )

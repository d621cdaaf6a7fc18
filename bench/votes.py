"""Date polls: a vote storm. Every member of a large group answers every option of a 5-option
poll, pressing the buttons of the poll message the bot sent them, through the emulator.

Presses are driven in a closed loop: ``CONCURRENCY`` members press at the same time, each
pressing their next button once the previous press was answered, and a member who is done
makes room for the next. The same presses then go to a bare python-telegram-bot application
that only answers callback queries (the framework's ceiling: same network layer, same polling,
same number of updates handled at once), in the same run and process. Latency is from the
press (the update entering the emulator's queue) to the emulator recording the answer.

The poll's tally is shown in every member's message and in the group's linked chat; each
chat's message may be edited at most once per ``tally_edit_seconds``.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bench.broadcast import FIRST_MEMBER, SENDER, Delivered
from bench.table import Row
from bench.world import (
    MORNING,
    Sizes,
    add_groups,
    add_members,
    add_memberships,
    checkpoint,
    count,
    database,
    emulator,
    emulator_users,
    ms,
    percentile,
    running_bot,
    sessions,
)
from bot.processing import UPDATES_AT_ONCE
from bot.request import AiohttpRequest
from handlers.callback_data import VoteAction
from handlers.callbacks import encode
from handlers.context import BotData
from handlers.polls.flow import open_poll
from handlers.polls.view import load_view, member_view
from sandbox.emulator import Emulator
from storage import groups as group_repo
from storage import members as member_repo
from storage import polls as poll_repo
from storage.db import SessionMaker
from storage.models import Group, Member, Poll, PollOption, PollStatus, Role

#: Members pressing at the same moment.
CONCURRENCY = 64
#: Updates either application handles at once: Gremium's TrackingUpdateProcessor default.
#: The group's linked Telegram group chat, where the compact tally is posted and edited.
GROUP_CHAT = -1001234567890
OPTIONS = 5
ANSWERS = ("yes", "maybe", "no")
#: A press not answered within this many seconds counts as unanswered (Telegram gives up
#: on a callback query after about 15 s).
GIVE_UP = 20.0
#: A member's presses: user id, the poll message's id, the callback data of each press.
Plan = tuple[int, int, list[str]]


@dataclass
class Storm:
    """The presses of one run and when each was made."""

    pressed: dict[str, datetime] = field(default_factory=dict)  # query id -> press time
    unanswered: int = 0
    began: float = 0.0
    ended: float = 0.0

    def latencies(self, emu: Emulator) -> list[float]:
        """Seconds from each press to its answer (the emulator's record of answerCallbackQuery);
        infinite for a press never answered."""
        answered: dict[str, datetime] = {}
        for call in emu.calls:
            if call.method == "answerCallbackQuery" and call.ok:
                answered[str(call.params["callback_query_id"])] = call.at
        return [
            (answered[q] - at).total_seconds() if q in answered else math.inf
            for q, at in self.pressed.items()
        ]

    @property
    def per_second(self) -> float:
        """Presses answered per second of the storm."""
        return (len(self.pressed) - self.unanswered) / (self.ended - self.began)


async def press_all(emu: Emulator, plans: Sequence[Plan], seconds: float) -> Storm:
    """Each ``(user id, message id, [callback data ...])`` presses its buttons one after the
    other, ``CONCURRENCY`` members at a time; no member starts after ``seconds``."""
    storm = Storm()
    waiting: dict[str, asyncio.Future[None]] = {}
    callbacks = emu.core.world.callbacks

    async def watch() -> None:  # one watcher for all presses: answered queries resolve
        while True:
            for query_id, future in list(waiting.items()):
                if callbacks[query_id].answered:
                    del waiting[query_id]
                    future.set_result(None)
            await asyncio.sleep(0.002)

    todo = list(reversed(plans))

    async def member() -> None:
        loop = asyncio.get_running_loop()
        while todo and time.monotonic() - storm.began < seconds:
            user_id, message_id, presses = todo.pop()
            user = emu.get_user(user_id)
            for data in presses:
                storm.pressed[query_id := await user.press(data, message=message_id)] = (
                    datetime.now(UTC)
                )
                waiting[query_id] = future = loop.create_future()
                try:
                    await asyncio.wait_for(future, GIVE_UP)
                except TimeoutError:
                    waiting.pop(query_id, None)
                    storm.unanswered += 1

    watcher = asyncio.create_task(watch())
    storm.began = time.monotonic()
    await asyncio.gather(*(member() for _ in range(CONCURRENCY)))
    storm.ended = time.monotonic()
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)
    return storm


@dataclass(frozen=True)
class Edits:
    """Edits of tally messages: how many per chat, and the closest two in any chat."""

    total: int
    chats: int
    group_chat: int
    closest: float  # seconds between the two closest edits of one chat (inf: none)
    too_close: int  # chats with two edits closer than the interval

    @classmethod
    def of(cls, emu: Emulator, since: int, interval: float) -> Edits:
        """Count the successful editMessageText calls recorded from index ``since``."""
        times: dict[int, list[datetime]] = defaultdict(list)
        for call in emu.calls[since:]:
            if call.method == "editMessageText" and call.ok:
                times[int(call.params["chat_id"])].append(call.at)
        closest, too_close = float("inf"), 0
        for stamps in times.values():
            gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(stamps)]
            if gaps:
                closest = min(closest, min(gaps))
                too_close += min(gaps) < interval - 0.01
        total = sum(len(t) for t in times.values())
        return cls(total, len(times), len(times.get(GROUP_CHAT, [])), closest, too_close)


async def _prepare(url: str, emu: Emulator, n: int) -> None:
    """Group "bench" with a coordinator, ``n`` members and a linked group chat."""
    async with sessions(url) as sm:
        (bench,) = await add_groups(sm, ["bench"], now=MORNING)
        tids = [FIRST_MEMBER + i for i in range(n)]
        ids = await add_members(sm, [SENDER, *tids], now=MORNING)
        await add_memberships(sm, [(ids[0], bench)], now=MORNING, role=Role.COORDINATOR)
        await add_memberships(sm, [(m, bench) for m in ids[1:]], now=MORNING)
        async with sm.begin() as session:
            group = await session.get(Group, bench)
            assert group is not None
            group.chat_id = GROUP_CHAT
            session.add(group)
    emulator_users(emu, [SENDER, *tids])
    emu.group_chat(GROUP_CHAT, "AG Bench", members=[SENDER], admins=[SENDER])


async def _open_poll(sm: SessionMaker, bd: BotData, now: datetime) -> list[int]:
    """A poll with five dates in three weeks, opened as the coordinator's Send does."""
    async with sm.begin() as session:
        group = await group_repo.get_group_by_slug(session, slug="bench")
        coordinator = await member_repo.get_member_by_telegram_id(session, telegram_id=SENDER)
        assert group is not None and group.id is not None and coordinator is not None
        poll = Poll(
            group_id=group.id,
            author_id=coordinator.id,
            status=PollStatus.DRAFT,
            deadline=now + timedelta(days=10),
            created_at=now,
        )
        session.add(poll)
        await session.flush()
        assert poll.id is not None
        first = now + timedelta(days=21)
        options = [
            PollOption(
                poll_id=poll.id,
                starts_at=first + timedelta(days=i),
                ends_at=first + timedelta(days=i, hours=2),
            )
            for i in range(OPTIONS)
        ]
        session.add_all(options)
        await session.flush()
        await open_poll(session, bd, poll)
        return [o.id for o in options if o.id is not None]


def _plans(emu: Emulator, tids: Sequence[int], option_ids: Sequence[int]) -> list[Plan]:
    """Each member's presses: one answer per option, on the poll message they received."""
    plans: list[Plan] = []
    for i, tid in enumerate(tids):
        message = emu.get_user(tid).last
        assert message is not None, f"member {tid} got no poll"
        data = [
            encode(VoteAction(option_id=oid, answer=ANSWERS[(i + k) % len(ANSWERS)]))
            for k, oid in enumerate(option_ids)
        ]
        plans.append((tid, message.message_id, data))
    return plans


async def _gremium(
    url: str, emu: Emulator, n: int, seconds: float
) -> tuple[Storm, Edits, list[Plan], float]:
    """Open the poll, deliver it to everyone, then the storm against the real bot."""
    tids = [FIRST_MEMBER + i for i in range(n)]
    async with running_bot(url, emu, outbox_rate=1000.0, paid_broadcast=True) as bot:
        bd = bot.app.bot_data
        interval = bd.throttle.interval
        option_ids = await _open_poll(bot.sessionmaker, bd, bot.clock.now())
        bd.dispatcher.wake()
        invited = Delivered(set(tids))
        await invited.wait_all(emu, timeout=n / 20 + 60)
        await bd.dispatcher.drain(timeout=120)
        await bd.throttle.flush()
        plans = _plans(emu, tids, option_ids)
        await checkpoint(url)
        since = len(emu.calls)
        storm = await press_all(emu, plans, seconds)
        await bd.throttle.flush()
        edits = Edits.of(emu, since, interval)
    return storm, edits, plans, interval


async def _bare(emu: Emulator, plans: Sequence[Plan], seconds: float) -> Storm:
    """The same presses against an application that only answers callback queries."""

    async def answer(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()

    app = (
        Application.builder()
        .token(emu.token)
        .base_url(f"{emu.api_root}/bot")
        .request(AiohttpRequest(connect_timeout=10, read_timeout=15, write_timeout=15))
        .get_updates_request(AiohttpRequest(connect_timeout=10, read_timeout=40))
        .concurrent_updates(UPDATES_AT_ONCE)
        .build()
    )
    app.add_handler(CallbackQueryHandler(answer))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        storm = await press_all(emu, plans, seconds)
        await app.updater.stop()
        await app.stop()
    return storm


async def vote_storm(sizes: Sizes) -> list[Row]:
    """The storm against Gremium, then against the bare application; the tally edits."""
    n = sizes.voters
    async with database("votes") as url, emulator() as emu:
        await _prepare(url, emu, n)
        ours, edits, plans, interval = await _gremium(url, emu, n, sizes.storm_seconds)
        ours_latency = ours.latencies(emu)
        emu.clear_calls()
        bare = await _bare(emu, plans, sizes.storm_seconds)
        bare_latency = bare.latencies(emu)
    ratio = ours.per_second / bare.per_second

    presses = sum(len(p[2]) for p in plans)

    def figures(storm: Storm, latencies: list[float]) -> str:
        lost = f", {storm.unanswered} unanswered" if storm.unanswered else ""
        done = len(storm.pressed)
        part = "" if done == presses else f" ({count(done)} presses in the time limit)"
        return (
            f"{storm.per_second:,.0f} votes/s, p50 {ms(percentile(latencies, 50))}, "
            f"p99 {ms(percentile(latencies, 99))}{lost}{part}"
        )

    return [
        Row.judged(
            f"Vote storm: {count(n)} members × {OPTIONS} options ({count(presses)} presses, "
            f"{CONCURRENCY} members at a time, at most {sizes.storm_seconds:.0f} s)",
            f"Gremium {figures(ours, ours_latency)}; bare python-telegram-bot "
            f"{figures(bare, bare_latency)}; ratio {ratio:.2f}",
            "ratio ≥ 0.5",
            ratio >= 0.5 and not ours.unanswered,
        ),
        Row.judged(
            "Tally edits during the storm",
            f"{count(edits.total)} edits in {count(edits.chats)} chats (group chat: "
            f"{edits.group_chat}); closest two edits of one chat {edits.closest:.1f} s apart",
            f"≤ 1 edit per chat per {interval:g} s",
            edits.too_close == 0,
        ),
    ]


#: Members in the convergence storm (the issue's figure), and the targets.
CONVERGE_MEMBERS = 500
CONVERGE_TARGET = 60.0
#: Telegram's limit for a bot's messages in all chats together, per second.
TELEGRAM_PER_SECOND = 30


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
    return sum(
        1
        for c in emu.calls[since:]
        if c.method == "editMessageText"
        and not c.ok
        and "not modified" in str((c.response or {}).get("description", ""))
    )


async def tally_convergence(sizes: Sizes) -> list[Row]:
    """A storm of 500 members × 5 votes; then how long until every member's copy shows the
    final tally, how fast the bot edited, and how many edits Telegram refused as no change."""
    n = CONVERGE_MEMBERS if not sizes.quick else CONVERGE_MEMBERS // 5
    tids = [FIRST_MEMBER + i for i in range(n)]
    async with database("converge") as url, emulator() as emu:
        await _prepare(url, emu, n)
        async with running_bot(url, emu, outbox_rate=1000.0, paid_broadcast=True) as bot:
            bd = bot.app.bot_data
            interval = bd.throttle.interval
            option_ids = await _open_poll(bot.sessionmaker, bd, bot.clock.now())
            bd.dispatcher.wake()
            await Delivered(set(tids)).wait_all(emu, timeout=n / 20 + 60)
            await bd.dispatcher.drain(timeout=120)
            await bd.throttle.flush()
            plans = _plans(emu, tids, option_ids)
            since = len(emu.calls)
            storm = await press_all(emu, plans, sizes.storm_seconds)
            ended = time.monotonic()
            looks = await _final_looks(bd, bot.sessionmaker, tids)
            half = all_in = math.inf
            while time.monotonic() - ended < 3 * CONVERGE_TARGET:
                shown = _current(emu, plans, looks)
                if shown * 2 >= n and math.isinf(half):
                    half = time.monotonic() - ended
                if shown == n:
                    all_in = time.monotonic() - ended
                    break
                await asyncio.sleep(0.5)
            edits = Edits.of(emu, since, interval)
            peak = _peak_per_second(emu, since)
            refused = _refused(emu, since)
    took = (
        f"{all_in:.0f} s" if not math.isinf(all_in) else f"not within {3 * CONVERGE_TARGET:.0f} s"
    )
    return [
        Row.judged(
            f"Tally convergence: {count(n)} members × {OPTIONS} votes "
            f"({count(len(storm.pressed))} presses in {storm.ended - storm.began:.0f} s)",
            f"every copy shows the final tally {took} after the last vote (half of them "
            f"after {half:.0f} s); {count(edits.total)} edits, at most {peak} in one second, "
            f"closest two of one chat {edits.closest:.1f} s apart; "
            f"{refused} refused as 'not modified'",
            f"≤ {CONVERGE_TARGET:.0f} s, ≤ {TELEGRAM_PER_SECOND} edits/s, "
            f"≤ 1 per chat per {interval:g} s, 0 refused",
            all_in <= CONVERGE_TARGET
            and peak <= TELEGRAM_PER_SECOND
            and edits.too_close == 0
            and refused == 0,
        )
    ]

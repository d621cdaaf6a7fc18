"""Date polls: a vote storm. Every member of a large group answers every option of a 5-option
poll, pressing the buttons of the poll message the bot sent them, through the emulator.

The presses (see :mod:`bench.storm`) go first to Gremium, then to a bare python-telegram-bot
application that only answers callback queries (the framework's ceiling: same network layer,
same polling, same number of updates handled at once), in the same run and process.

The poll's tally is shown in every member's message and in the group's linked chat; each
chat's message may be edited at most once per ``tally_edit_seconds``.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bench.broadcast import FIRST_MEMBER
from bench.poll_setup import OPTIONS, Plan, deliver_poll, prepare_group
from bench.storm import CONCURRENCY, Edits, Storm, press_all
from bench.table import Row
from bench.world import (
    Sizes,
    checkpoint,
    count,
    database,
    emulator,
    ms,
    percentile,
    running_bot,
)
from bot.processing import UPDATES_AT_ONCE
from bot.request import AiohttpRequest
from sandbox.emulator import Emulator


async def _gremium(
    url: str, emu: Emulator, n: int, seconds: float
) -> tuple[Storm, Edits, list[Plan], float]:
    """Open the poll, deliver it to everyone, then the storm against the real bot."""
    tids = [FIRST_MEMBER + i for i in range(n)]
    async with running_bot(url, emu, outbox_rate=1000.0, paid_broadcast=True) as bot:
        bd = bot.app.bot_data
        interval = bd.throttle.interval
        plans = await deliver_poll(bot, emu, tids)
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
        await prepare_group(url, emu, n)
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

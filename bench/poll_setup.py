"""What both vote scenarios set up: group "bench" with a linked group chat, a poll with five
dates opened by its coordinator and delivered to every member, and each member's presses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bench.broadcast import FIRST_MEMBER, SENDER, Delivered
from bench.world import (
    MORNING,
    Running,
    add_groups,
    add_members,
    add_memberships,
    emulator_users,
    sessions,
)
from handlers.callback_data import VoteAction
from handlers.callbacks import encode
from handlers.context import BotData
from handlers.polls.flow import open_poll
from sandbox.emulator import Emulator
from storage import groups as group_repo
from storage import members as member_repo
from storage.db import SessionMaker
from storage.models import Group, Poll, PollOption, PollStatus, Role

#: The group's linked Telegram group chat, where the compact tally is posted and edited.
GROUP_CHAT = -1001234567890
OPTIONS = 5
ANSWERS = ("yes", "maybe", "no")
#: A member's presses: user id, the poll message's id, the callback data of each press.
Plan = tuple[int, int, list[str]]


async def prepare_group(url: str, emu: Emulator, n: int) -> None:
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


async def open_date_poll(sm: SessionMaker, bd: BotData, now: datetime) -> list[int]:
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


def member_plans(emu: Emulator, tids: Sequence[int], option_ids: Sequence[int]) -> list[Plan]:
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


async def deliver_poll(bot: Running, emu: Emulator, tids: Sequence[int]) -> list[Plan]:
    """Open the poll, wait until every member has it and the tallies are settled; returns
    each member's presses."""
    bd = bot.app.bot_data
    option_ids = await open_date_poll(bot.sessionmaker, bd, bot.clock.now())
    bd.dispatcher.wake()
    await Delivered(set(tids)).wait_all(emu, timeout=len(tids) / 20 + 60)
    await bd.dispatcher.drain(timeout=120)
    await bd.throttle.flush()
    return member_plans(emu, tids, option_ids)

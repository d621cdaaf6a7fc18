"""A working group's season, for the reliability suites: members, announcements, a date poll
with votes, its close and the meeting notice. Each step acts as a user through the emulator."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import col, select

from sandbox.emulator import UserHandle
from storage.models import Poll, PollOption
from tests.e2e.harness import ADMIN_ID, World
from tests.e2e.helpers import consented

GROUP = "bildung"
POLL_MARKER = "Bildung: when shall we meet?"
MEETING_MARKER = "Bildung: the meeting is fixed."
DATES = "12.01.2027 17:00\n14.01.2027 17:00\n19.01.2027 17:00"
ANSWERS = {"y": "yes", "m": "maybe", "n": "no"}


@dataclass
class Season:
    """The people of one group and what they were sent and answered."""

    coordinator: UserHandle
    members: list[UserHandle]
    announcements: list[str] = field(default_factory=list)
    #: member id -> option id -> the answer their last press gave
    votes: dict[int, dict[int, str]] = field(default_factory=dict)
    presses: int = 0

    def expected_counts(self) -> dict[int, Counter[str]]:
        """Yes / maybe / no per option from the last press of every member."""
        counts: dict[int, Counter[str]] = {}
        for answers in self.votes.values():
            for option_id, answer in answers.items():
                counts.setdefault(option_id, Counter())[answer] += 1
        return counts


async def gather(world: World, size: int, *, first_id: int = 5000) -> Season:
    """An organiser, a coordinator of Bildung and ``size`` members."""
    admin = await consented(world, ADMIN_ID, "Olga")
    coordinator = await consented(world, first_id, "Hana", username="hana")
    await world.send(admin, f"/addcoordinator {GROUP} @hana")
    # Everyone at once, as after the conference: /start, agree, join.
    members = [world.emu.user(first_id + 1 + i, f"M{i}", language_code="en") for i in range(size)]
    for member in members:
        await member.send("/start")
    await world.settle()
    for member in members:
        await member.press("✅ I agree")
    await world.settle()
    for member in members:
        await member.send(f"/join {GROUP}")
    await world.settle()
    return Season(coordinator, members)


async def announce(world: World, season: Season, text: str) -> None:
    """The coordinator writes an announcement to the group and presses Send."""
    hana = season.coordinator
    await world.send(hana, "/announce")
    await world.press(hana, "Bildung")
    await world.send(hana, text)
    await world.press(hana, "✅ Send")
    season.announcements.append(text)


async def open_poll(world: World, season: Season) -> list[int]:
    """The coordinator sends a date poll with three dates; returns the option ids."""
    hana = season.coordinator
    await world.send(hana, "/poll")
    await world.press(hana, "Bildung")
    preview = await world.send(hana, DATES)
    send = next(label for label in preview.button_labels if label.startswith("✅ Send"))
    await world.press(hana, send)
    async with world.sessionmaker() as session:
        poll = (await session.exec(select(Poll).order_by(col(Poll.id).desc()))).first()
        assert poll is not None
        options = await session.exec(
            select(PollOption.id).where(PollOption.poll_id == poll.id).order_by(PollOption.id)  # type: ignore[arg-type]
        )
        return [oid for oid in options.all() if oid is not None]


def poll_message(user: UserHandle) -> int:
    """The id of the newest poll message in the user's chat."""
    return next(m.message_id for m in reversed(user.bot_messages) if POLL_MARKER in m.text)


async def vote(world: World, season: Season, options: list[int], rng: random.Random) -> None:
    """Every member presses 2-4 answer buttons at once; the first date ends up the clear winner
    (everyone's last word on it is Yes, on the others Maybe or No)."""
    plans: list[tuple[UserHandle, list[tuple[str, int]]]] = []
    for member in season.members:
        presses = [(rng.choice("ymn"), rng.choice(options)) for _ in range(rng.randint(1, 3))]
        presses += [("y", options[0])] + [(rng.choice("mn"), oid) for oid in options[1:]]
        plans.append((member, presses))
    for step in range(max(len(p) for _, p in plans)):
        for member, presses in plans:
            if step < len(presses):
                code, option_id = presses[step]
                await member.press(f"pv:{code}:{option_id}", message=poll_message(member))
                season.votes.setdefault(member.id, {})[option_id] = ANSWERS[code]
                season.presses += 1
    await world.settle(timeout=60)


async def close_at_deadline(world: World) -> None:
    """Time passes to just after the poll's deadline; the sweep closes it."""
    async with world.sessionmaker() as session:
        poll = (await session.exec(select(Poll).order_by(col(Poll.id).desc()))).first()
    assert poll is not None and poll.deadline is not None
    await world.tick(poll.deadline + timedelta(minutes=1) - world.clock.now())


async def frozen_counts(world: World, options: list[int]) -> dict[int, Counter[str]]:
    """The counts the closed poll froze, per option."""
    async with world.sessionmaker() as session:
        rows = await session.exec(select(PollOption).where(col(PollOption.id).in_(options)))
        return {
            o.id or 0: +Counter(
                {"yes": o.yes_count or 0, "maybe": o.maybe_count or 0, "no": o.no_count or 0}
            )
            for o in rows.all()
        }

"""The group's meeting rhythm: the stored rhythm, the current cycle and its planned steps.

Planning writes the cycle's review and poll-opening steps as due tasks; the steps themselves
(preparing and opening the poll) are in :mod:`handlers.cadence.steps`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from time import monotonic
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cadence import Cycle, Rhythm, next_cycle
from domain.localtime import to_utc_forward
from handlers.common import group_zone
from handlers.services import Services
from storage import groups as group_repo
from storage import meetings as meeting_repo
from storage import rhythms as repo
from storage import tasks
from storage.models import Group, GroupRhythm, PollStatus, TaskKind

log = logging.getLogger(__name__)
STEP_HOUR = time(10, 0)  # cadence steps happen at 10:00 in the group's time zone
KINDS = (TaskKind.CADENCE_REVIEW, TaskKind.CADENCE_OPEN)


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def rhythm_of(row: GroupRhythm) -> Rhythm:
    """The stored rhythm as the planning rules see it."""
    return Rhythm(
        per_year=row.per_year,
        weekdays=tuple(row.weekdays),
        window_start=_clock(row.window_start),
        window_end=_clock(row.window_end),
        duration_minutes=row.duration_minutes,
        location=row.location,
        lead_days=row.lead_days,
        poll_days=row.poll_days,
        candidates=row.candidates,
        review=row.review,
        review_days=row.review_days,
    )


def store_rhythm(row: GroupRhythm, rhythm: Rhythm) -> None:
    """Copy a checked rhythm onto its row."""
    row.per_year, row.weekdays = rhythm.per_year, list(rhythm.weekdays)
    row.window_start = rhythm.window_start.strftime("%H:%M")
    row.window_end = rhythm.window_end.strftime("%H:%M")
    row.duration_minutes, row.location = rhythm.duration_minutes, rhythm.location
    row.lead_days, row.poll_days, row.candidates = (
        rhythm.lead_days,
        rhythm.poll_days,
        rhythm.candidates,
    )
    row.review, row.review_days = rhythm.review, rhythm.review_days


def step_time(day: date, tz: ZoneInfo) -> datetime:
    return to_utc_forward(day, STEP_HOUR, tz)


async def current_cycle(
    session: AsyncSession, bd: Services, group: Group, row: GroupRhythm
) -> Cycle:
    """The next cycle, counted from the latest meeting or the last planned cycle."""
    assert group.id is not None
    tz = group_zone(group, bd.timezone)
    last = await meeting_repo.last_meeting(session, group_id=group.id)
    bases = [
        d for d in (last and last.starts_at.astimezone(tz).date(), row.last_cycle_center) if d
    ]
    today = bd.clock.now().astimezone(tz).date()
    return next_cycle(rhythm_of(row), last_meeting=max(bases) if bases else None, today=today)


async def plan_group(session: AsyncSession, bd: Services, group: Group) -> Cycle | None:
    """(Re)plan the group's next cycle as due tasks; None when nothing is planned."""
    assert group.id is not None
    active = await repo.active_poll(session, group_id=group.id)
    row = await repo.get_rhythm(session, group_id=group.id)
    running = row is not None and row.enabled and group.archived_at is None
    # A reviewed draft still opens on its day: re-planning (a restart) must not lose that.
    keep_open = running and active is not None and active.status == PollStatus.DRAFT
    for kind in KINDS:
        if not (keep_open and kind == TaskKind.CADENCE_OPEN):
            await tasks.cancel(session, kind=kind, ref_id=group.id)
    if row is None or not running:
        return None
    if active is not None:
        return None  # this cycle's poll is under way; the next is planned after its meeting
    cycle = await current_cycle(session, bd, group, row)
    tz, now = group_zone(group, bd.timezone), bd.clock.now()
    if cycle.review_on is not None:
        review_at = max(step_time(cycle.review_on, tz), now)
        await tasks.schedule(
            session, kind=TaskKind.CADENCE_REVIEW, ref_id=group.id, due_at=review_at
        )
    open_at = max(step_time(cycle.open_on, tz), now)
    await tasks.schedule(session, kind=TaskKind.CADENCE_OPEN, ref_id=group.id, due_at=open_at)
    return cycle


#: Groups planned in one transaction by :func:`plan_unplanned`.
PLAN_BATCH = 100


async def plan_unplanned(bd: Services, *, budget: float = 5.0) -> int:
    """Plan the groups whose rhythm has no pending step and no poll under way, in batches of
    :data:`PLAN_BATCH`, until none is left or ``budget`` seconds passed (the next sweep goes
    on); returns how many were planned. Run by the sweep, so a start with many groups does
    not wait for their planning; steps planned before a restart stay as they were."""
    planned = 0
    started = monotonic()
    while True:
        async with bd.sessionmaker.begin() as session:
            ids = await repo.unplanned_groups(session, kinds=KINDS, limit=PLAN_BATCH)
            for group_id in ids:
                group = await group_repo.get_group(session, group_id=group_id)
                if group is not None and await plan_group(session, bd, group) is not None:
                    planned += 1
        if len(ids) < PLAN_BATCH or monotonic() - started >= budget:
            return planned


async def plan_all(bd: Services) -> int:
    """Plan every group with a rhythm afresh; returns how many have a plan."""
    planned = 0
    async with bd.sessionmaker.begin() as session:
        for row in await repo.list_rhythms(session):
            group = await group_repo.get_group(session, group_id=row.group_id)
            if group is not None and await plan_group(session, bd, group) is not None:
                planned += 1
    return planned


async def ensure_rhythms(
    bd: Services, rhythms: list[tuple[str, Rhythm]], *, counted_from: date | None = None
) -> int:
    """Give configured groups their starting rhythm once (later edits via /schedule stay);
    ``counted_from`` is the day their first cycle counts from (their last meeting)."""
    created = 0
    async with bd.sessionmaker.begin() as session:
        for slug, rhythm in rhythms:
            group = await group_repo.get_group_by_slug(session, slug=slug)
            if group is None or group.id is None:
                continue
            if await repo.get_rhythm(session, group_id=group.id) is not None:
                continue
            row = new_rhythm_row(group.id)
            store_rhythm(row, rhythm)
            row.last_cycle_center = counted_from
            session.add(row)
            created += 1
    return created


def new_rhythm_row(group_id: int) -> GroupRhythm:
    """An empty rhythm row, to be filled with :func:`store_rhythm`."""
    return GroupRhythm(
        group_id=group_id,
        per_year=0,
        weekdays=[],
        window_start="",
        window_end="",
        duration_minutes=0,
        lead_days=0,
        poll_days=0,
        candidates=0,
        review=True,
        review_days=0,
    )

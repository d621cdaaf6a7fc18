"""Meeting cadence: each group's polls planned from its rhythm, opened by the sweep.

The plan lives in the database as due tasks (review, open) per group; it is recomputed whenever
something it depends on changes (a meeting is fixed, moved or cancelled, the rhythm changes, the
bot starts), so a step is never lost and never done twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cadence import Cycle, Rhythm, next_cycle
from domain.dates import Candidate, TimeWindow
from domain.errors import GremiumError
from domain.localtime import to_utc_forward
from domain.suggest import suggest_dates
from handlers.common import group_zone
from handlers.context import BotData
from handlers.polls.flow import busy_days, open_poll, store_candidates
from storage import groups as group_repo
from storage import meetings as meeting_repo
from storage import rhythms as repo
from storage import tasks
from storage.models import DueTask, Group, GroupRhythm, Poll, PollStatus, TaskKind

log = logging.getLogger(__name__)
STEP_HOUR = time(10, 0)  # cadence steps happen at 10:00 in the group's time zone
KINDS = (TaskKind.CADENCE_REVIEW, TaskKind.CADENCE_OPEN)
MIN_FALLBACK = 2
POSTPONE = timedelta(days=7)


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


def _at(day: date, tz: ZoneInfo) -> datetime:
    return to_utc_forward(day, STEP_HOUR, tz)


async def current_cycle(
    session: AsyncSession, bd: BotData, group: Group, row: GroupRhythm
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


async def plan_group(session: AsyncSession, bd: BotData, group: Group) -> Cycle | None:
    """(Re)plan the group's next cycle as due tasks; None when nothing is planned."""
    assert group.id is not None
    for kind in KINDS:
        await tasks.cancel(session, kind=kind, ref_id=group.id)
    row = await repo.get_rhythm(session, group_id=group.id)
    if row is None or not row.enabled or group.archived_at is not None:
        return None
    if await repo.active_poll(session, group_id=group.id) is not None:
        return None  # this cycle's poll is under way; the next is planned after its meeting
    cycle = await current_cycle(session, bd, group, row)
    tz, now = group_zone(group, bd.timezone), bd.clock.now()
    if cycle.review_on is not None:
        review_at = max(_at(cycle.review_on, tz), now)
        await tasks.schedule(
            session, kind=TaskKind.CADENCE_REVIEW, ref_id=group.id, due_at=review_at
        )
    open_at = max(_at(cycle.open_on, tz), now)
    await tasks.schedule(session, kind=TaskKind.CADENCE_OPEN, ref_id=group.id, due_at=open_at)
    return cycle


#: Groups planned in one transaction by :func:`plan_unplanned`.
PLAN_BATCH = 100


async def plan_unplanned(bd: BotData, *, budget: float = 5.0) -> int:
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


async def plan_all(bd: BotData) -> int:
    """Plan every group with a rhythm afresh; returns how many have a plan."""
    planned = 0
    async with bd.sessionmaker.begin() as session:
        for row in await repo.list_rhythms(session):
            group = await group_repo.get_group(session, group_id=row.group_id)
            if group is not None and await plan_group(session, bd, group) is not None:
                planned += 1
    return planned


async def candidates_for(
    session: AsyncSession,
    bd: BotData,
    group: Group,
    rhythm: Rhythm,
    cycle: Cycle,
    *,
    fallback: bool = True,
) -> list[Candidate]:
    """Suggested dates for the cycle, skipping holidays and members' other meetings; with
    ``fallback``, fewer dates (down to two) when not enough days are free."""
    tz = group_zone(group, bd.timezone)
    busy = await busy_days(session, group, cycle.target_start, cycle.target_end, tz)

    def suggest(count: int) -> list[Candidate]:
        return suggest_dates(
            first_day=cycle.target_start,
            last_day=cycle.target_end,
            weekdays=rhythm.weekdays,
            window=TimeWindow(rhythm.window_start, rhythm.window_end),
            count=count,
            now=bd.clock.now(),
            duration=timedelta(minutes=rhythm.duration_minutes),
            tz=tz,
            state=bd.holiday_state,
            extra_calendars=bd.extra_calendars,
            busy_days=busy,
            lang=bd.translator.default_language,
        )

    try:
        return suggest(rhythm.candidates)
    except GremiumError:
        if not fallback:
            raise
    # Holidays left fewer days than wanted: offer what fits rather than no poll at all.
    for count in range(rhythm.candidates - 1, MIN_FALLBACK - 1, -1):
        try:
            return suggest(count)
        except GremiumError:
            continue
    return suggest(rhythm.candidates)  # raises with the explanation of what would fit


async def planned_draft(
    session: AsyncSession, bd: BotData, group: Group, row: GroupRhythm
) -> Poll:
    """Create this cycle's poll as a draft with suggested dates."""
    assert group.id is not None
    rhythm = rhythm_of(row)
    cycle = await current_cycle(session, bd, group, row)
    candidates = await candidates_for(session, bd, group, rhythm, cycle)
    poll = Poll(
        group_id=group.id,
        status=PollStatus.DRAFT,
        planned=True,
        location=rhythm.location,
        duration_minutes=rhythm.duration_minutes,
        created_at=bd.clock.now(),
    )
    session.add(poll)
    await session.flush()
    await store_candidates(session, bd, poll, candidates)
    poll.step = None
    poll.deadline = _at(cycle.open_on, group_zone(group, bd.timezone)) + timedelta(
        days=rhythm.poll_days
    )
    row.last_cycle_center = cycle.target_start + rhythm.half_period
    session.add(row)
    return poll


async def _postponed_without_members(
    session: AsyncSession, bd: BotData, group: Group, task: DueTask
) -> bool:
    """A group nobody has joined yet gets no poll: look again in a week, without alarm."""
    assert group.id is not None
    if await group_repo.count_members(session, group_id=group.id):
        return False
    later = bd.clock.now() + POSTPONE
    await tasks.schedule(session, kind=task.kind, ref_id=group.id, due_at=later)
    log.info("cadence: group %s has no members yet; step postponed to %s", group.id, later)
    return True


async def review_step(session: AsyncSession, bd: BotData, task: DueTask) -> None:
    """Prepare the cycle's poll and ask the coordinators to look at it before it opens."""
    from handlers.cadence.texts import alert_admins, ask_for_review

    group = await group_repo.get_group(session, group_id=task.ref_id)
    row = await repo.get_rhythm(session, group_id=task.ref_id)
    if group is None or row is None or not row.enabled or group.archived_at is not None:
        return
    if await repo.active_poll(session, group_id=task.ref_id) is not None:
        return
    if await _postponed_without_members(session, bd, group, task):
        return
    try:
        poll = await planned_draft(session, bd, group, row)
    except GremiumError as error:
        await alert_admins(session, bd, group, error, key=f"cr{task.id}")
        return
    if not await ask_for_review(session, bd, group, poll, key=f"cr{task.id}"):
        await alert_admins(session, bd, group, None, key=f"cr{task.id}")


async def open_step(session: AsyncSession, bd: BotData, task: DueTask) -> None:
    """Open the cycle's poll: the reviewed draft, or one with freshly suggested dates."""
    from handlers.cadence.texts import alert_admins

    group = await group_repo.get_group(session, group_id=task.ref_id)
    row = await repo.get_rhythm(session, group_id=task.ref_id)
    if group is None or row is None or not row.enabled or group.archived_at is not None:
        return
    poll = await repo.active_poll(session, group_id=task.ref_id)
    if poll is not None and poll.status != PollStatus.DRAFT:
        return  # a coordinator already sent it (or opened one by hand)
    if await _postponed_without_members(session, bd, group, task):
        return
    try:
        if poll is None:
            poll = await planned_draft(session, bd, group, row)
        rhythm = rhythm_of(row)
        poll.deadline = bd.clock.now() + timedelta(days=rhythm.poll_days)
        await open_poll(session, bd, poll)
    except GremiumError as error:
        if poll is not None and poll.id is not None:
            poll.status, poll.step = PollStatus.CANCELLED, None
            session.add(poll)
        await alert_admins(session, bd, group, error, key=f"co{task.id}")
        return
    log.info("cadence: group %s poll %s opened", group.id, poll.id)


async def ensure_rhythms(
    bd: BotData, rhythms: list[tuple[str, Rhythm]], *, counted_from: date | None = None
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

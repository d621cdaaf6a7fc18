"""Meeting cadence: each group's polls planned from its rhythm, opened by the sweep.

The plan lives in the database as due tasks (review, open) per group; it is recomputed whenever
something it depends on changes (a meeting is fixed, moved or cancelled, the rhythm changes, the
bot starts), so a step is never lost and never done twice.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cadence import Cycle, Rhythm
from domain.candidates import Candidate
from domain.dates import TimeWindow
from domain.errors import GremiumError
from domain.suggest import suggest_dates
from handlers.cadence import texts as ctexts
from handlers.common import group_zone
from handlers.context import BotData
from handlers.meetings.rhythm import current_cycle, rhythm_of, step_time
from handlers.notices import text_part
from handlers.polls.compose import preview
from handlers.polls.flow import busy_days, coordinators, open_poll, store_candidates
from storage import groups as group_repo
from storage import members as member_repo
from storage import outbox, tasks
from storage import rhythms as repo
from storage.models import DueTask, Group, GroupRhythm, Poll, PollStatus

log = logging.getLogger(__name__)
MIN_FALLBACK = 2
POSTPONE = timedelta(days=7)


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
        return _suggest(bd, rhythm, cycle, count, tz=tz, busy=busy)

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


def _suggest(
    bd: BotData,
    rhythm: Rhythm,
    cycle: Cycle,
    count: int,
    *,
    tz: ZoneInfo,
    busy: set[date],
) -> list[Candidate]:
    """``count`` dates in the cycle's target period, on the rhythm's weekdays and hours."""
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
    poll.deadline = step_time(cycle.open_on, group_zone(group, bd.timezone)) + timedelta(
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


async def ask_for_review(
    session: AsyncSession, bd: BotData, group: Group, poll: Poll, *, key: str
) -> bool:
    """Send the planned poll to the group's coordinators; False if it has none."""
    people = await coordinators(session, bd, poll, group)
    if not people:
        return False
    assert poll.deadline is not None
    for person in people:
        lang = bd.translator.get(person.language)
        text, markup = await preview(session, bd, lang, poll)
        intro = ctexts.review_intro(lang, group.name)
        await outbox.enqueue(
            session,
            dedupe_key=f"{key}:{person.telegram_id}",
            kind="cadence_review",
            chat_id=person.telegram_id,
            payload=[text_part(f"{intro}\n\n{text}", markup)],
            not_before=bd.clock.now(),
            now=bd.clock.now(),
            member_id=person.id,
        )
    return True


async def alert_admins(
    session: AsyncSession, bd: BotData, group: Group, error: GremiumError | None, *, key: str
) -> None:
    """Tell the organisers that a planned step needs a person (no coordinator, no dates)."""
    for admin_id in sorted(bd.admins):
        member = await member_repo.get_member_by_telegram_id(session, telegram_id=admin_id)
        lang = bd.translator.get(member.language if member else None)
        text = ctexts.alert(lang, group.name, error)
        await outbox.enqueue(
            session,
            dedupe_key=f"{key}:admin{admin_id}",
            kind="cadence_alert",
            chat_id=admin_id,
            payload=[text_part("⚠️ " + text)],
            not_before=bd.clock.now(),
            now=bd.clock.now(),
            member_id=member.id if member else None,
        )

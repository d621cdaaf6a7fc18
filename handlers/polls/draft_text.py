"""Reading what the author types for a draft: dates, a period for suggestions, deadline, place."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Message

from domain.candidates import parse_candidates
from domain.dates import TimeWindow, parse_deadline, parse_duration
from domain.deadlines import deadline_with_room, period_with_room
from domain.errors import GremiumError
from domain.suggest import suggest_dates
from handlers.common import Actor, group_zone
from handlers.context import BotData
from handlers.polls.compose import preview
from handlers.polls.flow import busy_days, store_candidates
from storage import groups as group_repo
from storage import polls as repo
from storage import rhythms as rhythm_repo
from storage.models import DraftStep, Group, GroupRhythm, Poll

SUGGEST_WEEKDAYS = (1, 3)  # Tuesday and Thursday, until the group sets its own rhythm
SUGGEST_WINDOW = TimeWindow(time(17, 0), time(19, 0))
SUGGEST_COUNT = 5
#: A period too short for SUGGEST_COUNT dates gets as many as fit, but at least this many.
MIN_SUGGESTED = 2


def parse_period(text: str, *, tz: ZoneInfo, now: datetime, lang: str) -> tuple[date, date]:
    """ "01.03.2027 - 31.03.2027" or a length such as "6 Wochen" (from tomorrow)."""
    for sep in (" - ", " – ", " bis ", " to ", "–"):
        if sep in text:
            first, last = (
                parse_candidates(part, tz=tz, now=now, lang=lang)[0].begins.astimezone(tz).date()
                for part in text.split(sep, 1)
            )
            return first, last
    today = now.astimezone(tz).date()
    return today + timedelta(days=1), today + timedelta(days=parse_duration(text, lang=lang).days)


async def take_text(
    session: AsyncSession, bd: BotData, actor: Actor, poll: Poll, message: Message
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The author typed something for a draft or an open poll; return the reply."""
    assert poll.id is not None
    text = (message.text or "").strip()
    if not text:
        raise GremiumError("Please send it as text.")
    group = await group_repo.get_group(session, group_id=poll.group_id)
    assert group is not None
    tz, now, code = group_zone(group, bd.timezone), bd.clock.now(), actor.lang.code
    if poll.step == DraftStep.OPTIONS:
        await store_candidates(
            session, bd, poll, parse_candidates(text, tz=tz, now=now, lang=code)
        )
    elif poll.step == DraftStep.SUGGEST:
        await _suggest(session, bd, poll, group, text, code)
    elif poll.step == DraftStep.DEADLINE:
        poll.deadline = await checked_deadline(session, poll, text, tz=tz, now=now, lang=code)
    elif poll.step == DraftStep.LOCATION:
        poll.location = None if text == "-" else text[:200]
    elif poll.step == DraftStep.NOTE:
        poll.note = None if text == "-" else text[:1000]
    poll.step = DraftStep.PREVIEW
    session.add(poll)
    await session.flush()
    return await preview(session, bd, actor.lang, poll)


async def _suggest(
    session: AsyncSession, bd: BotData, poll: Poll, group: Group, text: str, code: str
) -> None:
    """Suggest dates in the period typed, on the group's rhythm (weekdays, hours), leaving
    room for the poll, the meeting notice and both reminders before the first date."""
    assert group.id is not None
    tz, now = group_zone(group, bd.timezone), bd.clock.now()
    first, last = parse_period(text, tz=tz, now=now, lang=code)
    first, last = period_with_room(first, last, now=now, tz=tz, lang=code)
    row = await rhythm_repo.get_rhythm(session, group_id=group.id)
    busy = await busy_days(session, group, first, last, tz)
    for count in range(SUGGEST_COUNT, MIN_SUGGESTED - 1, -1):  # a short period: fewer dates
        try:
            candidates = suggest_dates(
                first_day=first,
                last_day=last,
                weekdays=tuple(row.weekdays) if row else SUGGEST_WEEKDAYS,
                window=rhythm_window(row) if row else SUGGEST_WINDOW,
                count=count,
                now=now,
                duration=timedelta(minutes=row.duration_minutes) if row else None,
                tz=tz,
                state=bd.holiday_state,
                extra_calendars=bd.extra_calendars,
                busy_days=busy,
                lang=code,
            )
            break
        except GremiumError:
            if count == MIN_SUGGESTED:
                raise
    await store_candidates(session, bd, poll, candidates)
    poll.deadline = deadline_with_room(now, min(c.begins for c in candidates), tz)


def rhythm_window(row: GroupRhythm) -> TimeWindow:
    """The hours of a group's stored rhythm."""
    return TimeWindow(time.fromisoformat(row.window_start), time.fromisoformat(row.window_end))


async def checked_deadline(
    session: AsyncSession, poll: Poll, text: str, *, tz: ZoneInfo, now: datetime, lang: str
) -> datetime:
    """A typed deadline that lies before the first option."""
    assert poll.id is not None
    deadline = parse_deadline(text, tz=tz, now=now, lang=lang)
    options = await repo.list_options(session, poll_id=poll.id)
    if options and deadline >= min(o.starts_at for o in options):
        raise GremiumError(
            "The poll must close before the first date. Choose an earlier deadline."
        )
    return deadline

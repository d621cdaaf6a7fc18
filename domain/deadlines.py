"""When polls close: the default deadline, and room for the poll, notice and reminders."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import GremiumError
from domain.localtime import BERLIN, local_now, require_aware, show_date, to_utc_forward
from domain.reminders import MEETING_OFFSETS_DAYS

#: A poll composed by hand closes this many days after it is composed ...
DEFAULT_POLL_DAYS = 10
#: ... at this local hour: the close, the result and the reminders before it (48 h, 6 h) all
#: fall in the daytime, whatever time of day the poll was written.
DEFAULT_DEADLINE_AT = time(18)


def default_deadline(now: datetime, first: datetime, tz: ZoneInfo = BERLIN) -> datetime:
    """When a poll closes unless its coordinator says otherwise: at 18:00 local time on the
    tenth day from ``now``; but at least 12 hours before the first date ``first`` (else a day
    before it). Raises :class:`GremiumError` if that leaves the members less than an hour."""
    require_aware(now, "now")
    require_aware(first, "first")
    day = local_now(now, tz).date() + timedelta(days=DEFAULT_POLL_DAYS)
    deadline = to_utc_forward(day, DEFAULT_DEADLINE_AT, tz)
    if deadline >= first - timedelta(hours=12):
        deadline = first - timedelta(days=1)
    if deadline <= now + timedelta(hours=1):
        raise GremiumError(
            "The first date is too soon for a poll. Choose dates at least two days ahead."
        )
    return deadline


#: A suggested meeting lies at least this many days after its poll closes, so that the notice
#: comes well ahead and both meeting reminders (7 days and 1 day before) go out after it.
NOTICE_LEAD_DAYS = max(MEETING_OFFSETS_DAYS) + 1
#: A poll whose dates were suggested stays open at least this many days.
MIN_POLL_DAYS = 3


def period_with_room(
    first: date, last: date, *, now: datetime, tz: ZoneInfo = BERLIN, lang: str = "de"
) -> tuple[date, date]:
    """The part of a period in which suggested dates leave room for the poll (at least
    :data:`MIN_POLL_DAYS` days), the meeting notice and both reminders before the meeting.
    Raises :class:`GremiumError` naming the first possible day if nothing of it is left."""
    require_aware(now, "now")
    earliest = local_now(now, tz).date() + timedelta(days=MIN_POLL_DAYS + NOTICE_LEAD_DAYS)
    if last < earliest:
        raise GremiumError(
            "This period is too short: the poll, the meeting notice and the reminders need "
            "time, so the first date can be on {day} at the earliest. Choose a period that "
            "ends later, for example 6 weeks.",
            day=show_date(earliest, lang),
        )
    return max(first, earliest), last


def deadline_with_room(now: datetime, first: datetime, tz: ZoneInfo = BERLIN) -> datetime:
    """The deadline of a poll with suggested dates: as :func:`default_deadline`, but at the
    latest :data:`NOTICE_LEAD_DAYS` days before the day of the first date ``first``."""
    require_aware(now, "now")
    require_aware(first, "first")
    today = local_now(now, tz).date()
    latest = local_now(first, tz).date() - timedelta(days=NOTICE_LEAD_DAYS)
    day = min(today + timedelta(days=DEFAULT_POLL_DAYS), latest)
    return to_utc_forward(day, DEFAULT_DEADLINE_AT, tz)

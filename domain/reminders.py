"""When reminders are due: before a poll closes and before a meeting.

Reminders land at sensible local hours: poll reminders that would fall into quiet hours move to
the evening before (so they still come well ahead of the deadline), meeting reminders go out at
a fixed daytime hour N days before. All results are UTC instants, sorted, without duplicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.delivery import quiet_hours_release
from domain.localtime import BERLIN, local_now, require_aware, to_utc_forward

POLL_OFFSETS: tuple[timedelta, ...] = (timedelta(hours=48), timedelta(hours=6))
QUIET_HOURS: tuple[time, time] = (time(21), time(8))
MEETING_OFFSETS_DAYS: tuple[int, ...] = (7, 1)


def _evening_before_quiet(moment: datetime, tz: ZoneInfo, quiet: tuple[time, time]) -> datetime:
    """One hour before the quiet hours that ``moment`` falls into began, in UTC."""
    start, end = quiet
    local = local_now(moment, tz)
    began = local.date()
    if start > end and local.time().replace(tzinfo=None) < end:
        began -= timedelta(days=1)  # the early-morning part began the evening before
    evening = datetime.combine(began, start) - timedelta(hours=1)
    return to_utc_forward(evening.date(), evening.time(), tz)


def poll_reminder_times(
    deadline: datetime,
    *,
    opened_at: datetime,
    now: datetime,
    offsets: Sequence[timedelta] = POLL_OFFSETS,
    tz: ZoneInfo = BERLIN,
    quiet: tuple[time, time] = QUIET_HOURS,
) -> list[datetime]:
    """When to remind members of a poll that closes at ``deadline``.

    Each offset gives ``deadline - offset``. One that falls into quiet hours moves to an hour
    before they began (20:00 for 21:00-08:00); if that is before the poll opened or already
    past, to the end of the quiet hours instead, if that still precedes the deadline.
    Reminders before ``opened_at``, before ``now`` or not before the deadline are dropped.
    """
    for name, moment in (("deadline", deadline), ("opened_at", opened_at), ("now", now)):
        require_aware(moment, name)

    def usable(moment: datetime) -> bool:
        return opened_at < moment < deadline and moment >= now

    due: set[datetime] = set()
    for offset in offsets:
        moment = deadline - offset
        release = quiet_hours_release(moment, tz, *quiet)
        if release != moment:  # in quiet hours
            earlier = _evening_before_quiet(moment, tz, quiet)
            moment = earlier if usable(earlier) else release
        if usable(moment):
            due.add(moment)
    return sorted(due)


def meeting_reminder_times(
    start: datetime | date,
    *,
    now: datetime,
    offsets_days: Sequence[int] = MEETING_OFFSETS_DAYS,
    hour: int = 10,
    tz: ZoneInfo = BERLIN,
) -> list[datetime]:
    """When to remind members of a meeting: ``hour`` o'clock local, N days before its day.

    ``start`` is the meeting's start (aware) or, for an all-day meeting, its date. Reminders
    already past at ``now`` or not before the start are dropped; DST changes in between do not
    shift the local hour.
    """
    require_aware(now, "now")
    if isinstance(start, datetime):
        day, begins = local_now(start, tz).date(), start
    else:
        day, begins = start, to_utc_forward(start, time(0), tz)
    due = {to_utc_forward(day - timedelta(days=n), time(hour), tz) for n in offsets_days}
    return sorted(moment for moment in due if now <= moment < begins)

"""Pure rules of the meeting record: when check-in is open, when agenda proposals close, when
the person responsible for an action item is reminded, and the rows of the attendance export.

All instants are aware; results are UTC. Nothing here reads the clock: ``now`` is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.localtime import require_aware, to_utc_forward

#: Check-in opens this long before a meeting starts ...
CHECKIN_BEFORE = timedelta(minutes=30)
#: ... and stays open this long after it ends.
CHECKIN_AFTER = timedelta(minutes=30)
#: A meeting without an end time is taken to last this long.
DEFAULT_LENGTH = timedelta(hours=2)
#: Days before an action item's due date at which its owner is reminded, at ``REMINDER_HOUR``.
ACTION_REMINDER_DAYS: tuple[int, ...] = (3, 0)
REMINDER_HOUR = 10
#: Agenda proposals close this many days before a meeting unless the group says otherwise.
DEFAULT_CLOSE_DAYS = 3


@dataclass(frozen=True)
class Window:
    """A span of time, open at ``opens`` and closed from ``closes`` on."""

    opens: datetime
    closes: datetime

    def __contains__(self, moment: datetime) -> bool:
        return self.opens <= moment < self.closes


def checkin_window(
    starts_at: datetime, ends_at: datetime | None, all_day: bool, tz: ZoneInfo
) -> Window:
    """When members can say "I'm here": from half an hour before the start to half an hour
    after the end (a meeting without an end lasts two hours; an all-day meeting, its day)."""
    require_aware(starts_at, "starts_at")
    if all_day:
        day = starts_at.astimezone(tz).date()
        return Window(
            to_utc_forward(day, time(0), tz), to_utc_forward(day + timedelta(days=1), time(0), tz)
        )
    end = ends_at if ends_at is not None and ends_at > starts_at else starts_at + DEFAULT_LENGTH
    return Window(starts_at - CHECKIN_BEFORE, end + CHECKIN_AFTER)


def proposals_close_at(starts_at: datetime, days: int) -> datetime:
    """When agenda proposals for a meeting close: ``days`` days before its start (0: at the
    start)."""
    require_aware(starts_at, "starts_at")
    return starts_at - timedelta(days=max(days, 0))


def proposals_open(starts_at: datetime, days: int, *, now: datetime) -> bool:
    """Whether members may still propose items for a meeting starting at ``starts_at``."""
    require_aware(now, "now")
    return now < proposals_close_at(starts_at, days)


def action_reminder_times(
    due_on: date,
    *,
    now: datetime,
    tz: ZoneInfo,
    days: Sequence[int] = ACTION_REMINDER_DAYS,
    hour: int = REMINDER_HOUR,
) -> list[datetime]:
    """When to remind the person responsible for an action item due on ``due_on``: ``hour``
    o'clock local, each of ``days`` days before (0: on the day). Past ones are dropped; if all
    are past and the day has not ended, one reminder goes out now."""
    require_aware(now, "now")
    due = sorted({to_utc_forward(due_on - timedelta(days=n), time(hour), tz) for n in days})
    coming = [moment for moment in due if moment >= now]
    if coming:
        return coming
    end_of_day = to_utc_forward(due_on + timedelta(days=1), time(0), tz)
    return [now] if now < end_of_day else []


@dataclass(frozen=True)
class AttendanceRow:
    """One member's part in one meeting, for the CSV export."""

    meeting_start: datetime
    group: str
    member: str
    rsvp: bool | None  # True: coming, False: not coming, None: no answer
    checked_in: bool


RSVP_WORDS = {True: "yes", False: "no", None: ""}


def cell(text: str) -> str:
    """A value safe for a spreadsheet: one that would start a formula gets a leading quote."""
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def csv_rows(rows: Iterable[AttendanceRow], tz: ZoneInfo) -> list[list[str]]:
    """The export's rows, header first: meeting date and time (local), group, member, RSVP
    ("yes", "no" or empty) and check-in ("yes" or empty); by meeting, then by name."""
    header = ["date", "time", "group", "member", "rsvp", "checked_in"]
    ordered = sorted(rows, key=lambda r: (r.meeting_start, r.member.casefold(), r.member))
    body = []
    for row in ordered:
        local = row.meeting_start.astimezone(tz)
        body.append(
            [
                local.date().isoformat(),
                local.strftime("%H:%M"),
                cell(row.group),
                cell(row.member),
                RSVP_WORDS[row.rsvp],
                "yes" if row.checked_in else "",
            ]
        )
    return [header, *body]

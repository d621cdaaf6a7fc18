"""Pure rules of the meeting record: when check-in is open, when agenda proposals close, how
many items and proposals an agenda holds, when the person responsible for an action item is
reminded, and the rows of the attendance export.

All instants are aware; results are UTC. Nothing here reads the clock: ``now`` is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import GremiumError
from domain.i18n import lazy_plural
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
#: An agenda holds at most this many items and waiting proposals together. The coordinators'
#: view of it is one message with a row of buttons for each (four for an item; three for a
#: proposal, lettered A to Z) and two more: 24 * 4 + 2 = 98 of the 100 buttons Telegram allows.
AGENDA_MOST = 24
ITEM_BUTTONS, PROPOSAL_BUTTONS, EXTRA_BUTTONS = 4, 3, 2
KEYBOARD_MOST = 100
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


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


def require_room_on_agenda(entries: int, *, coordinator: bool) -> None:
    """Refuse one more item or proposal on an agenda that holds ``entries`` (items and waiting
    proposals) if it is full; a coordinator is asked to drop one, a member to ask them."""
    if entries < AGENDA_MOST:
        return
    if coordinator:
        raise GremiumError(
            lazy_plural(
                "This agenda is full: at most {n} item and proposal together. Please drop one "
                "first.",
                "This agenda is full: at most {n} items and proposals together. Please drop one "
                "first.",
                AGENDA_MOST,
            )
        )
    raise GremiumError(
        lazy_plural(
            "This agenda is full: at most {n} item and proposal together. Please talk to a "
            "coordinator of the group.",
            "This agenda is full: at most {n} items and proposals together. Please talk to a "
            "coordinator of the group.",
            AGENDA_MOST,
        )
    )


def button_rows(accepted: int, waiting: int) -> tuple[int, int]:
    """How many accepted items and how many proposals get their row of buttons: all of them
    within :data:`AGENDA_MOST`; beyond it (an agenda from before the cap, or two proposals in
    the same moment) as many as the 100 buttons and 26 letters allow, the items first."""
    room = KEYBOARD_MOST - EXTRA_BUTTONS
    items = min(accepted, room // ITEM_BUTTONS)
    room -= items * ITEM_BUTTONS
    return items, min(waiting, room // PROPOSAL_BUTTONS, len(LETTERS))


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

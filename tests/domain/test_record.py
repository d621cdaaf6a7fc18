"""The meeting record's pure rules: check-in window, proposal deadline, the agenda's size,
action reminders, CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.errors import GremiumError
from domain.record import (
    AGENDA_MOST,
    EXTRA_BUTTONS,
    ITEM_BUTTONS,
    KEYBOARD_MOST,
    LETTERS,
    PROPOSAL_BUTTONS,
    AttendanceRow,
    action_reminder_times,
    button_rows,
    checkin_window,
    csv_rows,
    proposals_close_at,
    proposals_open,
    require_room_on_agenda,
)

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2027, 1, 12, 16, 0, tzinfo=UTC)  # 17:00 in Berlin


@pytest.mark.parametrize(
    ("ends_at", "all_day", "moment", "inside"),
    [
        (START + timedelta(hours=2), False, START - timedelta(minutes=31), False),
        (START + timedelta(hours=2), False, START - timedelta(minutes=30), True),
        (START + timedelta(hours=2), False, START + timedelta(hours=2, minutes=29), True),
        (START + timedelta(hours=2), False, START + timedelta(hours=2, minutes=30), False),
        (None, False, START + timedelta(hours=2, minutes=29), True),  # two hours assumed
        (None, False, START + timedelta(hours=2, minutes=30), False),
        (None, True, datetime(2027, 1, 11, 23, 0, tzinfo=UTC), True),  # 00:00 Berlin
        (None, True, datetime(2027, 1, 11, 22, 59, tzinfo=UTC), False),
        (None, True, datetime(2027, 1, 12, 22, 59, tzinfo=UTC), True),
        (None, True, datetime(2027, 1, 12, 23, 0, tzinfo=UTC), False),
    ],
)
def test_checkin_window(
    ends_at: datetime | None, all_day: bool, moment: datetime, inside: bool
) -> None:
    """Check-in is open from 30 minutes before the start to 30 minutes after the end (planted:
    ``opens <= moment <= closes`` lets the closing instant in)."""
    assert (moment in checkin_window(START, ends_at, all_day, BERLIN)) is inside


@pytest.mark.parametrize(
    ("days", "now", "still_open"),
    [
        (3, START - timedelta(days=3, seconds=1), True),
        (3, START - timedelta(days=3), False),
        (0, START - timedelta(seconds=1), True),
        (0, START, False),
        (-2, START - timedelta(seconds=1), True),  # a negative setting counts as 0
    ],
)
def test_proposals_close(days: int, now: datetime, still_open: bool) -> None:
    """Proposals close ``days`` days before the start, exactly (planted: ``<=`` in the rule)."""
    assert proposals_open(START, days, now=now) is still_open
    assert proposals_close_at(START, days) == START - timedelta(days=max(days, 0))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 3 days before and on the day, 10:00 Berlin (UTC+1 in February)
        (
            datetime(2027, 2, 1, 12, 0, tzinfo=UTC),
            [datetime(2027, 2, 7, 9, 0, tzinfo=UTC), datetime(2027, 2, 10, 9, 0, tzinfo=UTC)],
        ),
        (datetime(2027, 2, 8, 12, 0, tzinfo=UTC), [datetime(2027, 2, 10, 9, 0, tzinfo=UTC)]),
        # past both reminders but the day has not ended: now
        (datetime(2027, 2, 10, 15, 0, tzinfo=UTC), [datetime(2027, 2, 10, 15, 0, tzinfo=UTC)]),
        (datetime(2027, 2, 10, 23, 0, tzinfo=UTC), []),  # the day is over in Berlin
    ],
)
def test_action_reminder_times(now: datetime, expected: list[datetime]) -> None:
    """Reminders 3 days before and on the due day at 10:00 local, never in the past (planted:
    dropping the "now" fallback loses the reminder of an item recorded on its due day)."""
    assert action_reminder_times(date(2027, 2, 10), now=now, tz=BERLIN) == expected


def test_action_reminder_across_dst() -> None:
    """The local hour holds across the change to summer time (UTC+2 from 28 March 2027)."""
    times = action_reminder_times(
        date(2027, 3, 29), now=datetime(2027, 3, 1, tzinfo=UTC), tz=BERLIN
    )
    assert times == [
        datetime(2027, 3, 26, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 29, 8, 0, tzinfo=UTC),
    ]


def test_csv_rows_sorted_and_safe() -> None:
    """Header first, then by meeting and name; local time; formula-like names are defused
    (planted: writing ``row.member`` unchanged lets "=cmd" through)."""
    later = START + timedelta(days=30)
    rows = [
        AttendanceRow(later, "Bildung", "Zoë", True, False),
        AttendanceRow(START, "Bildung", "=cmd|' /C calc'!A0", None, True),
        AttendanceRow(START, "Bildung", "ada", False, False),
    ]
    assert csv_rows(rows, BERLIN) == [
        ["date", "time", "group", "member", "rsvp", "checked_in"],
        ["2027-01-12", "17:00", "Bildung", "'=cmd|' /C calc'!A0", "", "yes"],
        ["2027-01-12", "17:00", "Bildung", "ada", "no", ""],
        ["2027-02-11", "17:00", "Bildung", "Zoë", "yes", ""],
    ]


def test_a_full_agenda_still_fits_its_keyboard() -> None:
    """However a full agenda divides into items and proposals, every one gets its row of
    buttons within Telegram's 100, and every proposal a letter."""
    for accepted in range(AGENDA_MOST + 1):
        waiting = AGENDA_MOST - accepted
        assert button_rows(accepted, waiting) == (accepted, waiting)
        buttons = accepted * ITEM_BUTTONS + waiting * PROPOSAL_BUTTONS + EXTRA_BUTTONS
        assert buttons <= KEYBOARD_MOST and waiting <= len(LETTERS)


@pytest.mark.parametrize(
    ("accepted", "waiting", "rows"),
    [
        (30, 0, (24, 0)),  # 24 * 4 + 2 = 98
        (20, 10, (20, 6)),  # 80 + 18 + 2 = 100
        (0, 40, (0, 26)),  # no more letters than A to Z
        (3, 2, (3, 2)),
    ],
)
def test_buttons_beyond_the_cap(accepted: int, waiting: int, rows: tuple[int, int]) -> None:
    """An agenda over the cap (from before it, or two proposals at once) gets as many rows as
    Telegram allows, the accepted items first."""
    assert button_rows(accepted, waiting) == rows


@pytest.mark.parametrize("coordinator", [True, False])
def test_room_on_agenda(coordinator: bool) -> None:
    """One more entry fits below the cap; at it, coordinators are asked to drop one and
    members to talk to a coordinator."""
    require_room_on_agenda(AGENDA_MOST - 1, coordinator=coordinator)
    with pytest.raises(GremiumError) as refused:
        require_room_on_agenda(AGENDA_MOST, coordinator=coordinator)
    english = refused.value.text.english()
    assert english.startswith("This agenda is full: at most 24 items and proposals together.")
    assert ("drop one" in english) is coordinator

"""Suggested dates leave room for the poll, the meeting notice and both meeting reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.deadlines import MIN_POLL_DAYS, NOTICE_LEAD_DAYS, deadline_with_room, period_with_room
from domain.errors import GremiumError
from domain.localtime import BERLIN
from domain.reminders import meeting_reminder_times

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday, 10:00 in Herne


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        pytest.param(date(2026, 11, 25), date(2026, 12, 15), date(2026, 12, 5), id="3 weeks"),
        pytest.param(date(2027, 3, 1), date(2027, 3, 31), date(2027, 3, 1), id="far ahead"),
        pytest.param(date(2026, 11, 25), date(2026, 12, 5), date(2026, 12, 5), id="one day"),
    ],
)
def test_the_period_starts_late_enough(first: date, last: date, expected: date) -> None:
    """The first possible day is 3 poll days and 8 notice days after today. Planted: a notice
    lead of 7 days (the 7-day reminder would come before the notice)."""
    assert MIN_POLL_DAYS + NOTICE_LEAD_DAYS == 11
    assert period_with_room(first, last, now=NOW, tz=BERLIN, lang="en") == (expected, last)


def test_a_period_without_room_is_refused() -> None:
    """One week from tomorrow leaves no room: the error names the first possible day."""
    with pytest.raises(GremiumError) as caught:
        period_with_room(date(2026, 11, 25), date(2026, 12, 1), now=NOW, tz=BERLIN, lang="en")
    assert caught.value.text.params["day"] == "Dec 5, 2026"


@pytest.mark.parametrize(
    ("first", "deadline"),
    [
        pytest.param(  # the earliest possible date: the poll stays open 3 days
            datetime(2026, 12, 5, 16, 0, tzinfo=UTC),
            datetime(2026, 11, 27, 17, 0, tzinfo=UTC),
            id="earliest",
        ),
        pytest.param(  # far ahead: the usual ten days
            datetime(2027, 3, 1, 16, 0, tzinfo=UTC),
            datetime(2026, 12, 4, 17, 0, tzinfo=UTC),
            id="ten days",
        ),
        pytest.param(  # across the change to summer time: 18:00 local stays 18:00
            datetime(2027, 4, 1, 15, 0, tzinfo=UTC),
            datetime(2026, 12, 4, 17, 0, tzinfo=UTC),
            id="dst",
        ),
    ],
)
def test_the_deadline_leaves_room_for_notice_and_reminders(
    first: datetime, deadline: datetime
) -> None:
    """The poll closes in time for the notice to come a week ahead and both reminders after.
    Planted: the plain ten-day deadline (it fell after the earliest date's reminders)."""
    assert deadline_with_room(NOW, first, BERLIN) == deadline
    reminders = meeting_reminder_times(first, now=deadline, tz=BERLIN)
    assert len(reminders) == 2 and all(r > deadline for r in reminders)

"""The default deadline of a poll composed by hand: 18:00 local on the tenth day, at least 12
hours before the first date, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.deadlines import default_deadline
from domain.errors import GremiumError

BERLIN = ZoneInfo("Europe/Berlin")
FAR = datetime(2027, 12, 1, tzinfo=UTC)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "first", "expected"),
    [
        # Tuesday 10:00 in Berlin: Friday of the week after, 18:00 CET.
        (_utc(2026, 11, 24, 9), FAR, _utc(2026, 12, 4, 17)),
        # Composed late at night or early in the morning: still 18:00, never 06:18.
        (_utc(2026, 11, 24, 22, 30), FAR, _utc(2026, 12, 4, 17)),  # 23:30 in Berlin
        (_utc(2026, 11, 24, 23, 30), FAR, _utc(2026, 12, 5, 17)),  # 00:30: the next day
        (_utc(2026, 11, 25, 5, 18), FAR, _utc(2026, 12, 5, 17)),
        # Across the change to summer time: 18:00 CEST is 16:00 UTC.
        (_utc(2027, 3, 20, 9), FAR, _utc(2027, 3, 30, 16)),
        # ... and back to winter time.
        (_utc(2027, 10, 25, 9), FAR, _utc(2027, 11, 4, 17)),
        # The first date comes sooner: a day before it.
        (_utc(2026, 11, 24, 9), _utc(2026, 11, 30, 16), _utc(2026, 11, 29, 16)),
        # 18:00 on the tenth day is less than 12 hours before the first date: a day before.
        (_utc(2026, 11, 24, 9), _utc(2026, 12, 5, 4), _utc(2026, 12, 4, 4)),
    ],
)
def test_default_deadline(now: datetime, first: datetime, expected: datetime) -> None:
    assert default_deadline(now, first, BERLIN) == expected


def test_in_another_zone() -> None:
    istanbul = ZoneInfo("Europe/Istanbul")  # UTC+3 all year
    assert default_deadline(_utc(2026, 11, 24, 9), FAR, istanbul) == _utc(2026, 12, 4, 15)


def test_a_first_date_too_soon_is_refused() -> None:
    now = _utc(2026, 11, 24, 9)
    with pytest.raises(GremiumError, match="too soon"):
        default_deadline(now, now + timedelta(hours=20), BERLIN)


def test_times_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        default_deadline(datetime(2026, 11, 24, 9), FAR, BERLIN)

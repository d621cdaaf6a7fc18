"""When poll and meeting reminders are due."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.reminders import meeting_reminder_times, poll_reminder_times

BERLIN = ZoneInfo("Europe/Berlin")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("deadline", "opened_at", "now", "expected"),
    [
        pytest.param(
            utc(2027, 6, 18, 16),  # Friday 18:00 CEST
            utc(2027, 6, 10, 8),
            utc(2027, 6, 10, 8),
            [utc(2027, 6, 16, 16), utc(2027, 6, 18, 10)],
            id="both in daytime",
        ),
        pytest.param(
            utc(2027, 6, 18, 10),  # Friday 12:00 CEST: 6 h before is 06:00
            utc(2027, 6, 10, 8),
            utc(2027, 6, 10, 8),
            [utc(2027, 6, 16, 10), utc(2027, 6, 17, 18)],
            id="early morning moves to 20:00 the evening before",
        ),
        pytest.param(
            utc(2027, 6, 18, 21),  # Friday 23:00 CEST: 6 h before is 17:00
            utc(2027, 6, 10, 8),
            utc(2027, 6, 10, 8),
            [utc(2027, 6, 16, 18), utc(2027, 6, 18, 15)],
            id="late evening moves to 20:00 the same evening",
        ),
        pytest.param(
            utc(2027, 3, 28, 10),  # Sunday 12:00 CEST, the day the clocks go forward
            utc(2027, 3, 20, 8),
            utc(2027, 3, 20, 8),
            [utc(2027, 3, 26, 10), utc(2027, 3, 27, 19)],
            id="spring DST: 20:00 CET on Saturday",
        ),
        pytest.param(
            utc(2027, 10, 31, 11),  # Sunday 12:00 CET, the day the clocks go back
            utc(2027, 10, 20, 8),
            utc(2027, 10, 20, 8),
            [utc(2027, 10, 29, 11), utc(2027, 10, 30, 18)],
            id="autumn DST: 20:00 CEST on Saturday",
        ),
        pytest.param(
            utc(2027, 3, 28, 10),
            utc(2027, 3, 27, 20),  # opened Saturday 21:00, after the evening slot
            utc(2027, 3, 27, 20),
            [utc(2027, 3, 28, 6)],
            id="opened too late for the evening: 08:00 instead",
        ),
        pytest.param(
            utc(2027, 6, 18, 16),
            utc(2027, 6, 17, 8),  # opened 32 h before the deadline
            utc(2027, 6, 17, 8),
            [utc(2027, 6, 18, 10)],
            id="48 h reminder before the poll opened",
        ),
        pytest.param(
            utc(2027, 6, 18, 16),
            utc(2027, 6, 10, 8),
            utc(2027, 6, 17, 8),
            [utc(2027, 6, 18, 10)],
            id="48 h reminder already past",
        ),
        pytest.param(
            utc(2027, 6, 18, 6, 30),  # Friday 08:30 CEST: 6 h before is 02:30
            utc(2027, 6, 18, 0),  # opened 02:00: the evening before is too early
            utc(2027, 6, 18, 0),
            [utc(2027, 6, 18, 6)],
            id="shifted to the end of quiet hours, still before the deadline",
        ),
        pytest.param(
            utc(2027, 6, 18, 5, 30),  # Friday 07:30 CEST
            utc(2027, 6, 18, 0),
            utc(2027, 6, 18, 0),
            [],
            id="no daytime slot before the deadline",
        ),
    ],
)
def test_poll_reminder_times(
    deadline: datetime, opened_at: datetime, now: datetime, expected: list[datetime]
) -> None:
    """Reminders 48 h and 6 h ahead avoid quiet hours and still precede the deadline."""
    times = poll_reminder_times(deadline, opened_at=opened_at, now=now, tz=BERLIN)
    assert times == expected


def test_poll_reminders_merge_when_shifted_together() -> None:
    """Two offsets that shift onto the same evening give one reminder."""
    deadline = utc(2027, 6, 18, 4)  # Friday 06:00 CEST
    offsets = (timedelta(hours=9), timedelta(hours=8))  # 21:00 and 22:00
    times = poll_reminder_times(
        deadline, opened_at=utc(2027, 6, 10), now=utc(2027, 6, 10), offsets=offsets
    )
    assert times == [utc(2027, 6, 17, 18)]


def test_poll_reminders_with_other_quiet_hours() -> None:
    """Quiet hours are configurable."""
    deadline = utc(2027, 6, 18, 16)  # 18:00 CEST, 6 h before is 12:00
    times = poll_reminder_times(
        deadline,
        opened_at=utc(2027, 6, 17),
        now=utc(2027, 6, 17),
        offsets=(timedelta(hours=6),),
        quiet=(time(12), time(14)),
    )
    assert times == [utc(2027, 6, 18, 9)]  # 11:00 CEST


@pytest.mark.parametrize(
    ("start", "now", "kwargs", "expected"),
    [
        pytest.param(
            utc(2027, 6, 17, 16),
            utc(2027, 6, 1),
            {},
            [utc(2027, 6, 10, 8), utc(2027, 6, 16, 8)],
            id="10:00 local, 7 and 1 days before",
        ),
        pytest.param(
            utc(2027, 3, 29, 16),  # Monday after the spring change
            utc(2027, 3, 1),
            {},
            [utc(2027, 3, 22, 9), utc(2027, 3, 28, 8)],
            id="spring DST: 10:00 CET then 10:00 CEST",
        ),
        pytest.param(
            utc(2027, 11, 1, 17),  # Monday after the autumn change
            utc(2027, 10, 1),
            {},
            [utc(2027, 10, 25, 8), utc(2027, 10, 31, 9)],
            id="autumn DST: 10:00 CEST then 10:00 CET",
        ),
        pytest.param(
            utc(2027, 6, 17, 16),
            utc(2027, 6, 12),
            {},
            [utc(2027, 6, 16, 8)],
            id="week reminder already past",
        ),
        pytest.param(
            utc(2027, 6, 17, 7),  # 09:00 CEST
            utc(2027, 6, 1),
            {"offsets_days": (1, 0)},
            [utc(2027, 6, 16, 8)],
            id="same-day reminder after the start is dropped",
        ),
        pytest.param(
            utc(2027, 6, 17, 16),
            utc(2027, 6, 1),
            {"offsets_days": (2,), "hour": 18},
            [utc(2027, 6, 15, 16)],
            id="other hour",
        ),
        pytest.param(
            date(2027, 6, 17),
            utc(2027, 6, 1),
            {},
            [utc(2027, 6, 10, 8), utc(2027, 6, 16, 8)],
            id="all-day meeting",
        ),
    ],
)
def test_meeting_reminder_times(
    start: datetime | date, now: datetime, kwargs: dict[str, object], expected: list[datetime]
) -> None:
    """Meeting reminders go out at a daytime local hour N days before, across DST."""
    assert meeting_reminder_times(start, now=now, tz=BERLIN, **kwargs) == expected  # type: ignore[arg-type]

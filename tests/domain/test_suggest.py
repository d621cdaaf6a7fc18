"""Suggesting meeting dates off holidays, spread over the chosen period."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.dates import TimeWindow
from domain.errors import GremiumError
from domain.suggest import Block, BlockKind, blocked_days, school_holidays_known, suggest_dates

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 1, 9, tzinfo=UTC)
EVENING = TimeWindow(time(16), time(19))
TUE, THU = 1, 3


def days(*isodates: str) -> list[date]:
    return [date.fromisoformat(d) for d in isodates]


def suggested(**kwargs: Any) -> list[date]:
    kwargs = {"window": EVENING, "now": NOW, "duration": timedelta(hours=2), **kwargs}
    return [c.start.astimezone(BERLIN).date() for c in suggest_dates(**kwargs)]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("first", "last", "weekdays", "count", "extra", "expected"),
    [
        pytest.param(
            "2026-12-14",
            "2027-01-17",
            {TUE, THU},
            4,
            (),
            days("2026-12-17", "2026-12-22", "2027-01-07", "2027-01-14"),
            id="around the NRW Christmas holidays 23.12.-06.01.",
        ),
        pytest.param(
            "2027-03-15",
            "2027-04-16",
            {TUE},
            3,
            (),
            days("2027-03-16", "2027-04-06", "2027-04-13"),
            id="around the NRW Easter holidays 22.03.-03.04.",
        ),
        pytest.param(
            "2027-05-03",
            "2027-06-06",
            {THU},
            2,
            (),
            days("2027-05-13", "2027-06-03"),
            id="not on Christi Himmelfahrt 06.05. or Fronleichnam 27.05.",
        ),
        pytest.param(
            "2027-09-06",
            "2027-10-22",
            {TUE},
            4,
            (),
            days("2027-09-14", "2027-09-21", "2027-10-05", "2027-10-19"),
            id="spread over seven weeks",
        ),
        pytest.param(
            "2027-09-01",
            "2027-09-30",
            {0, 1, 2, 3, 4},
            3,
            (),
            days("2027-09-06", "2027-09-15", "2027-09-24"),
            id="spread, not bunched in the first week",
        ),
        pytest.param(
            "2027-03-01",
            "2027-03-12",
            {TUE, THU},
            2,
            ("islamic",),
            days("2027-03-02", "2027-03-04"),
            id="not on Eid al-Fitr 09.-11.03.",
        ),
        pytest.param(
            "2027-10-04",
            "2027-10-15",
            {0},
            1,
            ("jewish",),
            days("2027-10-04"),
            id="not on Yom Kippur or its eve",
        ),
        pytest.param(
            "2027-04-26",
            "2027-05-07",
            {0, 4},
            2,
            ("orthodox",),
            days("2027-04-26", "2027-05-07"),
            id="not on Orthodox Good Friday or Easter Monday",
        ),
    ],
)
def test_suggestions(
    first: str,
    last: str,
    weekdays: set[int],
    count: int,
    extra: tuple[str, ...],
    expected: list[date],
) -> None:
    """Suggestions skip holidays and spread evenly over the period."""
    found = suggested(
        first_day=date.fromisoformat(first),
        last_day=date.fromisoformat(last),
        weekdays=weekdays,
        count=count,
        extra_calendars=extra,
    )
    assert found == expected


def test_busy_days_are_skipped() -> None:
    """Days on which members already meet in another group are not suggested."""
    busy = set(days("2027-09-14", "2027-10-05"))
    found = suggested(
        first_day=date(2027, 9, 6),
        last_day=date(2027, 10, 22),
        weekdays={TUE},
        count=4,
        busy_days=busy,
    )
    assert found == days("2027-09-07", "2027-09-21", "2027-09-28", "2027-10-19")


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        pytest.param("2027-11-11", datetime(2027, 11, 11, 15, tzinfo=UTC), 17, id="CET"),
        pytest.param("2027-10-21", datetime(2027, 10, 21, 14, tzinfo=UTC), 16, id="CEST"),
    ],
)
def test_suggestions_are_local_times(day: str, start: datetime, end: int) -> None:
    """The local start time maps to the right UTC instant on each side of the DST change."""
    [option] = suggest_dates(
        first_day=date.fromisoformat(day),
        last_day=date.fromisoformat(day),
        weekdays={THU},
        window=EVENING,
        count=1,
        now=NOW,
        duration=timedelta(hours=2),
    )
    assert (option.start, option.end) == (start, start.replace(hour=end))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(datetime(2027, 9, 7, 13, 59, tzinfo=UTC), "2027-09-07", id="before start"),
        pytest.param(datetime(2027, 9, 7, 14, 1, tzinfo=UTC), "2027-09-14", id="after start"),
    ],
)
def test_nothing_in_the_past(now: datetime, expected: str) -> None:
    """A day whose start time has passed is not suggested."""
    found = suggested(
        first_day=date(2027, 9, 1), last_day=date(2027, 9, 14), weekdays={TUE}, count=1, now=now
    )
    assert found == days(expected)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param(
            {"start": time(17), "duration": None},
            (time(17), time(19)),
            id="start given, lasts to the window's end",
        ),
        pytest.param(
            {"start": None, "duration": None}, (time(16), time(19)), id="the whole window"
        ),
        pytest.param(
            {"start": time(16, 30), "duration": timedelta(minutes=90)},
            (time(16, 30), time(18)),
            id="start and duration",
        ),
    ],
)
def test_start_and_duration(kwargs: dict[str, Any], expected: tuple[time, time]) -> None:
    """Meetings start at the given time or the window's start and end within the window."""
    [option] = suggest_dates(
        first_day=date(2027, 9, 7),
        last_day=date(2027, 9, 7),
        weekdays={TUE},
        window=EVENING,
        count=1,
        now=NOW,
        **kwargs,
    )
    assert isinstance(option.start, datetime) and option.end is not None
    local = (option.start.astimezone(BERLIN).time(), option.end.astimezone(BERLIN).time())
    assert local == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param(
            {"first_day": date(2027, 5, 1), "last_day": date(2027, 5, 31), "weekdays": {THU}},
            "Only 2 of 4 dates fit between 01.05.2027 and 31.05.2027 on Donnerstag, leaving out "
            "holidays, school holidays and days with other meetings. Extend the period to "
            "10.06.2027 or choose more weekdays.",
            id="too few, with a longer period that works",
        ),
        pytest.param(
            {
                "first_day": date(2026, 12, 23),
                "last_day": date(2027, 1, 6),
                "weekdays": {TUE, THU},
            },
            "No date fits between 23.12.2026 and 06.01.2027 on Dienstag oder Donnerstag",
            id="none in the Christmas holidays",
        ),
        pytest.param(
            {"first_day": date(2027, 5, 1), "last_day": date(2027, 4, 1), "weekdays": {THU}},
            "The period ends (01.04.2027) before it begins (01.05.2027).",
            id="reversed period",
        ),
        pytest.param(
            {
                "first_day": date(2027, 5, 1),
                "last_day": date(2027, 5, 31),
                "weekdays": {THU},
                "duration": timedelta(hours=4),
            },
            "A meeting from 16:00 for 240 minutes does not fit into the time window 16:00-19:00.",
            id="meeting longer than the window",
        ),
        pytest.param(
            {
                "first_day": date(2027, 5, 1),
                "last_day": date(2027, 5, 31),
                "weekdays": {THU},
                "start": time(15),
            },
            "does not fit into the time window",
            id="start before the window",
        ),
        pytest.param(
            {
                "first_day": date(2027, 5, 1),
                "last_day": date(2027, 5, 31),
                "weekdays": {THU},
                "extra_calendars": ("pagan",),
            },
            'I do not know the holiday calendar "pagan". Known calendars: islamic, orthodox, '
            "jewish.",
            id="unknown calendar",
        ),
    ],
)
def test_suggestion_errors(kwargs: dict[str, Any], expected: str) -> None:
    """When too few dates fit the error says how many and what would work."""
    arguments = {"window": EVENING, "now": NOW, "count": 4, "duration": timedelta(hours=2)}
    with pytest.raises(GremiumError) as error:
        suggest_dates(**{**arguments, **kwargs})
    text = error.value.text
    assert expected in text.english()


@pytest.mark.parametrize(
    ("day", "lang", "block"),
    [
        pytest.param(
            "2027-05-27", "de", Block(BlockKind.PUBLIC, "Fronleichnam"), id="Fronleichnam"
        ),
        pytest.param("2027-05-27", "en", Block(BlockKind.PUBLIC, "Corpus Christi"), id="English"),
        pytest.param("2027-12-28", "de", Block(BlockKind.SCHOOL, "Weihnachtsferien"), id="Ferien"),
        pytest.param("2027-03-10", "en", None, id="Eid only when asked for"),
        pytest.param("2027-09-08", "de", Block(BlockKind.BUSY), id="busy"),
    ],
)
def test_blocked_days(day: str, lang: str, block: Block | None) -> None:
    """Each blocked day carries its reason and the holiday's name in the reader's language."""
    blocked = blocked_days(
        date(2027, 1, 1), date(2027, 12, 31), busy_days={date(2027, 9, 8)}, lang=lang
    )
    assert blocked.get(date.fromisoformat(day)) == block


@pytest.mark.parametrize(
    ("year", "known"),
    [
        pytest.param(2026, True, id="2026"),
        pytest.param(2029, True, id="2029"),
        pytest.param(2031, False, id="2031 not yet published"),
    ],
)
def test_school_holidays_known(year: int, known: bool) -> None:
    """The library's NRW school holiday data covers the years ahead, not all of them."""
    assert school_holidays_known(year) is known

"""Reading dates, times, durations, weekdays and time windows as people type them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.candidates import MAX_OPTIONS, Candidate, parse_candidates
from domain.dates import (
    TimeWindow,
    parse_deadline,
    parse_duration,
    parse_moment,
    parse_time_window,
    parse_weekdays,
)
from domain.errors import GremiumError

BERLIN = ZoneInfo("Europe/Berlin")
#: Monday 1 March 2027, 10:00 in Herne.
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
#: Saturday 27 March 2027, 11:00 in Herne; the clocks go forward the next night.
BEFORE_SPRING = datetime(2027, 3, 27, 10, 0, tzinfo=UTC)
#: Saturday 30 October 2027, 12:00 in Herne; the clocks go back the next night.
BEFORE_AUTUMN = datetime(2027, 10, 30, 10, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def message(error: pytest.ExceptionInfo[GremiumError]) -> str:
    return error.value.text.english()


@pytest.mark.parametrize(
    ("text", "lang", "start", "end"),
    [
        pytest.param("12.03.2027 17:00", "de", utc(2027, 3, 12, 16), None, id="full date"),
        pytest.param("12.03. 17:00", "de", utc(2027, 3, 12, 16), None, id="year omitted"),
        pytest.param("12.3.27 17 Uhr", "de", utc(2027, 3, 12, 16), None, id="short year, Uhr"),
        pytest.param("12.03. 17.30 Uhr", "de", utc(2027, 3, 12, 16, 30), None, id="dot time"),
        pytest.param("12.03. um 17 Uhr", "de", utc(2027, 3, 12, 16), None, id="um"),
        pytest.param("2027-03-12 17:00", "de", utc(2027, 3, 12, 16), None, id="iso"),
        pytest.param("12. März 2027 17:00", "de", utc(2027, 3, 12, 16), None, id="German month"),
        pytest.param(
            "12 Maerz 17:00", "de", utc(2027, 3, 12, 16), None, id="month without umlaut"
        ),
        pytest.param("Di, 16.03. 17 Uhr", "de", utc(2027, 3, 16, 16), None, id="weekday"),
        pytest.param("March 12 2027 5pm", "en", utc(2027, 3, 12, 16), None, id="English"),
        pytest.param("12 March 2027 17:00", "en", utc(2027, 3, 12, 16), None, id="day month"),
        pytest.param("Mar 12th 5:30 pm", "en", utc(2027, 3, 12, 16, 30), None, id="ordinal"),
        pytest.param(
            "12.03. 17:00-19:00", "de", utc(2027, 3, 12, 16), utc(2027, 3, 12, 18), id="range"
        ),
        pytest.param(
            "12.03. 17:00–19:00", "de", utc(2027, 3, 12, 16), utc(2027, 3, 12, 18), id="en dash"
        ),
        pytest.param(
            "12.03. 17-19 Uhr", "de", utc(2027, 3, 12, 16), utc(2027, 3, 12, 18), id="hour range"
        ),
        pytest.param(
            "Tuesday, March 16, 2027 5-7pm",
            "en",
            utc(2027, 3, 16, 16),
            utc(2027, 3, 16, 18),
            id="English range with commas",
        ),
        pytest.param(
            "12.03. 11-1pm", "en", utc(2027, 3, 12, 10), utc(2027, 3, 12, 12), id="am to pm"
        ),
        pytest.param("26.03.2027 17:00", "de", utc(2027, 3, 26, 16), None, id="before DST"),
        pytest.param("29.03.2027 17:00", "de", utc(2027, 3, 29, 15), None, id="after DST"),
        pytest.param("28.03.2027 01:30", "de", utc(2027, 3, 28, 0, 30), None, id="before gap"),
        pytest.param("28.03.2027 03:00", "de", utc(2027, 3, 28, 1), None, id="after gap"),
        pytest.param("31.10.2027 02:30", "de", utc(2027, 10, 31, 0, 30), None, id="ambiguous"),
        pytest.param("01.11.2027 17:00", "de", utc(2027, 11, 1, 16), None, id="after autumn"),
        pytest.param("15.02. 17:00", "de", utc(2028, 2, 15, 16), None, id="passed: next year"),
        pytest.param("01.03. 09:00", "de", utc(2028, 3, 1, 8), None, id="earlier today"),
        pytest.param("01.03. 18:00", "de", utc(2027, 3, 1, 17), None, id="later today"),
        pytest.param("29.02. 10:00", "de", utc(2028, 2, 29, 9), None, id="next leap day"),
    ],
)
def test_candidate_formats(text: str, lang: str, start: datetime, end: datetime | None) -> None:
    """Each accepted way of writing a timed option gives its UTC start and end."""
    [option] = parse_candidates(text, tz=BERLIN, now=NOW, lang=lang)
    assert (option.start, option.end, option.all_day) == (start, end, False)
    assert isinstance(option.start, datetime) and option.start.tzinfo is UTC
    assert option.begins == start


@pytest.mark.parametrize(
    ("text", "lang", "day"),
    [
        pytest.param("12.03.2027", "de", date(2027, 3, 12), id="full date"),
        pytest.param("12.03.", "de", date(2027, 3, 12), id="year omitted"),
        pytest.param("01.03.", "de", date(2027, 3, 1), id="today is not past"),
        pytest.param("28.02.", "de", date(2028, 2, 28), id="yesterday: next year"),
        pytest.param("March 12", "en", date(2027, 3, 12), id="English"),
        pytest.param("Fr 12.03.2027", "de", date(2027, 3, 12), id="matching weekday"),
    ],
)
def test_all_day_candidates(text: str, lang: str, day: date) -> None:
    """A date without a time is an all-day option spanning the local day."""
    [option] = parse_candidates(text, tz=BERLIN, now=NOW, lang=lang)
    assert (option.start, option.end, option.all_day) == (day, None, True)
    assert option.begins == datetime.combine(day, time(0), BERLIN).astimezone(UTC)
    assert option.ends == datetime.combine(day + timedelta(days=1), time(0), BERLIN)


@pytest.mark.parametrize(
    ("text", "lang", "starts"),
    [
        pytest.param(
            "14.03. 17:00\n12.03. 17:00",
            "de",
            [utc(2027, 3, 12, 16), utc(2027, 3, 14, 16)],
            id="lines, sorted",
        ),
        pytest.param(
            "14.03. 17:00, 12.03. 17:00; 13.03. 17:00",
            "de",
            [utc(2027, 3, 12, 16), utc(2027, 3, 13, 16), utc(2027, 3, 14, 16)],
            id="commas and semicolons",
        ),
        pytest.param(
            "March 14, 2027 5pm, March 12, 2027 5pm",
            "en",
            [utc(2027, 3, 12, 16), utc(2027, 3, 14, 16)],
            id="commas inside English dates",
        ),
        pytest.param(
            "\n12.03. 17:00\n\n   \n13.03. 17:00\n",
            "de",
            [utc(2027, 3, 12, 16), utc(2027, 3, 13, 16)],
            id="blank lines",
        ),
        pytest.param(
            "13.03. 09:00\n13.03.\n12.03. 17:00",
            "de",
            [utc(2027, 3, 12, 16), date(2027, 3, 13), utc(2027, 3, 13, 8)],
            id="all-day sorts at local midnight",
        ),
    ],
)
def test_several_candidates(text: str, lang: str, starts: list[datetime | date]) -> None:
    """Options come one per line or comma-separated and are returned in time order."""
    options = parse_candidates(text, tz=BERLIN, now=NOW, lang=lang)
    assert [option.start for option in options] == starts


def test_twelve_options_are_allowed() -> None:
    """Exactly MAX_OPTIONS options are accepted."""
    text = "\n".join(f"{day:02d}.04.2027 17:00" for day in range(1, MAX_OPTIONS + 1))
    assert len(parse_candidates(text, tz=BERLIN, now=NOW)) == MAX_OPTIONS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("gibberish", 'Line 1: I could not read "gibberish"', id="unreadable"),
        pytest.param("12.03. 17:00\nfoo", 'Line 2: I could not read "foo"', id="names the line"),
        pytest.param("12.03. 17", "Line 1: I could not read", id="bare number is no time"),
        pytest.param("12.03. 25:00", "Line 1: I could not read", id="no such hour"),
        pytest.param("01.02.2027 10:00", 'Line 1: "01.02.2027 10:00" is in the past', id="past"),
        pytest.param("01.03.2027 09:00", "is in the past", id="earlier today"),
        pytest.param("28.02.2027", "is in the past", id="past day"),
        pytest.param(
            "12.03. 17:00\n\n12.03. 17:00-18:00",
            'Line 3: "12.03. 17:00-18:00" is the same date as line 1',
            id="duplicate",
        ),
        pytest.param(
            "12.03. 19:00-17:00", "Line 1: the end 17:00 is not after the start 19:00", id="order"
        ),
        pytest.param("12.03. 17:00-17:00", "the end 17:00 is not after", id="empty range"),
        pytest.param(
            "28.03.2027 02:30",
            "Line 1: 02:30 does not exist on 28.03.2027: the clocks jump forward",
            id="DST gap",
        ),
        pytest.param("31.02.2027", 'Line 1: "31.02.2027" is not a date', id="31 February"),
        pytest.param("Do 12.03.2027", "12.03.2027 is a Freitag, not a Donnerstag", id="weekday"),
        pytest.param("", "Please send at least one date", id="empty"),
        pytest.param(
            "\n".join(f"{day:02d}.04.2027 17:00" for day in range(1, MAX_OPTIONS + 2)),
            "Line 13: a poll can have at most 12 dates",
            id="too many",
        ),
    ],
)
def test_candidate_errors(text: str, expected: str) -> None:
    """Problems are reported with the line they are on and what would work."""
    with pytest.raises(GremiumError) as error:
        parse_candidates(text, tz=BERLIN, now=NOW, lang="de")
    assert expected in message(error)


def test_unreadable_candidate_shows_an_example() -> None:
    """The error for an unreadable line shows an accepted format that is in the future."""
    with pytest.raises(GremiumError) as error:
        parse_candidates("bald", tz=BERLIN, now=NOW)
    assert error.value.text.params["example"] == "08.03.2027 17:00"


@pytest.mark.parametrize(
    ("options", "ordered"),
    [
        pytest.param(
            [Candidate.whole_day(date(2027, 3, 13)), Candidate.timed(utc(2027, 3, 12, 16))],
            [1, 0],
            id="timed before next day",
        ),
        pytest.param(
            [
                Candidate.timed(utc(2027, 3, 12, 16), utc(2027, 3, 12, 18)),
                Candidate.timed(utc(2027, 3, 12, 16)),
            ],
            [1, 0],
            id="same start: shorter first",
        ),
    ],
)
def test_candidates_sort_by_time(options: list[Candidate], ordered: list[int]) -> None:
    """Candidates of both kinds sort by the instant they begin."""
    assert sorted(options) == [options[i] for i in ordered]


@pytest.mark.parametrize(
    ("text", "lang", "now", "expected"),
    [
        pytest.param("morgen 9:00", "de", BEFORE_SPRING, utc(2027, 3, 28, 7), id="into CEST"),
        pytest.param("morgen 9:00", "de", BEFORE_AUTUMN, utc(2027, 10, 31, 8), id="into CET"),
        pytest.param("morgen 2:30", "de", BEFORE_AUTUMN, utc(2027, 10, 31, 0, 30), id="twice"),
        pytest.param(
            "übermorgen 18 Uhr", "de", BEFORE_SPRING, utc(2027, 3, 29, 16), id="übermorgen"
        ),
        pytest.param("heute 17:30", "de", BEFORE_SPRING, utc(2027, 3, 27, 16, 30), id="heute"),
        pytest.param("Heute, 17:30 Uhr", "de", BEFORE_SPRING, utc(2027, 3, 27, 16, 30), id="case"),
        pytest.param("tomorrow 9am", "en", BEFORE_SPRING, utc(2027, 3, 28, 7), id="tomorrow"),
        pytest.param("today 5:30pm", "en", BEFORE_SPRING, utc(2027, 3, 27, 16, 30), id="today"),
        pytest.param("yarın 9:00", "tr", BEFORE_SPRING, utc(2027, 3, 28, 7), id="Turkish"),
        pytest.param("завтра 9:00", "ru", BEFORE_SPRING, utc(2027, 3, 28, 7), id="Russian"),
        pytest.param("24.12. 09:00", "de", BEFORE_SPRING, utc(2027, 12, 24, 8), id="date"),
        pytest.param("2027-12-24 09:00", "de", BEFORE_SPRING, utc(2027, 12, 24, 8), id="iso"),
        pytest.param("Montag 9:00", "de", BEFORE_SPRING, utc(2027, 3, 29, 7), id="weekday"),
        pytest.param("Samstag 9:00", "de", BEFORE_SPRING, utc(2027, 4, 3, 7), id="weekday passed"),
        pytest.param("18:00", "de", BEFORE_SPRING, utc(2027, 3, 27, 17), id="time: today"),
        pytest.param("10:00", "de", BEFORE_SPRING, utc(2027, 3, 28, 8), id="time: tomorrow"),
    ],
)
def test_moment_formats(text: str, lang: str, now: datetime, expected: datetime) -> None:
    """A "send at" moment is read in the group's zone and returned in UTC, across DST."""
    assert parse_moment(text, tz=BERLIN, now=now, lang=lang) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("heute 8:00", '"heute 8:00" is in the past', id="earlier today"),
        pytest.param("2026-12-24 09:00", "is in the past", id="past date"),
        pytest.param("24.12.", 'Please add a time to "24.12."', id="no time"),
        pytest.param("irgendwann", 'I could not read "irgendwann"', id="unreadable"),
        pytest.param("morgen 17-19 Uhr", "I could not read", id="range"),
        pytest.param("morgen 2:30", "02:30 does not exist on 28.03.2027", id="DST gap"),
    ],
)
def test_moment_errors(text: str, expected: str) -> None:
    """A moment in the past, without a time or in the DST gap is refused with a reason."""
    with pytest.raises(GremiumError) as error:
        parse_moment(text, tz=BERLIN, now=BEFORE_SPRING, lang="de")
    assert expected in message(error)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        pytest.param("10 Tage", "de", timedelta(days=10), id="Tage"),
        pytest.param("in 10 Tagen", "de", timedelta(days=10), id="in Tagen"),
        pytest.param("1 Tag", "de", timedelta(days=1), id="Tag"),
        pytest.param("10 days", "en", timedelta(days=10), id="days"),
        pytest.param("3d", "de", timedelta(days=3), id="d"),
        pytest.param("48h", "de", timedelta(hours=48), id="h"),
        pytest.param("48 Std.", "de", timedelta(hours=48), id="Std."),
        pytest.param("2 Wochen", "de", timedelta(weeks=2), id="Wochen"),
        pytest.param("1 week", "en", timedelta(weeks=1), id="week"),
        pytest.param("90 min", "en", timedelta(minutes=90), id="minutes"),
        pytest.param("1 Tag und 12 Stunden", "de", timedelta(hours=36), id="combined"),
        pytest.param("5 gün", "tr", timedelta(days=5), id="Turkish"),
        pytest.param("3 дня", "ru", timedelta(days=3), id="Russian"),
        pytest.param("2 тижні", "uk", timedelta(weeks=2), id="Ukrainian"),
    ],
)
def test_durations(text: str, lang: str, expected: timedelta) -> None:
    """Durations are read with units in the supported languages."""
    assert parse_duration(text, lang=lang) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("zehn Tage", 'I could not read "zehn Tage" as a length', id="words"),
        pytest.param("10 Äpfel", "as a length of time", id="unknown unit"),
        pytest.param("10", "as a length of time", id="no unit"),
        pytest.param("0 Tage", "must be longer than zero", id="zero"),
    ],
)
def test_duration_errors(text: str, expected: str) -> None:
    """Unreadable or empty durations are refused."""
    with pytest.raises(GremiumError) as error:
        parse_duration(text, lang="de")
    assert expected in message(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2 Tage", utc(2027, 3, 29, 9), id="days keep the local time across DST"),
        pytest.param("3h", utc(2027, 3, 27, 13), id="hours on the clock"),
        pytest.param("24.12.", utc(2027, 12, 24, 22, 59), id="date: end of that day"),
        pytest.param("24.12. 18:00", utc(2027, 12, 24, 17), id="date and time"),
        pytest.param("morgen", utc(2027, 3, 28, 21, 59), id="tomorrow, end of day"),
    ],
)
def test_deadlines(text: str, expected: datetime) -> None:
    """A deadline is a duration from now or a date, read in the group's zone."""
    assert parse_deadline(text, tz=BERLIN, now=BEFORE_SPRING, lang="de") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("01.01.2027", "is in the past", id="past"),
        pytest.param("bald", 'I could not read "bald"', id="unreadable"),
        pytest.param("0h", "must be longer than zero", id="zero"),
    ],
)
def test_deadline_errors(text: str, expected: str) -> None:
    """Deadlines in the past or unreadable are refused."""
    with pytest.raises(GremiumError) as error:
        parse_deadline(text, tz=BERLIN, now=BEFORE_SPRING, lang="de")
    assert expected in message(error)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        pytest.param("Di, Do", "de", (1, 3), id="German abbreviations"),
        pytest.param("Di., Do.", "de", (1, 3), id="with dots"),
        pytest.param("dienstags und donnerstags", "de", (1, 3), id="adverbs"),
        pytest.param("Mo-Fr", "de", (0, 1, 2, 3, 4), id="range"),
        pytest.param("Mo bis Mi", "de", (0, 1, 2), id="range in words"),
        pytest.param("Fr-Mo", "de", (0, 4, 5, 6), id="range over the weekend"),
        pytest.param("Tuesday and Thursday", "en", (1, 3), id="English"),
        pytest.param("tue/thu", "en", (1, 3), id="English abbreviations"),
        pytest.param("Sa", "de", (5,), id="Sa is Samstag in German"),
        pytest.param("Sa", "tr", (1,), id="Sa is Salı in Turkish"),
        pytest.param("salı, perşembe", "tr", (1, 3), id="Turkish"),
        pytest.param("sali, persembe", "tr", (1, 3), id="Turkish without diacritics"),
        pytest.param("вт, чт", "ru", (1, 3), id="Russian"),
        pytest.param("вівторок, четвер", "uk", (1, 3), id="Ukrainian"),
        pytest.param("п'ятниця", "uk", (4,), id="Ukrainian apostrophe"),
        pytest.param("الثلاثاء والخميس", "ar", (1, 3), id="Arabic"),
        pytest.param("Dienstag", "en", (1,), id="German while writing English"),
    ],
)
def test_weekdays(text: str, lang: str, expected: tuple[int, ...]) -> None:
    """Weekday names, abbreviations and ranges are read in every supported language."""
    assert parse_weekdays(text, lang=lang) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Di, Xy", 'I do not know the weekday "xy"', id="unknown"),
        pytest.param("", "Please name at least one weekday", id="empty"),
        pytest.param("und", "Please name at least one weekday", id="only a joiner"),
    ],
)
def test_weekday_errors(text: str, expected: str) -> None:
    """Unknown weekday names and empty lists are refused."""
    with pytest.raises(GremiumError) as error:
        parse_weekdays(text, lang="de")
    assert expected in message(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("16:00-19:00", TimeWindow(time(16), time(19)), id="colon"),
        pytest.param("16:00–19:00", TimeWindow(time(16), time(19)), id="en dash"),
        pytest.param("16-19 Uhr", TimeWindow(time(16), time(19)), id="Uhr"),
        pytest.param("16-19", TimeWindow(time(16), time(19)), id="bare hours"),
        pytest.param("4-7pm", TimeWindow(time(16), time(19)), id="pm"),
        pytest.param("9:30 bis 12", TimeWindow(time(9, 30), time(12)), id="bis"),
    ],
)
def test_time_windows(text: str, expected: TimeWindow) -> None:
    """A time window is read as start and end on the same day."""
    assert parse_time_window(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("19:00-19:00", "is empty", id="empty"),
        pytest.param("22:00-01:00", "crosses midnight", id="midnight"),
        pytest.param("abends", 'I could not read "abends" as a time window', id="unreadable"),
        pytest.param("16:00", "as a time window", id="no end"),
    ],
)
def test_time_window_errors(text: str, expected: str) -> None:
    """Empty windows and windows crossing midnight are refused."""
    with pytest.raises(GremiumError) as error:
        parse_time_window(text)
    assert expected in message(error)


def test_time_window_length() -> None:
    """A window knows how long it is."""
    assert TimeWindow(time(16), time(19, 30)).length == timedelta(hours=3, minutes=30)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: parse_moment("morgen 9:00", now=datetime(2027, 3, 1)), id="moment"),
        pytest.param(lambda: parse_candidates("12.03.", now=datetime(2027, 3, 1)), id="options"),
    ],
)
def test_naive_now_is_a_bug(call: Any) -> None:
    """A naive ``now`` is a programming error, not a user error."""
    with pytest.raises(ValueError, match="aware"):
        call()

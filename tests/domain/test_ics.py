"""Calendar files for meetings, read back with icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Component

from domain.ics import meeting_ics, transitions

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def build(**overrides: Any) -> Calendar:
    arguments: dict[str, Any] = {
        "uid": "meeting-42@gremium",
        "start": utc(2027, 3, 29, 15),
        "end": utc(2027, 3, 29, 17),
        "summary": "AG Sprache",
        "now": NOW,
        "location": "Rathaus Herne, Raum 2",
        "description": "Tagesordnung:\n1. Begrüßung",
        "organizer_name": "Integrationskonferenz Herne",
    }
    return Calendar.from_ical(meeting_ics(**{**arguments, **overrides}))


def event(calendar: Calendar) -> Component:
    [found] = calendar.walk("VEVENT")
    return found


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        pytest.param("UID", "meeting-42@gremium", id="uid"),
        pytest.param("SUMMARY", "AG Sprache", id="summary"),
        pytest.param("LOCATION", "Rathaus Herne, Raum 2", id="location with a comma"),
        pytest.param("DESCRIPTION", "Tagesordnung:\n1. Begrüßung", id="multi-line description"),
        pytest.param("STATUS", "CONFIRMED", id="status"),
        pytest.param("SEQUENCE", 0, id="sequence"),
    ],
)
def test_event_fields(field: str, expected: object) -> None:
    """The meeting's fields survive a round trip through icalendar."""
    assert event(build()).decoded(field) in (expected, str(expected).encode())


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(utc(2027, 3, 26, 16), utc(2027, 3, 26, 18), id="before spring change"),
        pytest.param(utc(2027, 3, 29, 15), utc(2027, 3, 29, 17), id="after spring change"),
        pytest.param(utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 2), id="across autumn change"),
        pytest.param(utc(2027, 12, 31, 17), utc(2028, 1, 1, 1), id="across the new year"),
    ],
)
def test_times_are_local_with_tzid(start: datetime, end: datetime) -> None:
    """Start and end are written as Berlin wall time and read back as the same instants."""
    calendar = build(start=start, end=end)
    found = event(calendar)
    assert found["DTSTART"].params["TZID"] == "Europe/Berlin"
    # Compare in UTC: an ambiguous local time never equals an instant in another zone (PEP 495).
    assert found.decoded("DTSTART").astimezone(UTC) == start
    assert found.decoded("DTEND").astimezone(UTC) == end
    assert found.decoded("DTSTAMP") == NOW


@pytest.mark.parametrize(
    ("zone", "year", "expected"),
    [
        pytest.param(
            "Europe/Berlin", 2027, [utc(2027, 3, 28, 1), utc(2027, 10, 31, 1)], id="Berlin"
        ),
        pytest.param("Europe/Istanbul", 2027, [], id="Istanbul: no DST"),
        pytest.param(
            "America/New_York", 2027, [utc(2027, 3, 14, 7), utc(2027, 11, 7, 6)], id="New York"
        ),
    ],
)
def test_vtimezone_transitions(zone: str, year: int, expected: list[datetime]) -> None:
    """Each VTIMEZONE onset, read with its TZOFFSETFROM, is the zone's real transition."""
    tz = ZoneInfo(zone)
    calendar = build(start=utc(year, 6, 1, 15), end=utc(year, 6, 1, 17), tz=tz)
    [vtimezone] = calendar.walk("VTIMEZONE")
    assert vtimezone["TZID"] == zone
    onsets = []
    for part in vtimezone.subcomponents:
        offset_from = part["TZOFFSETFROM"].td
        offset_to = part["TZOFFSETTO"].td
        if offset_from != offset_to:
            onsets.append((part.decoded("DTSTART") - offset_from).replace(tzinfo=UTC))
            assert part.name == ("DAYLIGHT" if offset_to > offset_from else "STANDARD")
    assert sorted(onsets) == expected == list(transitions(tz, year, year))


def test_vtimezone_initial_offset() -> None:
    """The first observance starts at local midnight on 1 January with the winter offset."""
    [vtimezone] = build().walk("VTIMEZONE")
    first = vtimezone.subcomponents[0]
    assert first.name == "STANDARD"
    assert first.decoded("DTSTART") == datetime(2027, 1, 1)
    assert first["TZOFFSETTO"].td == timedelta(hours=1)


def test_cancel() -> None:
    """A cancellation has METHOD:CANCEL, STATUS:CANCELLED, the same UID and a higher SEQUENCE."""
    calendar = build(method="CANCEL", sequence=3)
    found = event(calendar)
    assert calendar["METHOD"] == "CANCEL"
    assert found["STATUS"] == "CANCELLED"
    assert (found["UID"], found.decoded("SEQUENCE")) == ("meeting-42@gremium", 3)


def test_publish_header() -> None:
    """A published meeting names its method, version and producer."""
    calendar = build()
    assert (calendar["METHOD"], calendar["VERSION"]) == ("PUBLISH", "2.0")
    assert "Gremium" in calendar["PRODID"]


def test_organizer() -> None:
    """The organizer carries its display name."""
    organizer = event(build())["ORGANIZER"]
    assert organizer.params["CN"] == "Integrationskonferenz Herne"
    assert str(organizer).startswith("mailto:")


def test_no_organizer_without_name() -> None:
    """Without an organizer name no ORGANIZER is written."""
    assert "ORGANIZER" not in event(build(organizer_name=None))


@pytest.mark.parametrize(
    ("start", "end", "dtend"),
    [
        pytest.param(date(2027, 5, 1), None, date(2027, 5, 2), id="one day"),
        pytest.param(date(2027, 5, 1), date(2027, 5, 3), date(2027, 5, 4), id="three days"),
    ],
)
def test_all_day(start: date, end: date | None, dtend: date) -> None:
    """An all-day meeting has DATE values, an exclusive end and no VTIMEZONE."""
    calendar = build(start=start, end=end)
    found = event(calendar)
    assert found.decoded("DTSTART") == start and found.decoded("DTEND") == dtend
    assert found["DTSTART"].params.get("VALUE") == "DATE"
    assert calendar.walk("VTIMEZONE") == []


def test_utc_zone_needs_no_vtimezone() -> None:
    """Meetings in UTC are written with Z times and no VTIMEZONE."""
    calendar = build(tz=ZoneInfo("UTC"))
    assert calendar.walk("VTIMEZONE") == []
    assert event(calendar).decoded("DTSTART") == utc(2027, 3, 29, 15)


def test_same_meeting_same_bytes() -> None:
    """The same meeting and clock give the same file, so the UID stays stable."""
    assert meeting_ics(uid="m", start=utc(2027, 5, 3, 16), end=None, summary="S", now=NOW) == (
        meeting_ics(uid="m", start=utc(2027, 5, 3, 16), end=None, summary="S", now=NOW)
    )


def test_end_before_start_is_a_bug() -> None:
    """A meeting that ends before it starts is a programming error."""
    with pytest.raises(ValueError, match="end after"):
        meeting_ics(uid="m", start=utc(2027, 5, 3, 16), end=utc(2027, 5, 3, 15), summary="S",
                    now=NOW)  # fmt: skip

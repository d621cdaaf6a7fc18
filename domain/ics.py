"""Calendar files (iCalendar, RFC 5545) for meetings, built with ``icalendar``.

Timed meetings carry local times with a ``TZID`` and a ``VTIMEZONE`` that lists the zone's real
transitions for the years concerned. The ``VTIMEZONE`` is built here rather than with
``icalendar.Timezone.from_tzinfo``: as of icalendar 7.3 that one writes the spring transition's
``DTSTART`` as the wall time after the jump (03:00) where RFC 5545 wants the local time before
it (02:00, read with ``TZOFFSETFROM``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

from domain.localtime import BERLIN, require_aware

PRODID = "-//Gremium//Gremium meetings//EN"
Method = Literal["PUBLISH", "CANCEL"]


def _offset(moment: datetime, tz: ZoneInfo) -> tuple[timedelta, timedelta, str]:
    local = moment.astimezone(tz)
    return local.utcoffset() or timedelta(), local.dst() or timedelta(), local.tzname() or ""


@cache
def transitions(tz: ZoneInfo, first_year: int, last_year: int) -> tuple[datetime, ...]:
    """The UTC instants at which ``tz`` changes its offset or name in (about) those years."""
    found: list[datetime] = []
    moment = datetime(first_year, 1, 1, tzinfo=UTC) - timedelta(days=1)
    stop = datetime(last_year + 1, 1, 2, tzinfo=UTC)
    while moment < stop:
        following = moment + timedelta(days=1)
        if _offset(moment, tz) != _offset(following, tz):
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (
                    (middle, high) if _offset(middle, tz) == _offset(low, tz) else (low, middle)
                )
            found.append(high.replace(microsecond=0))
        moment = following
    return tuple(found)


def _observance(
    start: datetime, before: datetime, tz: ZoneInfo
) -> TimezoneStandard | TimezoneDaylight:
    """One STANDARD or DAYLIGHT part, beginning at the UTC instant ``start``."""
    offset_from, _, _ = _offset(before, tz)
    offset_to, dst, name = _offset(start, tz)
    part = TimezoneDaylight() if dst else TimezoneStandard()
    # DTSTART is the local time of the onset as read with TZOFFSETFROM (RFC 5545, 3.6.5).
    part.add("DTSTART", (start + offset_from).replace(tzinfo=None))
    part.add("TZOFFSETFROM", offset_from)
    part.add("TZOFFSETTO", offset_to)
    part.add("TZNAME", name)
    return part


def vtimezone(tz: ZoneInfo, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for ``tz`` valid from 1 January ``first_year`` to the end of ``last_year``."""
    zone = Timezone()
    zone.add("TZID", tz.key)
    begin = datetime(first_year, 1, 1, tzinfo=tz).astimezone(UTC)  # local midnight
    zone.add_component(_observance(begin, begin, tz))
    for instant in transitions(tz, first_year, last_year):
        if instant > begin:
            zone.add_component(_observance(instant, instant - timedelta(seconds=1), tz))
    return zone


def _calendar(method: Method) -> Calendar:
    """An empty calendar with Gremium's header and ``method``."""
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    return calendar


def _event(*, uid: str, now: datetime, sequence: int, summary: str, method: Method) -> Event:
    """The meeting's event with what every version has: identity, stamp, summary, status."""
    event = Event()
    event.add("UID", uid)
    event.add("DTSTAMP", require_aware(now, "now").astimezone(UTC))
    event.add("SEQUENCE", sequence)
    event.add("SUMMARY", summary)
    event.add("STATUS", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("TRANSP", "OPAQUE")
    return event


def _add_details(
    event: Event,
    *,
    location: str | None,
    description: str | None,
    url: str | None,
    organizer_name: str | None,
    organizer_email: str,
) -> None:
    """Add the optional place, description, online link and organiser to ``event``."""
    if location:
        event.add("LOCATION", location)
    if description:
        event.add("DESCRIPTION", description)
    if url:
        event.add("URL", url)
    if organizer_name:
        organizer = vCalAddress(f"mailto:{organizer_email}")
        organizer.params["CN"] = organizer_name
        event.add("ORGANIZER", organizer)


def _add_times(
    calendar: Calendar,
    event: Event,
    *,
    start: datetime | date,
    end: datetime | date | None,
    tz: ZoneInfo,
) -> None:
    """Add start and end to ``event`` (timed in ``tz`` with its VTIMEZONE, or all-day)."""
    if isinstance(start, datetime):
        finish = end if isinstance(end, datetime) else start + timedelta(hours=1)
        local_start = require_aware(start, "start").astimezone(tz)
        local_end = require_aware(finish, "end").astimezone(tz)
        if finish <= start:
            raise ValueError("a meeting must end after it starts")
        event.add("DTSTART", local_start)
        event.add("DTEND", local_end)
        if tz.key != "UTC":
            calendar.add_component(vtimezone(tz, local_start.year, local_end.year))
    else:
        last = end if isinstance(end, date) and not isinstance(end, datetime) else start
        if last < start:
            raise ValueError("a meeting must end after it starts")
        event.add("DTSTART", start)
        event.add("DTEND", last + timedelta(days=1))


def meeting_ics(
    *,
    uid: str,
    start: datetime | date,
    end: datetime | date | None,
    summary: str,
    now: datetime,
    tz: ZoneInfo = BERLIN,
    location: str | None = None,
    description: str | None = None,
    sequence: int = 0,
    method: Method = "PUBLISH",
    organizer_name: str | None = None,
    organizer_email: str = "noreply@gremium.invalid",
    url: str | None = None,
) -> bytes:
    """An .ics file for one meeting (``method="CANCEL"``: its cancellation).

    Pass the same ``uid`` for every version of a meeting and raise ``sequence`` with each
    change, so calendars update the entry instead of adding one. ``start`` as a date makes an
    all-day event; ``end`` is then the last day (inclusive), as people say it. ``url``: the
    link for joining online (an online or hybrid meeting).
    """
    calendar = _calendar(method)
    event = _event(uid=uid, now=now, sequence=sequence, summary=summary, method=method)
    _add_details(
        event, location=location, description=description, url=url,
        organizer_name=organizer_name, organizer_email=organizer_email,
    )  # fmt: skip
    _add_times(calendar, event, start=start, end=end, tz=tz)
    calendar.add_component(event)
    return bytes(calendar.to_ical())

"""Reading the dates and times people type: poll options, "send at", deadlines, weekdays.

The formats understood are listed in :mod:`domain.grammar`. Every function takes ``now``
(aware); results are UTC instants, local times are read in the group's zone ``tz``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain import lexicon
from domain.errors import GremiumError
from domain.grammar import Problem, clean, place, read, read_duration, read_times
from domain.i18n import N_, lazy_plural
from domain.localtime import (
    BERLIN,
    add_local_days,
    local_now,
    midnight,
    require_aware,
    show_date,
    show_weekday,
    to_utc,
    to_utc_forward,
)
from domain.reminders import MEETING_OFFSETS_DAYS

MAX_OPTIONS = 12


@dataclass(frozen=True, order=True)
class Candidate:
    """One date-poll option; options sort by when they begin (all-day: at local midnight).

    ``begins``/``ends`` are UTC instants (for an all-day option the local midnights around the
    day); ``start`` is the UTC start, or the date of an all-day option; ``end`` is optional.
    """

    begins: datetime
    ends: datetime
    all_day: bool
    start: datetime | date = field(compare=False)
    end: datetime | None = field(compare=False, default=None)

    @classmethod
    def timed(cls, start: datetime, end: datetime | None = None) -> Candidate:
        """An option from ``start`` (to ``end``), both aware; stored in UTC."""
        start = require_aware(start, "start").astimezone(UTC)
        end = require_aware(end, "end").astimezone(UTC) if end is not None else None
        return cls(start, end or start, False, start, end)

    @classmethod
    def whole_day(cls, day: date, tz: ZoneInfo = BERLIN) -> Candidate:
        """An all-day option on ``day`` in ``tz``."""
        return cls(midnight(day, tz), midnight(day + timedelta(days=1), tz), True, day)


@dataclass(frozen=True)
class TimeWindow:
    """A part of a day, such as 16:00-19:00; it never crosses midnight."""

    start: time
    end: time

    @property
    def length(self) -> timedelta:
        """How long the window is."""
        day = date(2000, 1, 1)
        return datetime.combine(day, self.end) - datetime.combine(day, self.start)


def _example(now: datetime, tz: ZoneInfo) -> str:
    day = local_now(now, tz).date() + timedelta(days=7)
    return f"{day:%d.%m.%Y} 17:00"


_LINE_MESSAGES = {
    "unreadable": N_('Line {line}: I could not read "{text}" as a date. Write it like {example}.'),
    "invalid": N_('Line {line}: "{text}" is not a date in the calendar.'),
    "weekday": N_("Line {line}: {date} is a {actual}, not a {written}."),
    "past": N_('Line {line}: "{text}" is in the past.'),
    "gap": N_(
        "Line {line}: {time} does not exist on {date}: the clocks jump forward that night. "
        "Choose another time."
    ),
    "order": N_("Line {line}: the end {end} is not after the start {start}."),
}
_MOMENT_EXAMPLES = {"de": "morgen 9:00", "en": "tomorrow 9am"}
_MOMENT_MESSAGES = {
    "unreadable": N_('I could not read "{text}" as a date or time. Write it like {example}.'),
    "invalid": N_('"{text}" is not a date in the calendar.'),
    "weekday": N_("{date} is a {actual}, not a {written}."),
    "past": N_('"{text}" is in the past. Choose a later time.'),
    "gap": N_(
        "{time} does not exist on {date}: the clocks jump forward that night. Choose another time."
    ),
    "order": N_("The end {end} is not after the start {start}."),
}


def _entries(text: str, lang: str) -> list[tuple[int, str]]:
    """(line number, entry) pairs: one per line or comma-separated, commas in dates kept."""
    entries: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        pieces = [p.strip() for p in re.split(r"[;,]", line)]
        i = 0
        while i < len(pieces):
            for k in (3, 2, 1):
                joined = ", ".join(pieces[i : i + k])
                if k == 1 or (i + k <= len(pieces) and read(joined, lang)):
                    break
            if joined:
                entries.append((number, joined))
            i += k
    return entries


def parse_candidates(
    text: str, *, tz: ZoneInfo = BERLIN, now: datetime, lang: str = "de"
) -> list[Candidate]:
    """Read date-poll options, one per line or comma-separated, sorted by time."""
    example = _example(now, tz)
    seen: dict[tuple[datetime, bool], int] = {}
    options: list[Candidate] = []
    problems: list[GremiumError] = []  # every bad line is reported at once
    for line, entry in _entries(text, lang):
        written = read(entry, lang)
        try:
            if written is None:
                raise Problem("unreadable")
            day = place(written, entry, tz=tz, now=now, lang=lang)
        except Problem as bad:
            params = {"text": entry, "example": example, **bad.params}
            problems.append(GremiumError(_LINE_MESSAGES[bad.kind], line=line, **params))
            continue
        if written.start is None:
            option = Candidate.whole_day(day, tz)
        else:
            end = to_utc(day, written.end, tz) if written.end else None
            option = Candidate.timed(to_utc_forward(day, written.start, tz), end)
        if (key := (option.begins, option.all_day)) in seen:
            problems.append(GremiumError(
                'Line {line}: "{text}" is the same date as line {first}.',
                line=line, text=entry, first=seen[key],
            ))  # fmt: skip
            continue
        if len(options) == MAX_OPTIONS:
            problems.append(GremiumError(
                lazy_plural(
                    "Line {line}: a poll can have at most {n} date. Remove some.",
                    "Line {line}: a poll can have at most {n} dates. Remove some.",
                    MAX_OPTIONS, line=line,
                )
            ))  # fmt: skip
            break
        seen[key] = line
        options.append(option)
    if problems:
        raise GremiumError.all_of(problems)
    if not options:
        raise GremiumError(
            "Please send at least one date, one per line, like {example}.", example=example
        )
    return sorted(options)


def _moment(
    text: str, *, tz: ZoneInfo, now: datetime, lang: str, default: time | None, example: str
) -> datetime | None:
    """The instant a single date-and-time means; None if it has no time and no default."""
    written = read(text, lang)
    try:
        if written is None or written.end is not None:
            raise Problem("unreadable")
        if written.start is None and default is None:
            return None
        written = replace(written, start=written.start or default)
        day = place(written, text.strip(), tz=tz, now=now, lang=lang)
    except Problem as bad:
        params = {"text": text.strip(), "example": example, **bad.params}
        raise GremiumError(_MOMENT_MESSAGES[bad.kind], **params) from None
    assert written.start is not None
    return to_utc_forward(day, written.start, tz)


def parse_moment(text: str, *, tz: ZoneInfo = BERLIN, now: datetime, lang: str = "de") -> datetime:
    """Read a future date and time ("24.12. 09:00", "morgen 9:00", "tomorrow 9am"), in UTC."""
    example = _MOMENT_EXAMPLES.get(lang, "24.12. 09:00")
    moment = _moment(text, tz=tz, now=now, lang=lang, default=None, example=example)
    if moment is None:
        raise GremiumError('Please add a time to "{text}", like {text} 9:00.', text=text.strip())
    return moment


def parse_duration(text: str, *, lang: str = "de") -> timedelta:
    """Read a length of time: "10 Tage", "10 days", "3d", "48h", "2 Wochen", "1 Tag 12 Std"."""
    duration = read_duration(text, lang)
    if duration is None:
        raise GremiumError(
            'I could not read "{text}" as a length of time. Write it like {example}.',
            text=text.strip(), example="10 Tage" if lang == "de" else "10 days",
        )  # fmt: skip
    if duration <= timedelta(0):
        raise GremiumError("A length of time must be longer than zero.")
    return duration


def after(now: datetime, duration: timedelta, tz: ZoneInfo = BERLIN) -> datetime:
    """``now`` plus ``duration``: whole days on the local calendar, the rest on the clock."""
    days = timedelta(days=duration.days)
    return add_local_days(now, duration.days, tz) + (duration - days)


#: A poll composed by hand closes this many days after it is composed ...
DEFAULT_POLL_DAYS = 10
#: ... at this local hour: the close, the result and the reminders before it (48 h, 6 h) all
#: fall in the daytime, whatever time of day the poll was written.
DEFAULT_DEADLINE_AT = time(18)


def default_deadline(now: datetime, first: datetime, tz: ZoneInfo = BERLIN) -> datetime:
    """When a poll closes unless its coordinator says otherwise: at 18:00 local time on the
    tenth day from ``now``; but at least 12 hours before the first date ``first`` (else a day
    before it). Raises :class:`GremiumError` if that leaves the members less than an hour."""
    require_aware(now, "now")
    require_aware(first, "first")
    day = local_now(now, tz).date() + timedelta(days=DEFAULT_POLL_DAYS)
    deadline = to_utc_forward(day, DEFAULT_DEADLINE_AT, tz)
    if deadline >= first - timedelta(hours=12):
        deadline = first - timedelta(days=1)
    if deadline <= now + timedelta(hours=1):
        raise GremiumError(
            "The first date is too soon for a poll. Choose dates at least two days ahead."
        )
    return deadline


#: A suggested meeting lies at least this many days after its poll closes, so that the notice
#: comes well ahead and both meeting reminders (7 days and 1 day before) go out after it.
NOTICE_LEAD_DAYS = max(MEETING_OFFSETS_DAYS) + 1
#: A poll whose dates were suggested stays open at least this many days.
MIN_POLL_DAYS = 3


def period_with_room(
    first: date, last: date, *, now: datetime, tz: ZoneInfo = BERLIN, lang: str = "de"
) -> tuple[date, date]:
    """The part of a period in which suggested dates leave room for the poll (at least
    :data:`MIN_POLL_DAYS` days), the meeting notice and both reminders before the meeting.
    Raises :class:`GremiumError` naming the first possible day if nothing of it is left."""
    require_aware(now, "now")
    earliest = local_now(now, tz).date() + timedelta(days=MIN_POLL_DAYS + NOTICE_LEAD_DAYS)
    if last < earliest:
        raise GremiumError(
            "This period is too short: the poll, the meeting notice and the reminders need "
            "time, so the first date can be on {day} at the earliest. Choose a period that "
            "ends later, for example 6 weeks.",
            day=show_date(earliest, lang),
        )
    return max(first, earliest), last


def deadline_with_room(now: datetime, first: datetime, tz: ZoneInfo = BERLIN) -> datetime:
    """The deadline of a poll with suggested dates: as :func:`default_deadline`, but at the
    latest :data:`NOTICE_LEAD_DAYS` days before the day of the first date ``first``."""
    require_aware(now, "now")
    require_aware(first, "first")
    today = local_now(now, tz).date()
    latest = local_now(first, tz).date() - timedelta(days=NOTICE_LEAD_DAYS)
    day = min(today + timedelta(days=DEFAULT_POLL_DAYS), latest)
    return to_utc_forward(day, DEFAULT_DEADLINE_AT, tz)


def parse_deadline(
    text: str,
    *,
    tz: ZoneInfo = BERLIN,
    now: datetime,
    lang: str = "de",
    day_end: time = time(23, 59),
) -> datetime:
    """Read a deadline: a duration from now ("10 Tage", "48h") or a date (its ``day_end``)."""
    if (duration := read_duration(text, lang)) is not None:
        if duration <= timedelta(0):
            raise GremiumError("A length of time must be longer than zero.")
        return after(now, duration, tz)
    example = "10 Tage / 24.12. 18:00" if lang == "de" else "10 days / 24.12. 18:00"
    moment = _moment(text, tz=tz, now=now, lang=lang, default=day_end, example=example)
    assert moment is not None
    return moment


def parse_weekdays(text: str, *, lang: str = "de") -> tuple[int, ...]:
    """Read weekdays such as "Di, Do" or "Mo-Fr" into sorted numbers, Monday = 0."""
    # "،" is the Arabic comma: "الثلاثاء، الخميس".
    pieces = [p for p in re.split(r"[\s,;/&+،]+|(-)", clean(text).replace(".", " ")) if p]
    found: set[int] = set()
    previous: int | None = None
    pending_range = False
    for piece in pieces:
        if piece in lexicon.JOINERS:
            continue
        if piece in lexicon.RANGE_WORDS and previous is not None:
            pending_range = True
            continue
        day = lexicon.weekday(piece, lang)
        if day is None and piece.startswith("و"):
            day = lexicon.weekday(piece[1:], lang)  # Arabic "and" is written onto the word
        if day is None:
            raise GremiumError(
                'I do not know the weekday "{text}". Write them like {example}.',
                text=piece, example=f"{show_weekday(1, lang)}, {show_weekday(3, lang)}",
            )  # fmt: skip
        if pending_range and previous is not None:
            found.update((previous + i) % 7 for i in range((day - previous) % 7 + 1))
        found.add(day)
        previous, pending_range = day, False
    if not found:
        raise GremiumError(
            "Please name at least one weekday, like {example}.",
            example=f"{show_weekday(1, lang)}, {show_weekday(3, lang)}",
        )
    return tuple(sorted(found))


def parse_time_window(text: str) -> TimeWindow:
    """Read a part of a day such as "16:00-19:00" or "16-19 Uhr"."""
    times = read_times(clean(text)) or read_times(clean(text) + " uhr")  # "16-19"
    start, end = times or (None, None)
    if start is None or end is None:
        raise GremiumError(
            'I could not read "{text}" as a time window. Write it like {example}.',
            text=text.strip(), example="16:00-19:00",
        )  # fmt: skip
    if end == start:
        raise GremiumError(
            "The time window {text} is empty: it must end after it starts.", text=text.strip()
        )
    if end < start:
        raise GremiumError(
            "The time window {text} crosses midnight: it must start and end on the same day.",
            text=text.strip(),
        )
    return TimeWindow(start, end)

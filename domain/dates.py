"""Reading the dates and times people type: "send at", lengths, deadlines, weekdays, windows.

The formats understood are listed in :mod:`domain.grammar`; date-poll options are read in
:mod:`domain.candidates`. Every function takes ``now`` (aware); results are UTC instants, local
times are read in the group's zone ``tz``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain import lexicon
from domain.errors import GremiumError
from domain.grammar import Problem, clean, place, read, read_duration, read_times
from domain.i18n import N_
from domain.localtime import BERLIN, add_local_days, show_weekday, to_utc_forward


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

"""Reading date-poll options: one date, day or time range per line or comma-separated."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.errors import GremiumError
from domain.grammar import Problem, place, read
from domain.i18n import N_, lazy_plural
from domain.localtime import (
    BERLIN,
    local_now,
    midnight,
    require_aware,
    to_utc,
    to_utc_forward,
)

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


def _example(now: datetime, tz: ZoneInfo) -> str:
    """A date a week from now at 17:00, to show how options are written."""
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


def _read_option(entry: str, *, tz: ZoneInfo, now: datetime, lang: str) -> Candidate:
    """The option one entry names; raises :class:`Problem` if it names none."""
    written = read(entry, lang)
    if written is None:
        raise Problem("unreadable")
    day = place(written, entry, tz=tz, now=now, lang=lang)
    if written.start is None:
        return Candidate.whole_day(day, tz)
    end = to_utc(day, written.end, tz) if written.end else None
    return Candidate.timed(to_utc_forward(day, written.start, tz), end)


def _too_many(line: int) -> GremiumError:
    """The problem of a line beyond :data:`MAX_OPTIONS` options."""
    return GremiumError(
        lazy_plural(
            "Line {line}: a poll can have at most {n} date. Remove some.",
            "Line {line}: a poll can have at most {n} dates. Remove some.",
            MAX_OPTIONS, line=line,
        )
    )  # fmt: skip


def parse_candidates(
    text: str, *, tz: ZoneInfo = BERLIN, now: datetime, lang: str = "de"
) -> list[Candidate]:
    """Read date-poll options, one per line or comma-separated, sorted by time."""
    example = _example(now, tz)
    seen: dict[tuple[datetime, bool], int] = {}
    options: list[Candidate] = []
    problems: list[GremiumError] = []  # every bad line is reported at once
    for line, entry in _entries(text, lang):
        try:
            option = _read_option(entry, tz=tz, now=now, lang=lang)
        except Problem as bad:
            params = {"text": entry, "example": example, **bad.params}
            problems.append(GremiumError(_LINE_MESSAGES[bad.kind], line=line, **params))
            continue
        if (key := (option.begins, option.all_day)) in seen:
            problems.append(GremiumError(
                'Line {line}: "{text}" is the same date as line {first}.',
                line=line, text=entry, first=seen[key],
            ))  # fmt: skip
            continue
        if len(options) == MAX_OPTIONS:
            problems.append(_too_many(line))
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

"""Meeting cadence: when the next cycle's poll opens, for which target period. Pure rules.

A group that meets ``n`` times a year aims at one meeting every ``365/n`` days, counted from its
latest meeting, so a meeting fixed by hand shifts the next cycle instead of doubling it. Each
cycle has a target period around that aim; its poll opens ``lead`` before the period starts
and, if the coordinators review polls, they are asked ``review`` before that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from domain.errors import GremiumError
from domain.i18n import lazy_plural

MIN_PER_YEAR, MAX_PER_YEAR = 1, 12
MAX_CANDIDATES = 12


@dataclass(frozen=True)
class Rhythm:
    """How a group wants to meet."""

    per_year: int = 3
    weekdays: tuple[int, ...] = (1, 3)  # Monday = 0
    window_start: time = time(16, 0)
    window_end: time = time(19, 0)
    duration_minutes: int = 120
    location: str | None = None
    lead_days: int = 42  # the poll opens this long before the target period
    poll_days: int = 10  # and stays open this long
    candidates: int = 5
    review: bool = True
    review_days: int = 3

    def check(self) -> None:
        """Raise a clear error for values that cannot work."""
        if not MIN_PER_YEAR <= self.per_year <= MAX_PER_YEAR:
            raise GremiumError(
                "Meetings per year must be between {low} and {high}.",
                low=MIN_PER_YEAR,
                high=MAX_PER_YEAR,
            )
        if not self.weekdays:
            raise GremiumError("Name at least one weekday, for example: weekdays=Tue,Thu")
        self._check_times()
        self._check_poll()

    def _check_times(self) -> None:
        """Raise if the time window is empty or the meeting does not fit into it."""
        if self.window_end <= self.window_start:
            raise GremiumError(
                "The time window must end after it starts on the same day, "
                "for example 16:00-19:00."
            )
        window = (self.window_end.hour * 60 + self.window_end.minute) - (
            self.window_start.hour * 60 + self.window_start.minute
        )
        if not 15 <= self.duration_minutes <= window:
            raise GremiumError(
                lazy_plural(
                    "A meeting of {n} minute does not fit the time window; choose at most "
                    "{window} or a longer window.",
                    "A meeting of {n} minutes does not fit the time window; choose at most "
                    "{window} or a longer window.",
                    self.duration_minutes,
                    window=lazy_plural("{n} min", "{n} min", window),
                )
            )

    def _check_poll(self) -> None:
        """Raise for a poll's number of dates, run time or review time that cannot work."""
        if not 1 <= self.candidates <= MAX_CANDIDATES:
            raise GremiumError(
                lazy_plural(
                    "A poll offers between 1 and {n} date.",
                    "A poll offers between 1 and {n} dates.",
                    MAX_CANDIDATES,
                )
            )
        if not 1 <= self.poll_days < self.lead_days:
            raise GremiumError(
                lazy_plural(
                    "The poll must close before the target period begins: open it at least "
                    "{n} day ahead, or let it run for fewer days.",
                    "The poll must close before the target period begins: open it at least "
                    "{n} days ahead, or let it run for fewer days.",
                    self.poll_days + 1,
                )
            )
        if self.review and not 1 <= self.review_days <= 14:
            raise GremiumError("The review time must be between 1 and 14 days.")

    @property
    def interval(self) -> timedelta:
        """The aimed time between two meetings, in whole days."""
        return timedelta(days=int(365.25 / self.per_year))

    @property
    def half_period(self) -> timedelta:
        """Half the length of a target period (an eighth of the interval, 2 to 21 days)."""
        return timedelta(days=max(2, min(21, round(self.interval.days / 8))))


@dataclass(frozen=True)
class Cycle:
    """The next cycle: the days its candidates come from, and when its steps happen."""

    target_start: date
    target_end: date
    open_on: date
    review_on: date | None
    deadline_on: date


def next_cycle(rhythm: Rhythm, *, last_meeting: date | None, today: date) -> Cycle:
    """The cycle after ``last_meeting`` (or the first one, starting as soon as possible)."""
    half = rhythm.half_period
    lead = timedelta(days=rhythm.lead_days)
    # The soonest a cycle can start: the coordinators get their review time, then the lead.
    soonest = today + lead + timedelta(days=rhythm.review_days if rhythm.review else 0)
    if last_meeting is None:
        start = soonest
    else:
        start = max(last_meeting + rhythm.interval - half, soonest)
    end = start + 2 * half
    open_on = start - lead
    review_on = open_on - timedelta(days=rhythm.review_days) if rhythm.review else None
    if review_on is not None and review_on < today:
        review_on = today if today < open_on else None
    return Cycle(
        target_start=start,
        target_end=end,
        open_on=open_on,
        review_on=review_on,
        deadline_on=open_on + timedelta(days=rhythm.poll_days),
    )

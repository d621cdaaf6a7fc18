"""Meeting cadence: cycles spread over the year, counted from the last meeting."""

from __future__ import annotations

from datetime import date, time

import pytest

from domain.cadence import Rhythm, next_cycle
from domain.errors import GremiumError


@pytest.mark.parametrize(
    ("last", "today", "start", "end", "opens", "review"),
    [
        # No meeting yet: review today, open in three days, target six weeks after that.
        (
            None,
            date(2027, 1, 4),
            date(2027, 2, 18),
            date(2027, 3, 20),
            date(2027, 1, 7),
            date(2027, 1, 4),
        ),
        # Three a year: about four months after the last meeting, give or take two weeks.
        (
            date(2027, 2, 25),
            date(2027, 3, 1),
            date(2027, 6, 11),
            date(2027, 7, 11),
            date(2027, 4, 30),
            date(2027, 4, 27),
        ),
        # A meeting far in the past: start as soon as review and lead time allow.
        (
            date(2025, 1, 1),
            date(2027, 1, 4),
            date(2027, 2, 18),
            date(2027, 3, 20),
            date(2027, 1, 7),
            date(2027, 1, 4),
        ),
    ],
)
def test_next_cycle(
    last: date | None, today: date, start: date, end: date, opens: date, review: date | None
) -> None:
    """The target period and the opening follow the last meeting and the lead time."""
    cycle = next_cycle(Rhythm(), last_meeting=last, today=today)
    assert (cycle.target_start, cycle.target_end, cycle.open_on, cycle.review_on) == (
        start,
        end,
        opens,
        review,
    )
    assert cycle.deadline_on < cycle.target_start


def test_manual_meeting_shifts_the_plan() -> None:
    """A later meeting moves the next cycle by the same amount."""
    early = next_cycle(Rhythm(), last_meeting=date(2027, 3, 1), today=date(2027, 3, 2))
    late = next_cycle(Rhythm(), last_meeting=date(2027, 4, 1), today=date(2027, 4, 2))
    assert (late.target_start - early.target_start).days == 31


@pytest.mark.parametrize(
    ("rhythm", "fragment"),
    [
        (Rhythm(per_year=0), "between 1 and 12"),
        (Rhythm(per_year=13), "between 1 and 12"),
        (Rhythm(weekdays=()), "at least one weekday"),
        (Rhythm(window_start=time(19), window_end=time(16)), "end after it starts"),
        (Rhythm(duration_minutes=240), "does not fit"),
        (Rhythm(candidates=13), "between 1 and 12"),
        (Rhythm(poll_days=50), "close before the target period"),
    ],
)
def test_rhythms_that_cannot_work(rhythm: Rhythm, fragment: str) -> None:
    """Each impossible rhythm is refused with a message that says what would work."""
    with pytest.raises(GremiumError) as info:
        rhythm.check()
    assert fragment in info.value.text.english()

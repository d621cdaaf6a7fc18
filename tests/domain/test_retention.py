"""Retention periods in calendar months."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.retention import months_before


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 11, 24, 9, 0, tzinfo=UTC), 12, datetime(2025, 11, 24, 9, 0, tzinfo=UTC)),
        (datetime(2026, 11, 24, 9, 0, tzinfo=UTC), 6, datetime(2026, 5, 24, 9, 0, tzinfo=UTC)),
        (datetime(2026, 3, 31, 23, 59, tzinfo=UTC), 1, datetime(2026, 2, 28, 23, 59, tzinfo=UTC)),
        (datetime(2028, 3, 31, 12, 0, tzinfo=UTC), 1, datetime(2028, 2, 29, 12, 0, tzinfo=UTC)),
        (datetime(2027, 1, 15, 0, 0, tzinfo=UTC), 1, datetime(2026, 12, 15, 0, 0, tzinfo=UTC)),
        (datetime(2027, 1, 15, 0, 0, tzinfo=UTC), 25, datetime(2024, 12, 15, 0, 0, tzinfo=UTC)),
        (datetime(2027, 1, 15, 0, 0, tzinfo=UTC), 0, datetime(2027, 1, 15, 0, 0, tzinfo=UTC)),
    ],
)
def test_months_before(moment: datetime, months: int, expected: datetime) -> None:
    """Calendar months back, clamped to the end of a shorter month."""
    assert months_before(moment, months) == expected


def test_negative_months_are_refused() -> None:
    """A retention period is never negative."""
    with pytest.raises(ValueError, match="negative"):
        months_before(datetime(2026, 1, 1, tzinfo=UTC), -1)

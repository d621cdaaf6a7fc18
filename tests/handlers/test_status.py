"""What /status says about errors and durations (pure parts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from telegram.error import BadRequest

from domain.i18n import Translator
from handlers.admin.status import _duration
from runtime.health import Runtime, describe_error
from storage.status import describe_database


def _raise(error: Exception) -> Exception:
    try:
        raise error
    except Exception as exc:
        return exc


def test_an_error_is_described_by_kind_and_place_not_by_its_text() -> None:
    """Our own errors name their type and line; Telegram's keep Telegram's wording."""
    described = describe_error(_raise(KeyError("Hana Yilmaz")))
    assert described.startswith("KeyError at ")
    assert "test_status.py:" in described
    assert "Hana" not in described
    assert describe_error(BadRequest("Chat not found")) == "BadRequest: Chat not found"
    assert describe_error(None) == "unknown error"


def test_the_last_error_is_kept_short() -> None:
    """Only the newest error is kept, cut to 200 characters."""
    runtime = Runtime("1.0", datetime(2026, 11, 24, tzinfo=UTC), "SQLite x")
    runtime.record_error(datetime(2026, 11, 24, 10, tzinfo=UTC), "first")
    runtime.record_error(datetime(2026, 11, 24, 11, tzinfo=UTC), "x" * 500)
    assert runtime.last_error is not None
    assert runtime.last_error[0].hour == 11
    assert len(runtime.last_error[1]) == 200


@pytest.mark.parametrize(
    ("span", "en", "de"),
    [
        (timedelta(seconds=59), "0 min", "0 Min."),
        (timedelta(hours=2, minutes=5), "2 h 5 min", "2 Std. 5 Min."),
        (timedelta(days=3, hours=4, minutes=59), "3 d 4 h", "3 T 4 Std."),
    ],
)
def test_uptime_in_each_language(span: timedelta, en: str, de: str) -> None:
    """Minutes under an hour, hours and minutes under a day, then days and hours."""
    translator = Translator("de")
    assert _duration(translator.get("en"), span) == en
    assert _duration(translator.get("de"), span) == de


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+asyncpg://gremium:s3cret@db.example:5433/gremium",
            "PostgreSQL db.example:5433/gremium",
        ),
        (
            "postgresql+asyncpg://gremium:s3cret@db.example/gremium",
            "PostgreSQL db.example:5432/gremium",
        ),
        ("sqlite+aiosqlite:///data/gremium.db", "SQLite data/gremium.db"),
    ],
)
def test_the_database_is_shown_without_its_password(url: str, shown: str) -> None:
    """Backend, host, port and name; never the user's password."""
    assert describe_database(url) == shown

"""Health: what this process knows about itself (version, start, database, last error)."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from datetime import datetime

from telegram.error import TelegramError

#: Frames from these packages name where an error happened (not the library's innards).
_OWN_CODE = ("/bot/", "/handlers/", "/runtime/", "/storage/", "/domain/")


@dataclass
class Runtime:
    """What this process knows about itself: set by the composition root, read by /status."""

    version: str
    started_at: datetime
    database: str
    last_error: tuple[datetime, str] | None = field(default=None)

    def record_error(self, when: datetime, what: str) -> None:
        """Remember the newest error (its kind and place, never a message's text)."""
        self.last_error = (when, what[:200])


def describe_error(error: BaseException | None) -> str:
    """``KeyError at handlers/polls.py:88``; Telegram's own wording for Telegram errors."""
    if error is None:
        return "unknown error"
    name = type(error).__name__
    if isinstance(error, TelegramError):
        name = f"{name}: {error.message}"
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if any(part in f.filename for part in _OWN_CODE)]
    if not (own or frames):
        return name
    frame = (own or frames)[-1]
    where = frame.filename
    for part in _OWN_CODE:
        if part in where:
            where = part.strip("/") + "/" + where.rsplit(part, 1)[1]
            break
    return f"{name} at {where}:{frame.lineno}"

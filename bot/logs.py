"""Logging to stdout, one line per event: text for people, JSON or key=value for collectors.

Log calls carry ids, never names, message texts or the token; as a second line of defence the
token (and any other secret handed in) is replaced by ``[secret]`` wherever it would appear.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

#: Libraries that say too much at INFO (httpx would log every URL, and so the token).
QUIET = ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio", "aiohttp.access")
HANDLER_NAME = "gremium"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Redacting(logging.Formatter):
    """Renders a record, then blanks out the secrets."""

    def __init__(self, secrets: Iterable[str] = (), fmt: str | None = None) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        """The text with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        return text

    def fields(self, record: logging.LogRecord) -> dict[str, str]:
        """The event as ordered fields: time, level, logger, message, exception."""
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": self.redact(record.getMessage()),
        }
        if record.exc_info:
            out["exc"] = self.redact(self.formatException(record.exc_info))
        elif record.exc_text:
            out["exc"] = self.redact(record.exc_text)
        return out


class TextFormatter(_Redacting):
    """The classic ``time LEVEL logger: message`` line (tracebacks follow on their own lines)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(secrets, TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        """Render and redact."""
        return self.redact(super().format(record))


class JsonFormatter(_Redacting):
    """``{"ts": ..., "level": ..., "logger": ..., "msg": ..., "exc": ...}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """Render as one JSON object."""
        return json.dumps(self.fields(record), ensure_ascii=False)


class KeyValueFormatter(_Redacting):
    """``ts=... level=INFO logger=bot msg="..."`` on one line (logfmt)."""

    def format(self, record: logging.LogRecord) -> str:
        """Render as key=value pairs; values with spaces, quotes or newlines are quoted."""
        return " ".join(f"{k}={_logfmt(v)}" for k, v in self.fields(record).items())


def _logfmt(value: str) -> str:
    if value and not any(c in value for c in ' ="\n\t\\'):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\t", "\\t") + '"'


FORMATTERS: dict[str, type[_Redacting]] = {
    "text": TextFormatter,
    "json": JsonFormatter,
    "keyvalue": KeyValueFormatter,
}


def configure_logging(
    level: str, fmt: str = "text", *, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Send every log record to stdout (or ``stream``) in ``fmt``, replacing an earlier call's."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(FORMATTERS[fmt](secrets))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Alembic's INFO lines (plugins, "Context impl", each migration) only when debugging.
    logging.getLogger("alembic").setLevel(
        logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING
    )
    # python-telegram-bot logs every request's parameters (names, message texts) at DEBUG.
    logging.getLogger("telegram").setLevel(max(logging.INFO, root.level))

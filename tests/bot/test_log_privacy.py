"""Logs carry Telegram ids, never names or message texts: even at DEBUG."""

from __future__ import annotations

import io
import logging

from bot.logs import HANDLER_NAME, configure_logging


def test_debug_level_keeps_telegram_request_parameters_out() -> None:
    """At DEBUG, python-telegram-bot's request logging (with names and texts) stays silent;
    Gremium's own debug lines and python-telegram-bot's INFO lines still come through."""
    stream = io.StringIO()
    configure_logging("DEBUG", secrets=["123456:SECRET"], stream=stream)
    try:
        logging.getLogger("telegram.Bot").debug(
            "Calling Bot API endpoint `sendMessage` with parameters `%s`",
            {"chat_id": 5001, "text": "Hallo Zeynep Yılmaz-Öztürk"},
        )
        logging.getLogger("telegram.ext.Application").info("Application started")
        logging.getLogger("handlers.privacy.commands").debug(
            "member %s downloaded their data", 5001
        )
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
            root.removeHandler(handler)
        root.setLevel(logging.WARNING)
    out = stream.getvalue()
    assert "Zeynep" not in out
    assert "Application started" in out
    assert "member 5001 downloaded their data" in out

"""The sandbox page: a browser view of the emulated chats, with a clock to move time.

:class:`PageServer` serves ``index.html``, ``app.js`` and ``style.css`` (no build step, nothing
from the internet), the emulator's control API under ``/_emulator/`` on the same origin, and a
few routes of its own under ``/api/``::

    GET  /api/state      clock, quiet hours, next step, personas with roles, chats, bot
    POST /api/clock      {"step": "hour" | "day" | "week" | "next"} -> {"said", "state"}
    POST /api/personas   {"first_name", "last_name"?, "language_code"} -> the new user, who has
                         just sent /start
    GET  /api/commands?user_id=&chat_id=   the command menu that user sees in that chat

A visitor's mistake is answered 400 ``{"error"}``; anything that breaks inside the sandbox is
logged with its traceback and answered 500 ``{"error", "internal": true}``, which the page
shows while it carries on.

Time and roles come from a :class:`Controller` (the bot's side, wired in ``bot.sandbox``), so
this package knows nothing of the bot.
"""

from sandbox.page.server import Controller, PageServer, Refused

__all__ = ["Controller", "PageServer", "Refused"]

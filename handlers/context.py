"""Typed context: what every handler can reach through ``context.bot_data``.

:class:`Services` is the configuration and the few services most functions want (database,
clock, translations, time zone). :class:`BotData` adds the running engine (outbox dispatcher,
edit throttle, ballot box, reports, refresher, leadership). Both are built in one place,
``bot.app.build_application``, with every field given to the constructor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from telegram.ext import CallbackContext, ExtBot

from handlers.services import Services
from runtime.ballots import BallotBox
from runtime.leadership import Leadership
from runtime.outbox import Dispatcher
from runtime.throttle import EditThrottle


class Reports(Protocol):
    """The live delivery reports (:class:`handlers.announcements.reports.ReportUpdater`)."""

    def start(self) -> None:
        """Start keeping the reports current."""

    async def stop(self) -> None:
        """Write the last state of every report, then stop."""

    async def post(self, announcement_id: int) -> None:
        """Send the first report message of an announcement to its sender."""

    async def flush(self) -> None:
        """Edit every report that changed, now."""


class Refresher(Protocol):
    """Redraws of the poll messages (:class:`handlers.polls.refresh.PollRefresher`)."""

    def start(self) -> None:
        """Start the periodic refresh passes."""

    async def stop(self) -> None:
        """Stop, after a last pass."""

    def mark(self, poll_id: int) -> None:
        """The poll changed: its members' copies follow at the next pass."""

    async def flush(self) -> None:
        """Redraw every marked poll now."""

    def redraw_copy(
        self,
        chat_id: int,
        message_id: int,
        poll_id: int,
        member_id: int,
        *,
        voted: bool = False,
        language: str | None = None,
        answers: dict[int, str] | None = None,
    ) -> None:
        """Redraw one member's copy soon (throttled per chat)."""

    async def redraw_tally(self, poll_id: int) -> None:
        """Redraw the group chat's tally message, if there is one."""


@dataclass(kw_only=True, eq=False)
class BotData(Services):
    """The services plus the engine that keeps the bot alive."""

    dispatcher: Dispatcher
    reports: Reports
    throttle: EditThrottle
    refresher: Refresher
    #: Votes written together (group commit).
    ballots: BallotBox
    #: Whether this instance leads (runs the dispatcher, the reports and the sweep).
    leadership: Leadership


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]

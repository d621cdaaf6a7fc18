"""Typed context: what every handler can reach through ``context.bot_data``.

:class:`Services` is the configuration and the few services most functions want (database,
clock, translations, time zone). :class:`BotData` adds the running engine (outbox dispatcher,
edit throttle, ballot box, reports, refresher, leadership). Both are built in one place,
``bot.app.build_application``, with every field given to the constructor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import CallbackContext, ExtBot

from handlers.announcements.reports import ReportUpdater
from handlers.polls.refresh import PollRefresher
from handlers.services import Services
from runtime.ballots import BallotBox
from runtime.leadership import Leadership
from runtime.outbox import Dispatcher
from runtime.throttle import EditThrottle


@dataclass(kw_only=True, eq=False)
class BotData(Services):
    """The services plus the engine that keeps the bot alive."""

    dispatcher: Dispatcher
    reports: ReportUpdater
    throttle: EditThrottle
    refresher: PollRefresher
    #: Votes written together (group commit).
    ballots: BallotBox
    #: Whether this instance leads (runs the dispatcher, the reports and the sweep).
    leadership: Leadership


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]

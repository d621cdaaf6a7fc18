"""Typed context: what every handler can reach through ``context.bot_data``."""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from domain.clock import Clock
from domain.i18n import Translator
from storage.db import SessionMaker

if TYPE_CHECKING:
    from handlers.announcements.release import ReportUpdater
    from handlers.polls.refresh import PollRefresher
    from runtime.ballots import BallotBox
    from runtime.health import Runtime
    from runtime.leadership import Leadership
    from runtime.outbox import Dispatcher
    from runtime.throttle import EditThrottle


class BotData:
    """Dependencies handed down by the composition root (set in ``build_application``)."""

    sessionmaker: SessionMaker
    translator: Translator
    clock: Clock
    admins: frozenset[int]
    timezone: ZoneInfo
    organisation_name: str
    organisation_contact: str
    privacy_version: int
    inactive_member_months: int
    vote_retention_months: int
    quiet_hours: tuple[time, time]
    dispatcher: Dispatcher
    reports: ReportUpdater
    throttle: EditThrottle
    refresher: PollRefresher
    #: Votes written together (group commit).
    ballots: BallotBox
    holiday_state: str
    extra_calendars: tuple[str, ...]
    #: Whether this instance leads (runs the dispatcher, the reports and the sweep).
    leadership: Leadership
    #: Version, start time, database and last error, for /status.
    runtime: Runtime


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)

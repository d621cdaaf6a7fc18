"""Building the Application: the one place where settings, database and handlers meet."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults

import handlers
from bot.config import Settings
from bot.inbox import InboxQueue
from bot.processing import TrackingUpdateProcessor
from bot.request import AiohttpRequest
from bot.telegram_bot import GremiumBot
from domain.clock import Clock
from domain.delivery import Limits
from domain.i18n import Translator
from handlers.announcements.release import ReportUpdater
from handlers.cadence.steps import ensure_rhythms
from handlers.context import CONTEXT_TYPES, BotData
from handlers.jobs import LeaderWork
from handlers.menus import refresh_admin_menus, register_default_menus
from handlers.polls.refresh import PollRefresher
from runtime.ballots import BallotBox
from runtime.health import Runtime
from runtime.leadership import Leadership
from runtime.outbox import Dispatcher
from runtime.throttle import EditThrottle
from storage import groups as group_repo
from storage.db import SessionMaker
from storage.locks import instance_lock
from storage.status import describe_database

log = logging.getLogger(__name__)

GremiumApp = Application[Any, Any, Any, Any, BotData, Any]


def build_application(
    settings: Settings,
    *,
    sessionmaker: SessionMaker,
    clock: Clock,
    update_processor: TrackingUpdateProcessor | None = None,
    engine: AsyncEngine | None = None,
) -> GremiumApp:
    """The bot, wired to its database, clock and translations, with every handler registered."""
    timeout = settings.request_timeout
    request = AiohttpRequest(connect_timeout=10, read_timeout=timeout, write_timeout=timeout)
    polling = AiohttpRequest(connect_timeout=10, read_timeout=40, write_timeout=timeout)
    bot = GremiumBot(
        settings.token,
        base_url=settings.bot_base_url,
        base_file_url=f"{settings.api_root.rstrip('/')}/file/bot",
        defaults=Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.timezone),
        request=request,
        get_updates_request=polling,
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(CONTEXT_TYPES)
        .post_init(partial(_post_init, settings))
    )
    builder = builder.post_shutdown(partial(_post_shutdown, engine))
    # Updates are stored before Telegram is told they arrived, and marked once handled.
    inbox = InboxQueue(sessionmaker, clock)
    processor = update_processor or TrackingUpdateProcessor()
    processor.after = inbox.handled
    bot.receive_updates_with(inbox.receive)
    builder = builder.update_queue(inbox).concurrent_updates(processor)
    app: GremiumApp = builder.build()
    bd: BotData = app.bot_data
    bd.sessionmaker = sessionmaker
    bd.translator = Translator(settings.default_language)
    bd.clock = clock
    bd.admins = settings.admins
    bd.timezone = settings.timezone
    bd.organisation_name = settings.organisation_name
    bd.organisation_contact = settings.organisation_contact
    bd.privacy_version = settings.privacy_version
    bd.inactive_member_months = settings.inactive_member_months
    bd.vote_retention_months = settings.vote_retention_months
    bd.quiet_hours = settings.quiet_hours
    bd.holiday_state = settings.holiday_state
    bd.extra_calendars = settings.community_holidays
    bd.runtime = Runtime(
        version=_version(),
        started_at=clock.now(),
        database=describe_database(settings.database_url),
    )
    handlers.register(app)
    return app


async def _post_init(settings: Settings, app: GremiumApp) -> None:
    """Create the configured groups and register the command menus."""
    bd: BotData = app.bot_data
    async with bd.sessionmaker.begin() as session:
        created = await group_repo.ensure_initial_groups(
            session,
            groups=[(g.slug, g.name) for g in settings.groups],
            timezone=settings.timezone.key,
            now=bd.clock.now(),
        )
    if created:
        log.info("created %d initial groups", created)
    await ensure_rhythms(
        bd,
        [(g.slug, g.rhythm) for g in settings.groups if g.rhythm],
        counted_from=settings.cadence_counted_from,
    )
    bd.reports = ReportUpdater(app.bot, bd)
    bd.throttle = EditThrottle(app.bot, interval=settings.tally_edit_seconds)
    bd.ballots = BallotBox(
        sessionmaker=bd.sessionmaker, clock=bd.clock, privacy_version=bd.privacy_version
    )
    bd.refresher = PollRefresher(bd, interval=max(10.0, settings.tally_edit_seconds))
    bd.refresher.start()
    bd.dispatcher = Dispatcher(
        bot=app.bot,
        sessionmaker=bd.sessionmaker,
        clock=bd.clock,
        limits=Limits(
            global_per_second=max(1, int(settings.outbox_rate)),
            private_interval=timedelta(seconds=settings.per_chat_interval),
        ),
        paid_broadcast=settings.paid_broadcast,
        on_delivered=bd.reports.delivered,
        on_failure=lambda what: bd.runtime.record_error(bd.clock.now(), what),
        # On SQLite the instance lock dies with its process: whoever leads next is alone and
        # takes back every claim at once. On PostgreSQL only claims whose lease ran out.
        exclusive=not settings.database_url.startswith("postgresql"),
    )
    # Groups whose rhythm has no next step yet are planned by the sweep, not here: a start
    # with many groups does not wait for them, and steps planned before stay as they were.
    # Only the holder of the instance lock sends and sweeps; every instance answers updates.
    # A deposed leader may still be finishing sends: their claims' leases keep them its own.
    bd.leadership = Leadership(
        instance_lock(settings.database_url),
        LeaderWork(bd, app.job_queue),
        interval=settings.leader_check_seconds,
    )
    await bd.leadership.start()
    if not bd.leadership.is_leader:
        log.info("standby: another instance leads; answering updates only")
    if isinstance(app.update_queue, InboxQueue):
        await app.update_queue.replay(app.bot)
    await register_default_menus(app.bot, bd.translator)
    await refresh_admin_menus(app.bot, bd)


def _version() -> str:
    try:
        return version("gremium")
    except PackageNotFoundError:
        return "unknown"


async def _post_shutdown(engine: AsyncEngine | None, app: GremiumApp) -> None:
    """Step down (stopping the outbox, reports and sweep), then close the database."""
    bd: BotData = app.bot_data
    if hasattr(bd, "leadership"):
        await bd.leadership.stop()
    if hasattr(bd, "refresher"):
        await bd.refresher.stop()
    if hasattr(bd, "throttle"):
        await bd.throttle.flush()
    if engine is not None:
        await engine.dispose()

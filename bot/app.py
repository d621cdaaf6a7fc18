"""Building the Application: the one place where settings, database and handlers meet."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults, JobQueue

import handlers
from bot.config import Settings
from bot.inbox import InboxQueue
from bot.processing import TrackingUpdateProcessor
from bot.request import AiohttpRequest
from bot.telegram_bot import GremiumBot
from domain.clock import Clock
from domain.delivery import Limits
from domain.i18n import Translator
from handlers import errors
from handlers.announcements.reports import ReportUpdater
from handlers.context import BotData
from handlers.jobs import LeaderWork
from handlers.meetings.rhythm import ensure_rhythms
from handlers.menus import refresh_admin_menus, register_default_menus
from handlers.polls.refresh import PollRefresher
from handlers.services import Services
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
    bot = _bot(settings)
    jobs: JobQueue[Any] = JobQueue()
    data = bot_data(settings, bot, jobs, sessionmaker=sessionmaker, clock=clock)
    # python-telegram-bot makes ``bot_data`` by calling the given type without arguments; it is
    # handed a factory that returns the container built above, so the container has a real
    # constructor and is complete before any handler runs.
    context_types = ContextTypes(bot_data=cast("type[BotData]", lambda: data))
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .job_queue(jobs)
        .context_types(context_types)
        .post_init(partial(_post_init, settings))
    )
    builder = builder.post_shutdown(partial(_post_shutdown, engine))
    # Updates are stored before Telegram is told they arrived, and marked once handled.
    inbox = InboxQueue(sessionmaker, clock)
    processor = update_processor or TrackingUpdateProcessor()
    processor.after = inbox.handled
    processor.keep = inbox.is_replay
    processor.slow_down = partial(errors.slow_down, data)
    bot.receive_updates_with(inbox.receive)
    builder = builder.update_queue(inbox).concurrent_updates(processor)
    app: GremiumApp = builder.build()
    handlers.register(app)
    return app


def _bot(settings: Settings) -> GremiumBot:
    timeout = settings.request_timeout
    request = AiohttpRequest(connect_timeout=10, read_timeout=timeout, write_timeout=timeout)
    polling = AiohttpRequest(connect_timeout=10, read_timeout=40, write_timeout=timeout)
    return GremiumBot(
        settings.token,
        base_url=settings.bot_base_url,
        base_file_url=f"{settings.api_root.rstrip('/')}/file/bot",
        defaults=Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.timezone),
        request=request,
        get_updates_request=polling,
    )


def services(settings: Settings, *, sessionmaker: SessionMaker, clock: Clock) -> Services:
    """The settings and core services that handlers, jobs and texts read."""
    return Services(
        sessionmaker=sessionmaker,
        translator=Translator(settings.default_language, german_address=settings.german_address),
        clock=clock,
        timezone=settings.timezone,
        admins=settings.admins,
        organisation_name=settings.organisation_name,
        organisation_contact=settings.organisation_contact,
        privacy_version=settings.privacy_version,
        inactive_member_months=settings.inactive_member_months,
        vote_retention_months=settings.vote_retention_months,
        quiet_hours=settings.quiet_hours,
        holiday_state=settings.holiday_state,
        extra_calendars=settings.community_holidays,
        runtime=Runtime(
            version=_version(),
            started_at=clock.now(),
            database=describe_database(settings.database_url),
        ),
    )


def bot_data(
    settings: Settings,
    bot: GremiumBot,
    jobs: JobQueue[Any] | None,
    *,
    sessionmaker: SessionMaker,
    clock: Clock,
) -> BotData:
    """The services and the engine, built in one place; nothing runs until ``_post_init``."""
    core = services(settings, sessionmaker=sessionmaker, clock=clock)
    throttle = EditThrottle(bot, interval=settings.tally_edit_seconds)
    reports = ReportUpdater(bot, core)
    dispatcher = _dispatcher(
        settings, bot, sessionmaker=sessionmaker, clock=clock, core=core, reports=reports
    )
    # Only the holder of the instance lock sends and sweeps; every instance answers updates.
    # A deposed leader may still be finishing sends: their claims' leases keep them its own.
    work = LeaderWork(dispatcher=dispatcher, reports=reports, job_queue=jobs)
    return BotData(
        **core.values(),
        dispatcher=dispatcher,
        reports=reports,
        throttle=throttle,
        refresher=PollRefresher(core, throttle, interval=max(10.0, settings.tally_edit_seconds)),
        ballots=BallotBox(
            sessionmaker=sessionmaker, clock=clock, privacy_version=settings.privacy_version
        ),
        leadership=Leadership(
            instance_lock(settings.database_url), work, interval=settings.leader_check_seconds
        ),
    )


def _dispatcher(
    settings: Settings,
    bot: GremiumBot,
    *,
    sessionmaker: SessionMaker,
    clock: Clock,
    core: Services,
    reports: ReportUpdater,
) -> Dispatcher:
    """The outbox dispatcher, paced by the configured limits, reporting to ``core``."""
    return Dispatcher(
        bot=bot,
        sessionmaker=sessionmaker,
        clock=clock,
        limits=Limits(
            global_per_second=max(1, int(settings.outbox_rate)),
            private_interval=timedelta(seconds=settings.per_chat_interval),
        ),
        paid_broadcast=settings.paid_broadcast,
        on_delivered=reports.delivered,
        on_failure=lambda what: core.runtime.record_error(clock.now(), what),
        # On SQLite the instance lock dies with its process: whoever leads next is alone and
        # takes back every claim at once. On PostgreSQL only claims whose lease ran out.
        exclusive=not settings.database_url.startswith("postgresql"),
    )


async def _post_init(settings: Settings, app: GremiumApp) -> None:
    """Create the configured groups, start the engine and register the command menus."""
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
    bd.refresher.start()
    # Groups whose rhythm has no next step yet are planned by the sweep, not here: a start
    # with many groups does not wait for them, and steps planned before stay as they were.
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
    await bd.leadership.stop()
    await bd.refresher.stop()
    await bd.throttle.flush()
    if engine is not None:
        await engine.dispose()

"""/status for the organisers: version, uptime, leader or standby, outbox, schedule, last error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from domain.i18n import Lang
from handlers.common import load_actor, require_admin
from handlers.context import Context
from runtime.health import Runtime
from storage import status as status_repo
from storage.models import DeliveryStatus
from storage.status import Step


@dataclass(frozen=True)
class StatusView:
    """Everything the status message shows."""

    runtime: Runtime
    now: datetime
    leader: bool
    deliveries: dict[DeliveryStatus, int]
    unreachable: int
    steps: list[Step]


def _duration(lang: Lang, span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    day = lang.ngettext("{n} d", "{n} d", days)
    hour = lang.ngettext("{n} h", "{n} h", hours)
    minute = lang.ngettext("{n} min", "{n} min", minutes)
    if days:
        return f"{day} {hour}"
    if hours:
        return f"{hour} {minute}"
    return minute


def _stamp(lang: Lang, moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{lang.short_day(local.date())} {lang.clock(local.time())}"


def _step(lang: Lang, step: Step, tz: ZoneInfo) -> str:
    what = {
        "poll_close": lang._("the date poll closes"),
        "poll_reminder": lang._("reminder to vote"),
        "meeting_reminder": lang._("meeting reminder"),
        "cadence_review": lang._("the coordinators review the next date poll"),
        "cadence_open": lang._("the planned date poll opens"),
        status_repo.ANNOUNCEMENT: lang._("scheduled announcement"),
    }.get(step.kind, step.kind)
    group = escape(step.group) if step.group else None
    if group is None and step.kind == status_repo.ANNOUNCEMENT:
        group = lang._("All working groups")
    where = f"{group}: " if group else ""
    return f"• {_stamp(lang, step.due_at, tz)} · {where}{what}"


def status_text(lang: Lang, view: StatusView, tz: ZoneInfo) -> str:
    """The status message in ``lang``."""
    rt = view.runtime
    waiting = view.deliveries.get(DeliveryStatus.PENDING, 0)
    sending = view.deliveries.get(DeliveryStatus.SENDING, 0)
    lines = [
        lang._("<b>Gremium {version}</b>", version=escape(rt.version)),
        lang._(
            "Running since {since} ({uptime}).",
            since=_stamp(lang, rt.started_at, tz),
            uptime=_duration(lang, view.now - rt.started_at),
        ),
        lang._("This instance: <b>leader</b>. It sends the messages and keeps the schedule.")
        if view.leader
        else lang._(
            "This instance: <b>standby</b>. It answers; another instance sends the messages "
            "and keeps the schedule, and this one takes over if that one stops."
        ),
        lang._("Database: {database}", database=escape(rt.database)),
        lang._(
            "Deliveries waiting: {waiting} (being sent now: {sending}); given up: {failed}",
            waiting=waiting + sending,
            sending=sending,
            failed=view.deliveries.get(DeliveryStatus.FAILED, 0),
        ),
        lang._("Unreachable members: {count}", count=view.unreachable),
        "",
        lang._("<b>Next scheduled steps</b>"),
        *([_step(lang, s, tz) for s in view.steps] or [lang._("Nothing is scheduled.")]),
        "",
        lang._("<b>Last error</b>"),
    ]
    if rt.last_error is None:
        lines.append(lang._("No errors since the start."))
    else:
        when, what = rt.last_error
        lines.append(f"{_stamp(lang, when, tz)}: {escape(what)}")
    return "\n".join(lines)


async def status_command(update: Update, context: Context) -> None:
    """Organisers: how this instance, the outbox and the schedule are doing."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        require_admin(actor)
        view = StatusView(
            runtime=bd.runtime,
            now=bd.clock.now(),
            leader=bd.leadership.is_leader,
            deliveries=dict(await status_repo.delivery_counts(session)),
            unreachable=await status_repo.count_unreachable_members(session),
            steps=await status_repo.next_steps(session),
        )
    await message.reply_text(status_text(actor.lang, view, bd.timezone))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add /status (private chats only: it is not for a group's eyes)."""
    app.add_handler(CommandHandler("status", status_command, filters=filters.ChatType.PRIVATE))

"""/settings: how a group's date polls decide and remind, shown and edited.

``/settings`` shows the settings of every group one runs; ``/settings bildung quorum=3
confirm=yes reminders=48,6`` changes them (German keys too: ``quorum``, ``bestätigen``,
``erinnerungen``). Quorum and confirmation count when a poll closes, so they apply to open
polls as well; new reminder hours are planned for the open polls at once.
"""

from __future__ import annotations

from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from domain.errors import GremiumError
from domain.i18n import Lang
from handlers import replies
from handlers.arguments import NO, YES, split_args
from handlers.common import load_actor, require_group_manager, resolve_group
from handlers.context import BotData, Context
from handlers.polls.compose import managed_groups
from handlers.polls.flow import schedule_poll_tasks
from storage import polls as repo
from storage import tasks
from storage.models import Group, PollStatus, TaskKind

KEYS = {
    "quorum": "quorum",
    "confirm": "confirm", "bestätigen": "confirm", "bestaetigen": "confirm",
    "reminders": "reminders", "erinnerungen": "reminders",
}  # fmt: skip
MAX_QUORUM = 1000
MAX_REMINDERS = 5
#: Reminders may be asked for up to two weeks before a deadline.
MAX_REMINDER_HOURS = 14 * 24


def describe(lang: Lang, group: Group) -> list[str]:
    """The group's poll settings, one line each, and how to change them."""
    lines = [lang._("<b>Date polls of {group}</b>", group=escape(group.name))]
    if group.poll_quorum:
        lines.append(
            lang.ngettext(
                "Quorum: the winning date needs at least {n} Yes.",
                "Quorum: the winning date needs at least {n} Yes.",
                group.poll_quorum,
            )
        )
    else:
        lines.append(lang._("Quorum: none; the date with the most Yes wins."))
    if group.confirm_dates:
        lines.append(lang._("Confirmation: a coordinator confirms the date before it is fixed."))
    else:
        lines.append(lang._("Confirmation: the winning date is fixed at once."))
    hours = sorted(group.poll_reminder_hours, reverse=True)
    if hours:
        listed = ", ".join(lang.ngettext("{n} h", "{n} h", h) for h in hours)
        lines.append(lang._("Reminders: {hours} before the deadline.", hours=listed))
    else:
        lines.append(lang._("Reminders: none."))
    lines.append(
        lang._("Change: /settings {slug} quorum=3 confirm=yes reminders=48,6", slug=group.slug)
    )
    return lines


def apply(group: Group, words: list[str]) -> bool:
    """Apply ``key=value`` words to the group; True if the reminder hours changed. Unknown
    keys and bad values are refused before anything changes."""
    quorum, confirm, hours = group.poll_quorum, group.confirm_dates, group.poll_reminder_hours
    for word in words:
        key, _, value = word.partition("=")
        name = KEYS.get(key.casefold())
        if name is None or not value:
            raise GremiumError(
                "I do not know “{word}”. Write key=value with these keys: quorum, confirm, "
                "reminders.",
                word=word,
            )
        value = value.strip().casefold()
        if name == "quorum":
            if not value.isdigit() or int(value) > MAX_QUORUM:
                raise GremiumError("{key} needs a whole number, for example {key}=3.", key=key)
            quorum = int(value)
        elif name == "confirm":
            if value not in YES | NO:
                raise GremiumError("{key} takes yes or no, for example {key}=yes.", key=key)
            confirm = value in YES
        else:
            hours = _hours(value)
    changed = sorted(hours) != sorted(group.poll_reminder_hours)
    group.poll_quorum, group.confirm_dates, group.poll_reminder_hours = quorum, confirm, hours
    return changed


def _hours(value: str) -> list[int]:
    if value in NO:
        return []
    parts = [p.strip().removesuffix("h").strip() for p in value.split(",")]
    if (
        not parts
        or len(parts) > MAX_REMINDERS
        or not all(p.isdigit() and 1 <= int(p) <= MAX_REMINDER_HOURS for p in parts)
    ):
        raise GremiumError(
            "Reminders take up to {n} hour counts before the deadline, each between 1 and "
            "{most}, for example reminders=48,6; or reminders=no.",
            n=MAX_REMINDERS,
            most=MAX_REMINDER_HOURS,
        )
    return sorted({int(p) for p in parts}, reverse=True)


async def replan_reminders(session: AsyncSession, bd: BotData, group: Group) -> None:
    """Plan the reminders of the group's open polls by the new hours (sent ones stay sent)."""
    assert group.id is not None
    for poll in await repo.list_polls(session, group_ids={group.id}, statuses=(PollStatus.OPEN,)):
        assert poll.id is not None
        await tasks.cancel(session, kind=TaskKind.POLL_REMINDER, ref_id=poll.id)
        await schedule_poll_tasks(session, bd, poll, group)


async def settings_command(update: Update, context: Context) -> None:
    """Show the poll settings of one's groups, or change one group's."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    args = split_args(message.text or "")
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        lang = actor.lang
        if not args:
            groups = await managed_groups(session, actor)
            if not groups:
                raise GremiumError("Only coordinators and organisers can change poll settings.")
            header, lines = lang._("<b>Date poll settings</b>"), []
            for group in groups:
                lines += ["", *describe(lang, group)]
        else:
            group = await resolve_group(session, args[0])
            await require_group_manager(session, actor, group)
            header = lang._("<b>Date poll settings</b>")
            if args[1:]:
                if apply(group, args[1:]):
                    await replan_reminders(session, bd, group)
                session.add(group)
                header = lang._("Saved.")
            lines = ["", *describe(lang, group)]
    await replies.reply_lines(message, header, lines)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("settings", settings_command, filters=private))

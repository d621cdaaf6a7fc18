"""/announcements: the recent and scheduled announcements with their delivery counts, and a
button to cancel each scheduled one (the button is handled with the other announcement
buttons in :mod:`handlers.announcements.compose`)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from domain.errors import GremiumError
from handlers.announcements import texts as atexts
from handlers.announcements.compose import announceable_groups
from handlers.callback_data import AnnounceAction, AnnounceStep
from handlers.callbacks import encode
from handlers.common import Actor, group_zone, load_actor
from handlers.context import BotData, Context
from storage import announcements as repo
from storage import groups as group_repo
from storage import outbox
from storage.models import AnnouncementStatus, Group


async def announcements_command(update: Update, context: Context) -> None:
    """Recent and scheduled announcements with their delivery counts."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        groups = await announceable_groups(session, actor)
        if not groups:
            raise GremiumError("Only coordinators and organisers can send announcements.")
        lines, buttons = await _listing(session, bd, actor, groups)
    if not lines:
        await message.reply_text(actor.lang._("No announcements yet. /announce writes one."))
        return
    text = "\n".join([actor.lang._("<b>Announcements</b>"), "", *lines])
    await message.reply_text(text, reply_markup=InlineKeyboardMarkup(buttons) if buttons else None)


async def _listing(
    session: AsyncSession, bd: BotData, actor: Actor, groups: list[Group]
) -> tuple[list[str], list[list[InlineKeyboardButton]]]:
    """One line per recent announcement, and a Cancel button per scheduled one."""
    member = actor.require_member()
    ids = None if actor.is_admin else {g.id for g in groups if g.id is not None}
    items = await repo.list_recent(session, group_ids=ids, sender_id=member.id)
    names = {g.id: g.name for g in groups}
    lines: list[str] = []
    buttons: list[list[InlineKeyboardButton]] = []
    for item in items:
        assert item.id is not None
        counts = await outbox.counts_for_announcement(session, announcement_id=item.id)
        target = (
            names.get(item.group_id, "") if item.group_id else actor.lang._("All working groups")
        )
        group = await group_repo.get_group(session, group_id=item.group_id or 0)
        tz = group_zone(group, bd.timezone)
        lines.append(atexts.listing_line(actor.lang, item, target, counts, tz))
        if item.status == AnnouncementStatus.SCHEDULED:
            label = "✖️ " + actor.lang._("Cancel: {target}", target=target)
            data = encode(AnnounceAction(AnnounceStep.UNSCHEDULE, item.id))
            buttons.append([InlineKeyboardButton(label[:60], callback_data=data)])
    return lines, buttons


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("announcements", announcements_command, filters=private))

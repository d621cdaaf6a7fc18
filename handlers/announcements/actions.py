"""The announcement preview's buttons: Send, Schedule, Cancel, the urgent and pin switches."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update

from domain.errors import GremiumError
from domain.i18n import Lang
from handlers.announcements import texts as atexts
from handlers.announcements.compose import target_group
from handlers.announcements.keyboards import preview_keyboard
from handlers.announcements.release import release
from handlers.callback_data import AnnounceAction, AnnounceStep
from handlers.callbacks import decode
from handlers.common import Actor, load_actor
from handlers.context import BotData, Context
from storage import announcements as repo
from storage.models import Announcement, AnnouncementStatus


async def action_button(update: Update, context: Context) -> None:
    """Send, Schedule, Cancel, the urgent switch, and cancelling a scheduled announcement."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), AnnounceAction):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        draft = await repo.get_announcement(session, announcement_id=data.announcement_id)
        if draft is None:
            raise GremiumError("This button is no longer valid. Please use the newest message.")
        await _check_owner(session, actor, draft)
        await target_group(session, actor, draft.group_id)
        note, keep_buttons, released = await _apply(session, bd, actor, draft, data.step)
        has_chat = bool(await repo.linked_chats(session, group_id=draft.group_id))
    await query.answer(note)
    if keep_buttons and query.message is not None:
        await query.edit_message_reply_markup(
            reply_markup=preview_keyboard(actor.lang, draft, has_chat)
        )
    elif query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)
    if data.step == AnnounceStep.SCHEDULE and note:
        example = _example(actor.lang.code)
        await context.bot.send_message(actor.user.id, atexts.ask_for_time(actor.lang, example))
    if released:
        bd.dispatcher.wake()
        await bd.reports.post(data.announcement_id)


async def _check_owner(session: AsyncSession, actor: Actor, draft: Announcement) -> None:
    """Only the sender (or an organiser) may act on an announcement."""
    member = actor.require_member()
    if draft.sender_id != member.id and not actor.is_admin:
        raise GremiumError("This is someone else's announcement.")


async def _apply(
    session: AsyncSession, bd: BotData, actor: Actor, draft: Announcement, step: AnnounceStep
) -> tuple[str, bool, bool]:
    """Do what the button says; return (toast, keep the buttons, released)."""
    lang = actor.lang
    if step in (AnnounceStep.URGENT, AnnounceStep.PIN):
        if draft.status != AnnouncementStatus.PREVIEW:
            raise GremiumError("This announcement was already sent or cancelled.")
        note = _toggle(lang, draft, step)
        session.add(draft)
        return note, True, False
    if step not in _MOVES:
        raise GremiumError("This announcement was already sent or cancelled.")
    from_status, to_status = _MOVES[step]
    assert draft.id is not None
    if not await repo.transition(
        session, announcement_id=draft.id, from_status=from_status, to_status=to_status
    ):
        raise GremiumError("This announcement was already sent or cancelled.")
    if step == AnnounceStep.SEND:
        count = await release(session, bd, draft)
        note = lang.ngettext("Sending to {n} recipient.", "Sending to {n} recipients.", count)
        return note, False, True
    if step == AnnounceStep.SCHEDULE:
        return lang._("When should it go out?"), False, False
    return lang._("Cancelled. Nothing was sent."), False, False


def _toggle(lang: Lang, draft: Announcement, step: AnnounceStep) -> str:
    """Flip the urgent or the pin switch of a previewed announcement; the toast says how it is."""
    if step == AnnounceStep.URGENT:
        draft.urgent = not draft.urgent
        return lang._("Urgent: on") if draft.urgent else lang._("Urgent: off")
    draft.pin = not draft.pin
    return lang._("Pin in group chat: on") if draft.pin else lang._("Pin in group chat: off")


#: The buttons that move an announcement on: the states it may be in, and the one it reaches.
_MOVES: dict[AnnounceStep, tuple[tuple[AnnouncementStatus, ...], AnnouncementStatus]] = {
    AnnounceStep.SEND: ((AnnouncementStatus.PREVIEW,), AnnouncementStatus.SENDING),
    AnnounceStep.SCHEDULE: ((AnnouncementStatus.PREVIEW,), AnnouncementStatus.AWAITING_TIME),
    AnnounceStep.CANCEL: (
        (*repo.UNFINISHED, AnnouncementStatus.SCHEDULED),
        AnnouncementStatus.CANCELLED,
    ),
    AnnounceStep.UNSCHEDULE: (
        (*repo.UNFINISHED, AnnouncementStatus.SCHEDULED),
        AnnouncementStatus.CANCELLED,
    ),
}


def _example(lang: str) -> str:
    return "24.12. 09:00, morgen 9:00" if lang == "de" else "24.12. 09:00, tomorrow 9am"

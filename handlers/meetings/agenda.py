"""A meeting's agenda: /agenda and the coordinators' buttons to accept, reorder, edit, drop and
add items and to set when proposals close (members propose through :mod:`.proposals`)."""

from __future__ import annotations

from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from domain.errors import GremiumError
from domain.record import require_room_on_agenda
from domain.splitting import split_message
from handlers.callback_data import AgendaItemAction, AgendaItemStep, AgendaManage, AgendaStep
from handlers.callbacks import decode
from handlers.common import (
    Actor,
    load_actor,
    require_group_manager,
    resolve_group,
)
from handlers.context import BotData, Context
from handlers.meetings.agenda_views import manage_view, member_view
from handlers.meetings.lookup import member_group, scheduled_meeting
from handlers.meetings.proposals import proposal_prompt
from storage import record as repo
from storage.inputs import clear_pending_inputs
from storage.models import Group, Meeting
from storage.record_models import ITEM_LIMIT, AgendaItem, AgendaStatus, RecordStep

#: How many days before a meeting proposals may close at most.
MAX_CLOSE_DAYS = 30


async def agenda_command(update: Update, context: Context) -> None:
    """/agenda [group]: the next meeting's agenda; coordinators get it with its buttons."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        text, markup = await _next_agenda(session, bd, actor, context.args)
    pieces = split_message(text)  # a long agenda goes out in parts, the buttons under the last
    for piece in pieces[:-1]:
        await message.reply_text(piece)
    await message.reply_text(pieces[-1], reply_markup=markup)


async def _next_agenda(
    session: AsyncSession, bd: BotData, actor: Actor, args: list[str] | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The agenda of the group's next meeting, as the actor may see and handle it."""
    group = await _agenda_group(session, actor, args)
    assert group.id is not None
    meetings = await repo.meetings_of_group(session, group_id=group.id, since=bd.clock.now())
    if not meetings:
        raise GremiumError("No meeting of {group} is planned.", group=group.name)
    meeting = meetings[0]
    if await _manages(session, actor, group):
        return await manage_view(session, bd, actor.lang, meeting, group)
    return await member_view(session, bd, actor.lang, meeting, group)


async def _agenda_group(session: AsyncSession, actor: Actor, args: list[str] | None) -> Group:
    """Coordinators and organisers may name any group they run; members one of theirs."""
    if args and actor.is_admin:
        return await resolve_group(session, " ".join(args))
    return await member_group(session, actor, args, "/agenda")


async def _manages(session: AsyncSession, actor: Actor, group: Group) -> bool:
    """Whether the actor may manage the group's agenda."""
    try:
        await require_group_manager(session, actor, group)
    except GremiumError:
        return False
    return True


async def agenda_button(update: Update, context: Context) -> None:
    """Propose (members), or open / add / set the closing time (coordinators)."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), AgendaManage):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        reply, markup = await _agenda_step(session, bd, actor, data)
    await query.answer()
    await context.bot.send_message(query.from_user.id, reply, reply_markup=markup)


async def _agenda_step(
    session: AsyncSession, bd: BotData, actor: Actor, data: AgendaManage
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Do what an agenda button asks; the reply and its buttons."""
    member = actor.require_member()
    meeting, group = await scheduled_meeting(session, data.meeting_id)
    assert member.id is not None and meeting.id is not None and group.id is not None
    if data.step == AgendaStep.PROPOSE:
        prompt = await proposal_prompt(session, bd, actor, meeting, group)
        await _expect(session, bd, member.id, RecordStep.PROPOSE, meeting.id)
        return prompt, None
    await require_group_manager(session, actor, group)
    if data.step == AgendaStep.VIEW:
        return await manage_view(session, bd, actor.lang, meeting, group)
    step = RecordStep.AGENDA_ADD if data.step == AgendaStep.ADD else RecordStep.CLOSE_DAYS
    if step == RecordStep.AGENDA_ADD:
        entries = await repo.entry_count(session, meeting_id=meeting.id)
        require_room_on_agenda(entries, coordinator=True)
    await _expect(session, bd, member.id, step, meeting.id)
    return _PROMPTS[step](actor.lang, group), None


async def _expect(
    session: AsyncSession, bd: BotData, member_id: int, step: RecordStep, ref_id: int
) -> None:
    """The member's next message answers ``step``; any other waiting input is dropped."""
    await clear_pending_inputs(session, member_id=member_id)
    await repo.expect(session, member_id=member_id, step=step, ref_id=ref_id, now=bd.clock.now())


_PROMPTS = {
    RecordStep.AGENDA_ADD: lambda lang, group: lang._(
        "Send the item for the agenda (one message, at most {limit} characters).", limit=ITEM_LIMIT
    ),
    RecordStep.CLOSE_DAYS: lambda lang, group: lang._(
        "How many days before a meeting of {group} shall proposals close? Send a number from 0 "
        "to {most} (now: {days}).",
        group=escape(group.name),
        most=MAX_CLOSE_DAYS,
        days=group.agenda_close_days,
    ),
}


async def item_button(update: Update, context: Context) -> None:
    """A coordinator accepts, moves, edits or drops an item."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), AgendaItemAction):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        meeting, group, item = await _managed_item(session, actor, data.item_id)
        prompt = await _act(session, bd, actor, item, data.step)
        text, markup = await manage_view(session, bd, actor.lang, meeting, group)
    await query.answer()
    if prompt is not None:
        await context.bot.send_message(query.from_user.id, prompt)
    else:
        await query.edit_message_text(text, reply_markup=markup)


async def _managed_item(
    session: AsyncSession, actor: Actor, item_id: int
) -> tuple[Meeting, Group, AgendaItem]:
    """An item of a scheduled meeting whose group the actor manages."""
    item = await repo.get_agenda_item(session, item_id=item_id)
    if item is None:
        raise GremiumError("This item is gone.")
    meeting, group = await scheduled_meeting(session, item.meeting_id)
    await require_group_manager(session, actor, group)
    return meeting, group, item


async def _act(
    session: AsyncSession, bd: BotData, actor: Actor, item: AgendaItem, step: AgendaItemStep
) -> str | None:
    """Do what the button says; a prompt if the coordinator is to type something."""
    now = bd.clock.now()
    if item.status == AgendaStatus.DROPPED:
        raise GremiumError("This item is gone.")
    if step == AgendaItemStep.ACCEPT and item.status == AgendaStatus.PROPOSED:
        await repo.accept(session, item=item, now=now)
    elif step in (AgendaItemStep.UP, AgendaItemStep.DOWN):
        if item.status == AgendaStatus.ACCEPTED:
            await repo.move(session, item=item, up=step == AgendaItemStep.UP, now=now)
    elif step == AgendaItemStep.DROP:
        item.status, item.updated_at = AgendaStatus.DROPPED, now
        session.add(item)
    elif step == AgendaItemStep.EDIT:
        member = actor.require_member()
        assert member.id is not None and item.id is not None
        await _expect(session, bd, member.id, RecordStep.AGENDA_EDIT, item.id)
        return actor.lang._(
            "Send the new wording (at most {limit} characters). Now it reads:\n{text}",
            limit=ITEM_LIMIT,
            text=escape(item.text),
        )
    return None


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("agenda", agenda_command, filters=private))

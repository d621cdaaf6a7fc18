"""A meeting's agenda: members propose items (a button on the notice, or /agenda), coordinators
accept, reorder, edit, drop and add; proposals close some days before the meeting."""

from __future__ import annotations

from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from domain.errors import GremiumError
from domain.i18n import Lang
from domain.record import proposals_close_at, proposals_open
from domain.splitting import split_message
from handlers.callback_data import AgendaItemAction, AgendaItemStep, AgendaManage, AgendaStep
from handlers.callbacks import decode, encode
from handlers.common import (
    Actor,
    group_zone,
    load_actor,
    require_group_manager,
    resolve_group,
)
from handlers.context import BotData, Context
from handlers.meetings.lookup import (
    member_group,
    message_parts,
    require_member_of,
    scheduled_meeting,
)
from handlers.meetings.record_texts import agenda_message
from handlers.meetings.texts import meeting_when
from handlers.notices import queue_message, text_part
from storage import groups as group_repo
from storage import record as repo
from storage import tasks
from storage.inputs import clear_pending_inputs
from storage.models import Group, Meeting, MeetingStatus, TaskKind
from storage.record_models import ITEM_LIMIT, AgendaItem, AgendaStatus, RecordInput, RecordStep

#: How many days before a meeting proposals may close at most.
MAX_CLOSE_DAYS = 30


async def agenda_command(update: Update, context: Context) -> None:
    """/agenda [group]: the next meeting's agenda; coordinators get it with its buttons."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        group = await _agenda_group(session, actor, context.args)
        assert group.id is not None
        meetings = await repo.meetings_of_group(session, group_id=group.id, since=bd.clock.now())
        if not meetings:
            raise GremiumError("No meeting of {group} is planned.", group=group.name)
        meeting = meetings[0]
        markup: InlineKeyboardMarkup | None
        if await _manages(session, actor, group):
            text, markup = await manage_view(session, bd, actor.lang, meeting, group)
        else:
            text, markup = await member_view(session, bd, actor.lang, meeting, group)
    pieces = split_message(text)  # a long agenda goes out in parts, the buttons under the last
    for piece in pieces[:-1]:
        await message.reply_text(piece)
    await message.reply_text(pieces[-1], reply_markup=markup)


async def _agenda_group(session: AsyncSession, actor: Actor, args: list[str] | None) -> Group:
    """Coordinators and organisers may name any group they run; members one of theirs."""
    if args and actor.is_admin:
        return await resolve_group(session, " ".join(args))
    return await member_group(session, actor, args, "/agenda")


async def _manages(session: AsyncSession, actor: Actor, group: Group) -> bool:
    try:
        await require_group_manager(session, actor, group)
    except GremiumError:
        return False
    return True


async def member_view(
    session: AsyncSession, bd: BotData, lang: Lang, meeting: Meeting, group: Group
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The agenda as a member sees it, with the proposal button while proposals are open."""
    assert meeting.id is not None
    data = await repo.load_agenda(session, meeting=meeting)
    tz = group_zone(group, bd.timezone)
    text = agenda_message(lang, group, meeting, tz, data.items, data.actions, data.owners)
    now = bd.clock.now()
    if not proposals_open(meeting.starts_at, group.agenda_close_days, now=now):
        return text + "\n\n" + lang._("Proposals for this meeting are closed."), None
    closes = proposals_close_at(meeting.starts_at, group.agenda_close_days)
    text += "\n\n" + lang._("You can propose items until {when}.", when=lang.when(closes, tz))
    button = InlineKeyboardButton(
        "📝 " + lang._("Propose an agenda item"),
        callback_data=encode(AgendaManage(AgendaStep.PROPOSE, meeting.id)),
    )
    return text, InlineKeyboardMarkup([[button]])


async def manage_view(
    session: AsyncSession, bd: BotData, lang: Lang, meeting: Meeting, group: Group
) -> tuple[str, InlineKeyboardMarkup]:
    """The agenda with the proposals and a coordinator's buttons."""
    assert meeting.id is not None
    data = await repo.load_agenda(session, meeting=meeting)
    waiting = await repo.proposals(session, meeting_id=meeting.id)
    authors = await repo.members_by_id(
        session, ids={p.author_id for p in waiting if p.author_id is not None}
    )
    tz = group_zone(group, bd.timezone)
    lines = [agenda_message(lang, group, meeting, tz, data.items, data.actions, data.owners)]
    if waiting:
        lines += ["", "<b>" + lang._("Proposals:") + "</b>"]
        for letter, item in zip(_LETTERS, waiting, strict=False):
            author = authors.get(item.author_id or 0)
            by = f" ({escape(author.display_name)})" if author else ""
            lines.append(f"{letter}. {escape(item.text)}{by}")
    closes = proposals_close_at(meeting.starts_at, group.agenda_close_days)
    lines += ["", lang._("Proposals close on {when}.", when=lang.when(closes, tz))]
    rows = [_item_row(str(n), item, accepted=True) for n, item in enumerate(data.items, 1)]
    rows += [
        _item_row(letter, item, accepted=False)
        for letter, item in zip(_LETTERS, waiting, strict=False)
    ]
    rows.append(
        [
            InlineKeyboardButton(
                "➕ " + lang._("Add item"),
                callback_data=encode(AgendaManage(AgendaStep.ADD, meeting.id)),
            ),
            InlineKeyboardButton(
                "⏳ " + lang._("Closing time"),
                callback_data=encode(AgendaManage(AgendaStep.CLOSE_DAYS, meeting.id)),
            ),
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _item_row(label: str, item: AgendaItem, *, accepted: bool) -> list[InlineKeyboardButton]:
    assert item.id is not None
    steps: list[tuple[str, AgendaItemStep]] = (
        [("⬆️", AgendaItemStep.UP), ("⬇️", AgendaItemStep.DOWN)]
        if accepted
        else [("✅", AgendaItemStep.ACCEPT)]
    )
    steps += [("✏️", AgendaItemStep.EDIT), ("✖️", AgendaItemStep.DROP)]
    return [
        InlineKeyboardButton(
            f"{label} {mark}", callback_data=encode(AgendaItemAction(step, item.id))
        )
        for mark, step in steps
    ]


async def agenda_button(update: Update, context: Context) -> None:
    """Propose (members), or open / add / set the closing time (coordinators)."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), AgendaManage):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        member = actor.require_member()
        meeting, group = await scheduled_meeting(session, data.meeting_id)
        assert member.id is not None and meeting.id is not None and group.id is not None
        markup = None
        if data.step == AgendaStep.PROPOSE:
            reply = await _start_proposal(session, bd, actor, meeting, group)
        else:
            await require_group_manager(session, actor, group)
            if data.step == AgendaStep.VIEW:
                reply, markup = await manage_view(session, bd, actor.lang, meeting, group)
            else:
                step = (
                    RecordStep.AGENDA_ADD if data.step == AgendaStep.ADD else RecordStep.CLOSE_DAYS
                )
                await _expect(session, bd, member.id, step, meeting.id)
                reply = _PROMPTS[step](actor.lang, group)
    await query.answer()
    await context.bot.send_message(query.from_user.id, reply, reply_markup=markup)


async def _expect(
    session: AsyncSession, bd: BotData, member_id: int, step: RecordStep, ref_id: int
) -> None:
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


async def _start_proposal(
    session: AsyncSession, bd: BotData, actor: Actor, meeting: Meeting, group: Group
) -> str:
    member = actor.require_member()
    await require_member_of(session, member, group)
    if not proposals_open(meeting.starts_at, group.agenda_close_days, now=bd.clock.now()):
        raise GremiumError("Proposals for this meeting are closed.")
    assert member.id is not None and meeting.id is not None
    await _expect(session, bd, member.id, RecordStep.PROPOSE, meeting.id)
    tz = group_zone(group, bd.timezone)
    return actor.lang._(
        "What shall {group} discuss on {when}? Send your item as one message, at most {limit} "
        "characters.",
        group=escape(group.name),
        when=meeting_when(actor.lang, meeting, tz),
        limit=ITEM_LIMIT,
    )


async def item_button(update: Update, context: Context) -> None:
    """A coordinator accepts, moves, edits or drops an item."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), AgendaItemAction):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        item = await repo.get_agenda_item(session, item_id=data.item_id)
        if item is None:
            raise GremiumError("This item is gone.")
        meeting, group = await scheduled_meeting(session, item.meeting_id)
        await require_group_manager(session, actor, group)
        prompt = await _act(session, bd, actor, item, data.step)
        text, markup = await manage_view(session, bd, actor.lang, meeting, group)
    await query.answer()
    if prompt is not None:
        await context.bot.send_message(query.from_user.id, prompt)
    else:
        await query.edit_message_text(text, reply_markup=markup)


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


def item_text(text: str) -> str:
    """An agenda item as typed: one text, at most ``ITEM_LIMIT`` characters."""
    text = text.strip()
    if not text:
        raise GremiumError("Please send the item as text.")
    if len(text) > ITEM_LIMIT:
        raise GremiumError(
            "That is {length} characters; an item may have at most {limit}. Please shorten it.",
            length=len(text),
            limit=ITEM_LIMIT,
        )
    return text


async def take_text(
    session: AsyncSession, bd: BotData, actor: Actor, pending: RecordInput, text: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The member typed what an agenda dialogue waits for."""
    member = actor.require_member()
    assert member.id is not None
    now = bd.clock.now()
    if pending.step == RecordStep.CLOSE_DAYS:
        return await _take_close_days(session, bd, actor, pending, text), None
    if pending.step == RecordStep.AGENDA_EDIT:
        item = await repo.get_agenda_item(session, item_id=pending.ref_id)
        if item is None:
            raise GremiumError("This item is gone.")
        meeting, group = await scheduled_meeting(session, item.meeting_id)
        await require_group_manager(session, actor, group)
        item.text, item.updated_at = item_text(text), now
        session.add(item)
        await repo.stop_expecting(session, member_id=member.id)
        return await manage_view(session, bd, actor.lang, meeting, group)
    meeting, group = await scheduled_meeting(session, pending.ref_id)
    assert meeting.id is not None
    if pending.step == RecordStep.AGENDA_ADD:
        await require_group_manager(session, actor, group)
        await repo.add_agenda_item(
            session,
            meeting_id=meeting.id,
            author_id=member.id,
            text=item_text(text),
            accepted=True,
            now=now,
        )
        await repo.stop_expecting(session, member_id=member.id)
        return await manage_view(session, bd, actor.lang, meeting, group)
    await require_member_of(session, member, group)
    if not proposals_open(meeting.starts_at, group.agenda_close_days, now=now):
        await repo.stop_expecting(session, member_id=member.id)
        return actor.lang._("Proposals for this meeting are closed."), None
    item = await repo.add_agenda_item(
        session,
        meeting_id=meeting.id,
        author_id=member.id,
        text=item_text(text),
        accepted=False,
        now=now,
    )
    await repo.stop_expecting(session, member_id=member.id)
    await _tell_coordinators(session, bd, actor, meeting, group, item)
    return actor.lang._("Thank you! The coordinators will look at your proposal."), None


async def _tell_coordinators(
    session: AsyncSession,
    bd: BotData,
    actor: Actor,
    meeting: Meeting,
    group: Group,
    item: AgendaItem,
) -> None:
    assert group.id is not None and meeting.id is not None and item.id is not None
    tz = group_zone(group, bd.timezone)
    for coordinator in await group_repo.list_coordinators(session, group_id=group.id):
        if coordinator.unreachable_since is not None:
            continue
        lang = bd.translator.get(coordinator.language)
        text = lang._(
            "📝 New agenda proposal for <b>{group}</b> ({when}) from {name}:\n{text}",
            group=escape(group.name),
            when=meeting_when(lang, meeting, tz),
            name=escape(actor.member.display_name if actor.member else ""),
            text=escape(item.text),
        )
        button = InlineKeyboardButton(
            "📋 " + lang._("Open the agenda"),
            callback_data=encode(AgendaManage(AgendaStep.VIEW, meeting.id)),
        )
        await queue_message(
            session,
            bd,
            key=f"ap{item.id}:{coordinator.telegram_id}",
            kind="agenda_proposal",
            chat_id=coordinator.telegram_id,
            member_id=coordinator.id,
            payload=[text_part(text, InlineKeyboardMarkup([[button]]))],
            group=group,
        )


async def _take_close_days(
    session: AsyncSession, bd: BotData, actor: Actor, pending: RecordInput, text: str
) -> str:
    _, group = await scheduled_meeting(session, pending.ref_id)
    await require_group_manager(session, actor, group)
    text = text.strip()
    if not (text.isascii() and text.isdigit() and int(text) <= MAX_CLOSE_DAYS):
        raise GremiumError("Please send a number from 0 to {most}.", most=MAX_CLOSE_DAYS)
    group.agenda_close_days = int(text)
    session.add(group)
    member = actor.require_member()
    assert member.id is not None and group.id is not None
    await repo.stop_expecting(session, member_id=member.id)
    for upcoming in await repo.meetings_of_group(session, group_id=group.id, since=bd.clock.now()):
        await schedule_proposal_close(session, bd, upcoming, group)
    return actor.lang.ngettext(
        "Proposals now close {n} day before each meeting of {group}.",
        "Proposals now close {n} days before each meeting of {group}.",
        group.agenda_close_days,
        group=escape(group.name),
    )


async def schedule_proposal_close(
    session: AsyncSession, bd: BotData, meeting: Meeting, group: Group
) -> None:
    """The coordinators hear when proposals close (a due task; a moved meeting moves it)."""
    assert meeting.id is not None
    await tasks.cancel(session, kind=TaskKind.AGENDA_CLOSE, ref_id=meeting.id)
    due = proposals_close_at(meeting.starts_at, group.agenda_close_days)
    if due > bd.clock.now():
        await tasks.schedule(session, kind=TaskKind.AGENDA_CLOSE, ref_id=meeting.id, due_at=due)


async def proposals_closed(session: AsyncSession, bd: BotData, meeting: Meeting) -> int:
    """Proposals have closed: the coordinators get the agenda with what waits for them."""
    if meeting.status != MeetingStatus.SCHEDULED:
        return 0
    group = await group_repo.get_group(session, group_id=meeting.group_id)
    assert group is not None and group.id is not None and meeting.id is not None
    waiting = len(await repo.proposals(session, meeting_id=meeting.id))
    count = 0
    for coordinator in await group_repo.list_coordinators(session, group_id=group.id):
        if coordinator.unreachable_since is not None:
            continue
        lang = bd.translator.get(coordinator.language)
        head = lang.ngettext(
            "⏳ Proposals for <b>{group}</b> are closed; {n} waits for your decision.",
            "⏳ Proposals for <b>{group}</b> are closed; {n} wait for your decision.",
            waiting,
            group=escape(group.name),
        )
        text, markup = await manage_view(session, bd, lang, meeting, group)
        count += await queue_message(
            session,
            bd,
            key=f"ac{meeting.id}:{coordinator.telegram_id}",
            kind="agenda_closed",
            chat_id=coordinator.telegram_id,
            member_id=coordinator.id,
            payload=message_parts(head + "\n\n" + text, markup),
            group=group,
        )
    return count


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("agenda", agenda_command, filters=private))

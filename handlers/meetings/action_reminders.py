"""Action items after they are recorded: the responsible person hears of them, is reminded
before they are due, and marks them done with one tap."""

from __future__ import annotations

from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from domain.errors import GremiumError
from domain.i18n import Lang
from domain.record import action_reminder_times
from handlers.callback_data import ActionDone
from handlers.callbacks import decode, encode
from handlers.common import Actor, group_zone, load_actor, require_group_manager
from handlers.context import BotData, Context
from handlers.notices import queue_message, text_part
from storage import groups as group_repo
from storage import record as repo
from storage import tasks
from storage.models import DueTask, Group, TaskKind
from storage.record_models import ActionItem


async def schedule_reminders(
    session: AsyncSession, bd: BotData, action: ActionItem, group: Group
) -> None:
    """Due tasks that remind the person responsible before the item is due."""
    assert action.id is not None
    tz = group_zone(group, bd.timezone)
    for due in action_reminder_times(action.due_on, now=bd.clock.now(), tz=tz):
        await tasks.schedule(session, kind=TaskKind.ACTION_REMINDER, ref_id=action.id, due_at=due)


def _done_keyboard(lang: Lang, action: ActionItem) -> InlineKeyboardMarkup:
    """The one-tap "done" button under an action item."""
    assert action.id is not None
    label = "✅ " + lang._("Done")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=encode(ActionDone(action.id)))]]
    )


def _owner_text(lang: Lang, action: ActionItem, group: Group, tag: str) -> str:
    """What the person responsible reads: a new item (``tag`` "new") or a reminder."""
    what, day = escape(action.text), lang.day(action.due_on)
    if tag == "new":
        return lang._(
            "✅ <b>{group}</b>: you took on an action item, due on {day}:\n{what}\n\n"
            "Tap “Done” when it is done.",
            group=escape(group.name),
            day=day,
            what=what,
        )
    return lang._(
        "⏰ Reminder: <b>{group}</b> counts on you for this, due on {day}:\n{what}",
        group=escape(group.name),
        day=day,
        what=what,
    )


async def tell_owner(
    session: AsyncSession, bd: BotData, action: ActionItem, group: Group, tag: str
) -> int:
    """The person responsible hears of the item (``tag`` "new") or is reminded."""
    owners = await repo.members_by_id(session, ids={action.assignee_id or 0})
    owner = owners.get(action.assignee_id or 0)
    if owner is None or owner.unreachable_since is not None or action.done_at is not None:
        return 0
    lang = bd.translator.get(owner.language)
    text = _owner_text(lang, action, group, tag)
    return int(
        await queue_message(
            session,
            bd,
            key=f"ai{action.id}:{tag}:{owner.telegram_id}",
            kind="action_item",
            chat_id=owner.telegram_id,
            member_id=owner.id,
            payload=[text_part(text, _done_keyboard(lang, action))],
            quiet=tag == "new",
            group=group,
        )
    )


async def remind_action(session: AsyncSession, bd: BotData, task: DueTask) -> None:
    """Due task: remind the person responsible, unless the item is done."""
    action = await repo.get_action(session, action_id=task.ref_id)
    if action is None or action.done_at is not None:
        return
    group = await group_repo.get_group(session, group_id=action.group_id)
    assert group is not None
    await tell_owner(session, bd, action, group, f"t{task.id}")


async def done_button(update: Update, context: Context) -> None:
    """The person responsible (or a coordinator) marks an action item done."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), ActionDone):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        action = await _mark_done(session, bd, actor, data.action_id)
        text = actor.lang._("✅ Done: {what}", what=escape(action.text))
    await query.answer(actor.lang._("Thank you!"))
    if isinstance(query.message, Message) and query.message.text:
        await query.edit_message_text(text)


async def _mark_done(
    session: AsyncSession, bd: BotData, actor: Actor, action_id: int
) -> ActionItem:
    """Mark the item done (once) and cancel its reminders; only its owner or a manager may."""
    member = actor.require_member()
    action = await repo.get_action(session, action_id=action_id)
    if action is None:
        raise GremiumError("This item is gone.")
    group = await group_repo.get_group(session, group_id=action.group_id)
    assert group is not None and action.id is not None
    if action.assignee_id != member.id:
        await require_group_manager(session, actor, group)
    if action.done_at is None:
        action.done_at = bd.clock.now()
        session.add(action)
        await tasks.cancel(session, kind=TaskKind.ACTION_REMINDER, ref_id=action.id)
    return action

"""Joining and leaving groups: /groups with toggle buttons, /join, /leave, /mygroups."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from domain.errors import GremiumError
from handlers import keyboards, texts
from handlers.callback_data import ToggleMembership
from handlers.callbacks import decode
from handlers.common import Actor, load_actor, resolve_group
from handlers.context import BotData, Context
from handlers.polls.flow import invite
from storage import groups as group_repo
from storage import polls as poll_repo
from storage.models import Group, PollStatus


async def groups_view(session: AsyncSession, actor: Actor) -> tuple[str, InlineKeyboardMarkup]:
    """The /groups text and its join/leave buttons for this member."""
    summaries = await group_repo.list_active_groups(session)
    joined: set[int] = set()
    if actor.member is not None and actor.member.id is not None:
        rows = await group_repo.list_memberships_of_member(session, member_id=actor.member.id)
        joined = {g.id for g, _ in rows if g.id is not None}
    return (
        texts.group_list(actor.lang, summaries, joined),
        keyboards.group_toggles(actor.lang, summaries, joined),
    )


async def join(session: AsyncSession, bd: BotData, actor: Actor, group: Group) -> bool:
    """Add the member to the group and send them its open polls; False if already in it."""
    member = actor.require_member()
    assert member.id is not None
    assert group.id is not None
    if await group_repo.get_membership(session, member_id=member.id, group_id=group.id):
        return False
    await group_repo.add_membership(
        session, member_id=member.id, group_id=group.id, now=bd.clock.now()
    )
    for poll in await poll_repo.list_polls(
        session, group_ids={group.id}, statuses=(PollStatus.OPEN,)
    ):
        await invite(session, bd, poll, group, member)
    return True


async def leave(session: AsyncSession, actor: Actor, group: Group, now: datetime) -> bool:
    """Remove the member from the group; False if they were not in it."""
    member = actor.require_member()
    assert member.id is not None
    assert group.id is not None
    membership = await group_repo.get_membership(session, member_id=member.id, group_id=group.id)
    if membership is None:
        return False
    await group_repo.remove_membership(session, membership=membership, now=now)
    return True


async def join_group_text(session: AsyncSession, bd: BotData, actor: Actor, slug: str) -> str:
    """Join the group of a deep link and say what happened."""
    group = await group_repo.get_group_by_slug(session, slug=slug)
    if group is None or group.archived_at is not None:
        return actor.lang._(
            "The group of this link does not exist any more. /groups shows the current ones."
        )
    if await join(session, bd, actor, group):
        return texts.joined(actor.lang, group)
    return texts.already_member(actor.lang, group)


async def groups_command(update: Update, context: Context) -> None:
    """List the groups with a join/leave button each."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        actor.require_member()
        text, markup = await groups_view(session, actor)
    await message.reply_text(text, reply_markup=markup)


async def join_command(update: Update, context: Context) -> None:
    """Join a group by slug or name; without one, show the list."""
    if not context.args:
        await groups_command(update, context)
        return
    await _join_or_leave(update, context, joining=True)


async def leave_command(update: Update, context: Context) -> None:
    """Leave a group by slug or name; without one, show the list."""
    if not context.args:
        await groups_command(update, context)
        return
    await _join_or_leave(update, context, joining=False)


async def _join_or_leave(update: Update, context: Context, *, joining: bool) -> None:
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        actor.require_member()
        group = await resolve_group(session, " ".join(context.args or []))
        if joining:
            changed = await join(session, bd, actor, group)
            text = (texts.joined if changed else texts.already_member)(actor.lang, group)
        else:
            changed = await leave(session, actor, group, bd.clock.now())
            text = (texts.left if changed else texts.not_member)(actor.lang, group)
    await message.reply_text(text)


async def mygroups_command(update: Update, context: Context) -> None:
    """List the member's groups and roles."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        member = actor.require_member()
        assert member.id is not None
        rows = await group_repo.list_memberships_of_member(session, member_id=member.id)
    await message.reply_text(texts.my_groups(actor.lang, rows))


async def toggle_button(update: Update, context: Context) -> None:
    """Join or leave the pressed group and redraw the list in place."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), ToggleMembership):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        actor.require_member()
        group = await group_repo.get_group(session, group_id=data.group_id)
        if group is None or group.archived_at is not None:
            raise GremiumError(
                "This group does not exist any more. /groups shows the current ones."
            )
        # The button says what to do, so a stale list never undoes what the member meant.
        if data.join:
            done = await join(session, bd, actor, group)
            note = (texts.joined if done else texts.already_member)(actor.lang, group)
        else:
            done = await leave(session, actor, group, bd.clock.now())
            note = (texts.left if done else texts.not_member)(actor.lang, group)
        text, markup = await groups_view(session, actor)
    await query.answer(texts.plain(note))
    await query.edit_message_text(text, reply_markup=markup)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("groups", groups_command, filters=private))
    app.add_handler(CommandHandler("join", join_command, filters=private))
    app.add_handler(CommandHandler("leave", leave_command, filters=private))
    # /mygroups also in a group chat (PTB ignores /mygroups@another_bot there by itself).
    app.add_handler(
        CommandHandler("mygroups", mygroups_command, filters=filters.UpdateType.MESSAGE)
    )

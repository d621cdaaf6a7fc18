"""Organiser commands: create, rename and archive groups, appoint coordinators, list members."""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Message, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CommandHandler, filters

from domain.errors import GremiumError
from domain.slugs import MAX_SLUG, is_slug, slugify
from handlers import keyboards, menus, replies, texts
from handlers.callback_data import ArchiveGroup
from handlers.callbacks import decode
from handlers.common import Actor, load_actor, require_admin, require_group_manager, resolve_group
from handlers.context import Context
from handlers.meetings.flow import replan
from storage import groups as group_repo
from storage import members as member_repo
from storage.models import Group, Member, Role

log = logging.getLogger(__name__)
MAX_NAME = 100


def _command_text(message: Message) -> str:
    """The text after the command, with its line breaks kept."""
    text = message.text or ""
    return text.split(maxsplit=1)[1].strip() if len(text.split(maxsplit=1)) > 1 else ""


def parse_new_group(text: str) -> tuple[str, str]:
    """``Name`` or ``Name | slug`` to a checked (name, slug)."""
    name, _, slug = (part.strip() for part in text.partition("|"))
    name = " ".join(name.split())
    if not name:
        raise GremiumError("Please give the new group a name: /newgroup Name of the group")
    if len(name) > MAX_NAME:
        raise GremiumError("A group name can have at most {limit} characters.", limit=MAX_NAME)
    slug = slug.lower() if slug else slugify(name)
    if not is_slug(slug):
        raise GremiumError(
            "Please add a short name of up to {limit} letters a-z, digits and dashes: "
            "/newgroup {name} | short-name",
            limit=MAX_SLUG,
            name=name,
        )
    return name, slug


async def newgroup_command(update: Update, context: Context) -> None:
    """Create a group and show its join link."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        require_admin(actor)
        name, slug = parse_new_group(_command_text(message))
        if await group_repo.get_group_by_slug(session, slug=slug) is not None:
            raise GremiumError(
                "A group with the short name {slug} exists already. Choose another one: "
                "/newgroup {name} | other-name",
                slug=slug,
                name=name,
            )
        group = await group_repo.create_group(
            session, slug=slug, name=name, timezone=bd.timezone.key, now=bd.clock.now()
        )
    link = f"https://t.me/{context.bot.username}?start=join-{group.slug}"
    await message.reply_text(
        actor.lang._(
            "Created the group {group}. Members join with /join {slug} or with this link:\n{link}",
            group=escape(group.name),
            slug=group.slug,
            link=link,
        )
    )


async def renamegroup_command(update: Update, context: Context) -> None:
    """Rename a group: /renamegroup <group> <new name>."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    args = context.args or []
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        require_admin(actor)
        if len(args) < 2:
            raise GremiumError("Write the group and its new name: /renamegroup bildung New name")
        group = await resolve_group(session, args[0])
        name = " ".join(args[1:])
        if len(name) > MAX_NAME:
            raise GremiumError("A group name can have at most {limit} characters.", limit=MAX_NAME)
        old, group.name = group.name, name
        session.add(group)
    await message.reply_text(
        actor.lang._("Renamed {old} to {new}.", old=escape(old), new=escape(name))
    )


async def archivegroup_command(update: Update, context: Context) -> None:
    """Ask for confirmation before archiving a group."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        require_admin(actor)
        group = await resolve_group(session, " ".join(context.args or []))
        assert group.id is not None
        count = await group_repo.count_members(session, group_id=group.id)
    question = actor.lang.ngettext(
        "Archive {group}? Its {n} member will no longer see it; its history is kept.",
        "Archive {group}? Its {n} members will no longer see it; its history is kept.",
        count,
        group=escape(group.name),
    )
    await message.reply_text(question, reply_markup=keyboards.confirm_archive(actor.lang, group))


async def archive_button(update: Update, context: Context) -> None:
    """Archive the group after the organiser confirmed."""
    query = update.callback_query
    if query is None or not isinstance(data := decode(query.data), ArchiveGroup):
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, query.from_user)
        require_admin(actor)
        group = await group_repo.get_group(session, group_id=data.group_id)
        if group is None:
            raise GremiumError(
                "This group does not exist any more. /groups shows the current ones."
            )
        if group.archived_at is None:
            group.archived_at = bd.clock.now()
            session.add(group)
            await replan(session, bd, group)  # an archived group's planned steps are cancelled
            text = actor.lang._(
                "{group} is archived. Its history is kept.", group=escape(group.name)
            )
        else:
            text = actor.lang._("{group} was already archived.", group=escape(group.name))
    await query.answer()
    await query.edit_message_text(text)


async def dismiss_button(update: Update, context: Context) -> None:
    """Close a question: remove its buttons."""
    if (query := update.callback_query) is None:
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)


async def _find_person(session: AsyncSession, message: Message, query: str) -> Member:
    """The member named by @username, id or name, or by the replied-to message."""
    reply = message.reply_to_message
    if not query and reply is not None and reply.from_user is not None:
        found = await member_repo.get_member_by_telegram_id(
            session, telegram_id=reply.from_user.id
        )
        if found is None:
            raise GremiumError("That person has not started the bot yet.")
        return found
    if not query:
        raise GremiumError(
            "Name the person by @username, Telegram id or name, or reply to their message."
        )
    matches = await member_repo.find_members(session, query=query)
    if not matches:
        raise GremiumError(
            "Nobody called “{query}” has started the bot yet. They need to open the bot and "
            "press /start first.",
            query=query,
        )
    if len(matches) > 1:
        names = ", ".join(
            f"{m.display_name} ({'@' + m.username if m.username else m.telegram_id})"
            for m in matches
        )
        raise GremiumError(
            "“{query}” matches several people: {names}. Write their @username or Telegram id.",
            query=query,
            names=names,
        )
    return matches[0]


async def _set_role(update: Update, context: Context, role: Role) -> None:
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    args = context.args or []
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        require_admin(actor)
        if not args:
            raise GremiumError("Write the group and the person: /addcoordinator bildung @username")
        group = await resolve_group(session, args[0])
        person = await _find_person(session, message, " ".join(args[1:]))
        changed, text = await _apply_role(session, actor, group, person, role, bd.clock.now())
        lang = bd.translator.get(person.language)
        level = await menus.member_level(
            session, member=person, is_admin=person.telegram_id in bd.admins
        )
    await message.reply_text(text)
    await menus.refresh_chat_menu(context.bot, person.telegram_id, lang, level)
    if changed and role == Role.COORDINATOR:
        note = lang._(
            "You are now a coordinator of {group}. /help shows your new commands.",
            group=escape(group.name),
        )
        try:
            await context.bot.send_message(person.telegram_id, note)
        except (Forbidden, BadRequest) as exc:
            log.info("could not tell member %s about the role: %s", person.telegram_id, exc)


async def _apply_role(
    session: AsyncSession, actor: Actor, group: Group, person: Member, role: Role, now: datetime
) -> tuple[bool, str]:
    """Make ``person`` coordinator or plain member of ``group``; say what happened."""
    assert group.id is not None
    assert person.id is not None
    membership = await group_repo.get_membership(session, member_id=person.id, group_id=group.id)
    name, gname = escape(person.display_name), escape(group.name)
    if role == Role.COORDINATOR:
        if membership is not None and membership.role == Role.COORDINATOR:
            return False, actor.lang._(
                "{name} already coordinates {group}.", name=name, group=gname
            )
        if membership is None:
            await group_repo.add_membership(
                session, member_id=person.id, group_id=group.id, now=now, role=role
            )
        else:
            membership.role = Role.COORDINATOR
            session.add(membership)
        return True, actor.lang._("{name} now coordinates {group}.", name=name, group=gname)
    if membership is None or membership.role != Role.COORDINATOR:
        return False, actor.lang._(
            "{name} is not a coordinator of {group}.", name=name, group=gname
        )
    membership.role = Role.MEMBER
    session.add(membership)
    return True, actor.lang._(
        "{name} no longer coordinates {group} and stays a member.", name=name, group=gname
    )


async def addcoordinator_command(update: Update, context: Context) -> None:
    """Appoint a coordinator: /addcoordinator <group> <person>, or as a reply."""
    await _set_role(update, context, Role.COORDINATOR)


async def removecoordinator_command(update: Update, context: Context) -> None:
    """Remove a coordinator: /removecoordinator <group> <person>, or as a reply."""
    await _set_role(update, context, Role.MEMBER)


async def members_command(update: Update, context: Context) -> None:
    """List a group's members, for its coordinators and the organisers."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    bd = context.bot_data
    async with bd.sessionmaker.begin() as session:
        actor = await load_actor(session, bd, user)
        if not context.args:
            raise GremiumError("Which group? For example: /members bildung")
        group = await resolve_group(session, " ".join(context.args))
        await require_group_manager(session, actor, group)
        assert group.id is not None
        rows = await group_repo.list_members_of_group(session, group_id=group.id)
    header = texts.members_header(actor.lang, group, len(rows))
    lines = [texts.member_line(actor.lang, m, ms) for m, ms in rows]
    await replies.reply_lines(message, header, lines)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers."""
    msg = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE & msg
    app.add_handler(CommandHandler("newgroup", newgroup_command, filters=private))
    app.add_handler(CommandHandler("renamegroup", renamegroup_command, filters=private))
    app.add_handler(CommandHandler("archivegroup", archivegroup_command, filters=private))
    app.add_handler(CommandHandler("addcoordinator", addcoordinator_command, filters=msg))
    app.add_handler(CommandHandler("removecoordinator", removecoordinator_command, filters=msg))
    app.add_handler(CommandHandler("members", members_command, filters=private))

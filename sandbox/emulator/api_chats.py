"""getMe, chats and members, command menus, callback answers, close and logOut."""

from __future__ import annotations

import re
import time
from typing import Any

from sandbox.emulator.core import Core, Handler
from sandbox.emulator.errors import QUERY_INVALID, bad_request
from sandbox.emulator.params import Params
from sandbox.emulator.serialize import chat_full_json, chat_json, member_json, user_json
from sandbox.emulator.state import CallbackAnswer, ScopeKey

_COMMAND = re.compile(r"[a-z0-9_]+")
_PLAIN_SCOPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}


async def get_me(core: Core, p: Params) -> Any:
    """getMe."""
    return user_json(core.bot, full_bot_info=True, privacy=core.world.privacy_mode)


async def get_chat(core: Core, p: Params) -> Any:
    """getChat: a ChatFullInfo."""
    chat = core.chat(p)
    return chat_full_json(core.world, chat)


def _user_id(p: Params) -> int:
    user_id = p.integer("user_id")
    if user_id is None or user_id <= 0:
        raise bad_request("invalid user_id specified")
    return user_id


async def get_chat_member(core: Core, p: Params) -> Any:
    """getChatMember."""
    chat = core.chat(p)
    user_id = _user_id(p)
    core.check_member(chat)
    if user_id not in core.world.users:
        raise bad_request("user not found")
    return member_json(core.world, chat, user_id)


async def get_chat_administrators(core: Core, p: Params) -> Any:
    """getChatAdministrators: other bots only with return_bots."""
    chat = core.chat(p)
    core.check_member(chat)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = []
    for user_id, status in chat.members.items():
        user = core.world.users[user_id]
        other_bot = user.is_bot and user_id != core.bot.id
        if status in {"creator", "administrator"} and (p.flag("return_bots") or not other_bot):
            admins.append(member_json(core.world, chat, user_id))
    return admins


async def leave_chat(core: Core, p: Params) -> Any:
    """leaveChat: the bot gets a my_chat_member update."""
    chat = core.chat(p)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    core.check_member(chat)
    old = member_json(core.world, chat, core.bot.id)
    chat.members[core.bot.id] = "left"
    core.queue.push(
        "my_chat_member",
        {
            "chat": chat_json(core.world, chat),
            "from": user_json(core.bot),
            "date": core.world.timestamp(),
            "old_chat_member": old,
            "new_chat_member": member_json(core.world, chat, core.bot.id),
        },
    )
    core.world.events.emit("member", chat_id=chat.id, user_id=core.bot.id)
    return True


def scope_key(core: Core, p: Params) -> ScopeKey:
    """The stored key of the ``scope`` parameter (default when absent)."""
    scope = p.obj("scope")
    if scope is None:
        return ("default",)
    kind = scope.get("type")
    if kind in _PLAIN_SCOPES:
        return (str(kind),)
    if kind not in {"chat", "chat_administrators", "chat_member"}:
        raise bad_request("can't parse BotCommandScope: Unsupported type specified")
    if scope.get("chat_id") in {None, ""}:
        raise bad_request("can't parse BotCommandScope: Empty chat_id specified")
    chat = core.find_chat(scope["chat_id"])
    if kind != "chat_member":
        return (kind, chat.id)
    user_id = scope.get("user_id")
    if not isinstance(user_id, int) or user_id <= 0:
        raise bad_request("can't parse BotCommandScope: Invalid user_id specified")
    return (kind, chat.id, user_id)


def _commands(p: Params) -> list[dict[str, str]]:
    result = []
    for item in p.array("commands") or []:
        command = str(item["command"]).removeprefix("/")
        description = str(item["description"]).strip()
        if not command:
            raise bad_request("command must be non-empty")
        if len(command) > 32:
            raise bad_request("command is too long")
        if not _COMMAND.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not description:
            raise bad_request("command description must be non-empty")
        result.append({"command": command, "description": description[:256]})
    if len(result) > 100:
        raise bad_request("too many commands specified")
    return result


async def set_my_commands(core: Core, p: Params) -> Any:
    """setMyCommands; an empty list deletes the menu of that scope and language."""
    commands = _commands(p)
    key = (scope_key(core, p), p.text("language_code") or "")
    if commands:
        core.world.commands[key] = commands
    else:
        core.world.commands.pop(key, None)
    core.world.events.emit("commands")
    return True


async def get_my_commands(core: Core, p: Params) -> Any:
    """getMyCommands: exactly the given scope and language, no fallback."""
    key = (scope_key(core, p), p.text("language_code") or "")
    return list(core.world.commands.get(key, []))


async def delete_my_commands(core: Core, p: Params) -> Any:
    """deleteMyCommands."""
    key = (scope_key(core, p), p.text("language_code") or "")
    core.world.commands.pop(key, None)
    core.world.events.emit("commands")
    return True


async def answer_callback_query(core: Core, p: Params) -> Any:
    """answerCallbackQuery: once per query, within ``callback_timeout`` seconds."""
    query_id = p.text("callback_query_id") or ""
    pending = core.world.callbacks.get(query_id)
    expired = pending is None or time.monotonic() - pending.created > core.world.callback_timeout
    if pending is None or pending.answered or expired:
        raise bad_request(QUERY_INVALID)
    text = p.text("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    pending.answered = True
    answer = CallbackAnswer(query_id, text, p.flag("show_alert"), p.text("url"))
    core.world.users[pending.user_id].callback_answers.append(answer)
    core.world.events.emit("callback_answer", user_id=pending.user_id, query_id=query_id)
    return True


async def succeed(core: Core, p: Params) -> Any:
    """close and logOut: nothing to do locally."""
    return True


HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "leaveChat": leave_chat,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "answerCallbackQuery": answer_callback_query,
    "close": succeed,
    "logOut": succeed,
}

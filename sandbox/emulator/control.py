"""The JSON control API under /_emulator/ for a browser page and manual testing.

See the package docstring for the list of routes. Failures answer 400 ``{"error": "..."}``.
Each route is a small function of the emulator and the request, listed in :data:`ROUTES`;
:mod:`.control_json` holds what they share.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from aiohttp import web

from sandbox.emulator.control_json import (
    Emulator,
    call_view,
    chat_summary,
    message_view,
    read_body,
    reply,
)
from sandbox.emulator.serialize import user_json

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: A route's work, given the emulator it is bound to.
Action = Callable[[Emulator, web.Request], Awaitable[web.StreamResponse]]


# -- reading the world ------------------------------------------------------------------------


async def _state(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """The bot, the webhook, the pending updates and the last event id."""
    return reply(
        {
            "api_root": emu.api_root,
            "bot": user_json(emu.bot),
            "webhook": dataclasses.asdict(emu.webhook),
            "pending_updates": len(emu.pending_updates),
            "events": emu.world.events.seq,
        }
    )


async def _users(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """Every user, with whether they blocked the bot."""
    return reply([user_json(u.user) | {"blocked": u.user.blocked} for u in emu.users])


async def _chats(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """Every chat with its members."""
    return reply([chat_summary(emu.world, chat_id) for chat_id in emu.world.chats])


async def _chat_messages(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """A chat's messages, edits applied."""
    chat_id = int(request.match_info["chat_id"])
    if chat_id not in emu.world.chats:
        raise KeyError(f"no chat {chat_id}")
    return reply([message_view(m) for m in emu.messages(chat_id)])


async def _calls(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """The recorded Bot API calls from index ``since`` on."""
    since = int(request.query.get("since", "0"))
    return reply([call_view(i, c) for i, c in enumerate(emu.calls) if i >= since])


async def _events(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """Long poll for the events after ``since``."""
    since = int(request.query.get("since", "0"))
    timeout = min(float(request.query.get("timeout", "25")), 60.0)
    found = await emu.world.events.wait(since, timeout)
    return reply({"events": found, "last": emu.world.events.seq})


async def _download(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """A stored file's bytes."""
    stored = emu.world.files[request.match_info["file_id"]]
    return web.Response(
        body=stored.content, content_type=stored.mime_type or "application/octet-stream"
    )


# -- adding users and groups ------------------------------------------------------------------


async def _create_user(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """Add a user."""
    body = await read_body(request)
    handle = emu.user(
        int(body["id"]),
        str(body["first_name"]),
        last_name=body.get("last_name"),
        username=body.get("username"),
        language_code=body.get("language_code", "de"),
    )
    return reply(user_json(handle.user))


async def _create_group(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """Add a group chat."""
    body = await read_body(request)
    group = emu.group_chat(
        int(body["id"]),
        str(body["title"]),
        type=str(body.get("type", "group")),
        members=[int(m) for m in body.get("members", [])],
        admins=[int(m) for m in body.get("admins", [])],
        bot_status=str(body.get("bot_status", "member")),
    )
    return reply(chat_summary(emu.world, group.id))


# -- acting as a user -------------------------------------------------------------------------


async def _send(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """The user sends a text (typed in an app, given ``shortcuts``)."""
    body = await read_body(request)
    user = emu.get_user(int(request.match_info["user_id"]))
    chat = body.get("chat_id")
    how = user.type if body.get("shortcuts") else user.send
    message = await how(
        str(body["text"]),
        chat=int(chat) if chat is not None else None,
        reply_to=body.get("reply_to"),
    )
    return reply(message_view(message))


async def _press(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """The user presses a button, or sends forged callback data."""
    body = await read_body(request)
    user = emu.get_user(int(request.match_info["user_id"]))
    chat = int(body["chat_id"]) if body.get("chat_id") is not None else None
    if "data" in body:
        query = await user.press_data(int(body["message_id"]), str(body["data"]), chat)
    else:
        query = await user.press(str(body["button"]), message=body.get("message_id"), chat=chat)
    return reply({"query_id": query})


async def _block(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """The user blocks or unblocks the bot."""
    user = emu.get_user(int(request.match_info["user_id"]))
    if request.match_info["action"] == "block":
        user.block()
    else:
        user.unblock()
    return reply({"blocked": user.user.blocked})


async def _commands(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """The command menu the user sees."""
    user = emu.get_user(int(request.match_info["user_id"]))
    return reply([c._asdict() for c in user.commands])


async def _answers(emu: Emulator, request: web.Request) -> web.StreamResponse:
    """The bot's answers to the user's button presses."""
    user = emu.get_user(int(request.match_info["user_id"]))
    return reply([dataclasses.asdict(a) for a in user.callback_answers])


ROUTES: tuple[tuple[str, str, Action], ...] = (
    ("GET", "/_emulator/state", _state),
    ("GET", "/_emulator/users", _users),
    ("GET", "/_emulator/chats", _chats),
    ("POST", "/_emulator/users", _create_user),
    ("POST", "/_emulator/groups", _create_group),
    ("GET", "/_emulator/chats/{chat_id}/messages", _chat_messages),
    ("POST", "/_emulator/users/{user_id}/send", _send),
    ("POST", "/_emulator/users/{user_id}/press", _press),
    ("POST", "/_emulator/users/{user_id}/{action:block|unblock}", _block),
    ("GET", "/_emulator/users/{user_id}/commands", _commands),
    ("GET", "/_emulator/users/{user_id}/answers", _answers),
    ("GET", "/_emulator/calls", _calls),
    ("GET", "/_emulator/events", _events),
    ("GET", "/_emulator/files/{file_id}", _download),
)


def _bound(emu: Emulator, action: Action) -> Route:
    """``action`` for ``emu``, failures answered 400 with their message."""

    async def route(request: web.Request) -> web.StreamResponse:
        try:
            return await action(emu, request)
        except (AssertionError, ValueError, KeyError, TypeError) as error:
            return reply({"error": str(error)}, 400)

    return route


def control_routes(emu: Emulator) -> list[web.RouteDef]:
    """The /_emulator/ routes bound to ``emu``."""
    return [web.route(method, path, _bound(emu, action)) for method, path, action in ROUTES]

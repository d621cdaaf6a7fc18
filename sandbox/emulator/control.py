"""The JSON control API under /_emulator/ for a browser page and manual testing.

See the package docstring for the list of routes. Failures answer 400 ``{"error": "..."}``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from aiohttp import web

from sandbox.emulator.client import ChatMessage, UserHandle
from sandbox.emulator.groups import GroupHandle, UserRef
from sandbox.emulator.serialize import user_json
from sandbox.emulator.server import RecordedCall
from sandbox.emulator.spec import UploadedFile
from sandbox.emulator.state import SentFile, UserState, World
from sandbox.emulator.updates import Webhook


class Emulator(Protocol):
    """What the control API uses of :class:`sandbox.emulator.emulator.Emulator` (which serves
    these routes, so this module does not import it)."""

    api_root: str
    bot: UserState
    world: World

    @property
    def calls(self) -> list[RecordedCall]: ...
    @property
    def webhook(self) -> Webhook: ...
    @property
    def pending_updates(self) -> list[dict[str, Any]]: ...
    @property
    def users(self) -> list[UserHandle]: ...
    def get_user(self, user_id: int) -> UserHandle: ...
    def messages(self, chat_id: int) -> list[ChatMessage]: ...
    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "de",
        started: bool = True,
    ) -> UserHandle: ...
    def group_chat(
        self,
        chat_id: int,
        title: str,
        *,
        type: str = "group",
        members: Iterable[UserRef] = (),
        admins: Iterable[UserRef] = (),
        creator: UserRef | None = None,
        username: str | None = None,
        bot_status: str = "member",
    ) -> GroupHandle: ...


Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _file(stored: SentFile | None) -> dict[str, Any] | None:
    if stored is None:
        return None
    return {
        "file_id": stored.file_id,
        "file_name": stored.file_name,
        "mime_type": stored.mime_type,
        "file_size": stored.file_size,
        "url": f"/_emulator/files/{stored.file_id}",
    }


def message_view(message: ChatMessage) -> dict[str, Any]:
    """JSON of a ChatMessage."""
    return {
        "message_id": message.message_id,
        "chat_id": message.chat_id,
        "from_bot": message.from_bot,
        "sender_id": message.sender_id,
        "text": message.text,
        "html": message.html,
        "entities": message.entities,
        "buttons": [[{"text": t, "data": d} for t, d in row] for row in message.buttons],
        "document": _file(message.document),
        "photo": _file(message.photo),
        "caption": message.caption,
        "edited": message.edited,
        "pinned": message.pinned,
        "reply_to_message_id": message.reply_to_message_id,
        "date": message.date.isoformat(),
        "service": {
            k: v for k, v in message.raw.items() if k.startswith(("new_", "left_", "migrate_"))
        },
    }


def _plain(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        return {
            "file_name": value.file_name,
            "mime_type": value.mime_type,
            "size": len(value.content),
        }
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _reply(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False)
    )


def _guarded(route: Route) -> Route:
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await route(request)
        except (AssertionError, ValueError, KeyError, TypeError) as error:
            return _reply({"error": str(error)}, 400)

    return wrapper


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise ValueError("a JSON object is expected")
    return data


def control_routes(emu: Emulator) -> list[web.RouteDef]:
    """The /_emulator/ routes bound to ``emu``."""
    world = emu.world

    def chat_summary(chat_id: int) -> dict[str, Any]:
        chat = world.chats[chat_id]
        private = chat.type == "private"
        return {
            "id": chat.id,
            "type": chat.type,
            "title": world.users[chat.id].first_name if private else chat.title,
            "members": {str(k): v for k, v in chat.members.items()},
            "migrated_to": chat.migrated_to,
        }

    async def state(request: web.Request) -> web.StreamResponse:
        return _reply(
            {
                "api_root": emu.api_root,
                "bot": user_json(emu.bot),
                "webhook": dataclasses.asdict(emu.webhook),
                "pending_updates": len(emu.pending_updates),
                "events": world.events.seq,
            }
        )

    async def users(request: web.Request) -> web.StreamResponse:
        return _reply([user_json(u.user) | {"blocked": u.user.blocked} for u in emu.users])

    async def chats(request: web.Request) -> web.StreamResponse:
        return _reply([chat_summary(chat_id) for chat_id in world.chats])

    async def create_user(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        handle = emu.user(
            int(body["id"]),
            str(body["first_name"]),
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code", "de"),
        )
        return _reply(user_json(handle.user))

    async def create_group(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        group = emu.group_chat(
            int(body["id"]),
            str(body["title"]),
            type=str(body.get("type", "group")),
            members=[int(m) for m in body.get("members", [])],
            admins=[int(m) for m in body.get("admins", [])],
            bot_status=str(body.get("bot_status", "member")),
        )
        return _reply(chat_summary(group.id))

    async def chat_messages(request: web.Request) -> web.StreamResponse:
        chat_id = int(request.match_info["chat_id"])
        if chat_id not in world.chats:
            raise KeyError(f"no chat {chat_id}")
        return _reply([message_view(m) for m in emu.messages(chat_id)])

    async def send(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        user = emu.get_user(int(request.match_info["user_id"]))
        chat = body.get("chat_id")
        how = user.type if body.get("shortcuts") else user.send
        message = await how(
            str(body["text"]),
            chat=int(chat) if chat is not None else None,
            reply_to=body.get("reply_to"),
        )
        return _reply(message_view(message))

    async def press(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        user = emu.get_user(int(request.match_info["user_id"]))
        chat = int(body["chat_id"]) if body.get("chat_id") is not None else None
        if "data" in body:
            query = await user.press_data(int(body["message_id"]), str(body["data"]), chat)
        else:
            query = await user.press(
                str(body["button"]), message=body.get("message_id"), chat=chat
            )
        return _reply({"query_id": query})

    async def block(request: web.Request) -> web.StreamResponse:
        user = emu.get_user(int(request.match_info["user_id"]))
        if request.match_info["action"] == "block":
            user.block()
        else:
            user.unblock()
        return _reply({"blocked": user.user.blocked})

    async def commands(request: web.Request) -> web.StreamResponse:
        user = emu.get_user(int(request.match_info["user_id"]))
        return _reply([c._asdict() for c in user.commands])

    async def answers(request: web.Request) -> web.StreamResponse:
        user = emu.get_user(int(request.match_info["user_id"]))
        return _reply([dataclasses.asdict(a) for a in user.callback_answers])

    async def calls(request: web.Request) -> web.StreamResponse:
        since = int(request.query.get("since", "0"))
        listed = [
            {"index": index, "method": c.method, "params": _plain(c.params), "status": c.status}
            | {"response": c.response, "at": c.at.isoformat()}
            for index, c in enumerate(emu.calls)
            if index >= since
        ]
        return _reply(listed)

    async def events(request: web.Request) -> web.StreamResponse:
        since = int(request.query.get("since", "0"))
        timeout = min(float(request.query.get("timeout", "25")), 60.0)
        found = await world.events.wait(since, timeout)
        return _reply({"events": found, "last": world.events.seq})

    async def download(request: web.Request) -> web.StreamResponse:
        stored = world.files[request.match_info["file_id"]]
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    routes: list[tuple[str, str, Route]] = [
        ("GET", "/_emulator/state", state),
        ("GET", "/_emulator/users", users),
        ("GET", "/_emulator/chats", chats),
        ("POST", "/_emulator/users", create_user),
        ("POST", "/_emulator/groups", create_group),
        ("GET", "/_emulator/chats/{chat_id}/messages", chat_messages),
        ("POST", "/_emulator/users/{user_id}/send", send),
        ("POST", "/_emulator/users/{user_id}/press", press),
        ("POST", "/_emulator/users/{user_id}/{action:block|unblock}", block),
        ("GET", "/_emulator/users/{user_id}/commands", commands),
        ("GET", "/_emulator/users/{user_id}/answers", answers),
        ("GET", "/_emulator/calls", calls),
        ("GET", "/_emulator/events", events),
        ("GET", "/_emulator/files/{file_id}", download),
    ]
    return [web.route(method, path, _guarded(handler)) for method, path, handler in routes]

"""What the control API (:mod:`.control`) needs of the emulator, and its JSON in and out.

Request bodies are JSON objects; answers are JSON (non-ASCII kept as is). Messages, files, chats
and recorded calls are shown as plain JSON values here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from aiohttp import web

from sandbox.emulator.client import UserHandle
from sandbox.emulator.groups import GroupHandle, UserRef
from sandbox.emulator.schema import UploadedFile
from sandbox.emulator.server import RecordedCall
from sandbox.emulator.state import SentFile, UserState, World
from sandbox.emulator.updates import Webhook
from sandbox.emulator.views import ChatMessage


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
    """``value`` as JSON, uploaded files shown by name, type and size."""
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


def reply(data: Any, status: int = 200) -> web.Response:
    """A JSON answer."""
    return web.json_response(
        data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False)
    )


async def read_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object ({} without a body)."""
    if not request.can_read_body:
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise ValueError("a JSON object is expected")
    return data


def chat_summary(world: World, chat_id: int) -> dict[str, Any]:
    """JSON of a chat: its type, title (a private chat's is the user's name) and members."""
    chat = world.chats[chat_id]
    private = chat.type == "private"
    return {
        "id": chat.id,
        "type": chat.type,
        "title": world.users[chat.id].first_name if private else chat.title,
        "members": {str(k): v for k, v in chat.members.items()},
        "migrated_to": chat.migrated_to,
    }


def call_view(index: int, call: RecordedCall) -> dict[str, Any]:
    """JSON of the recorded Bot API call number ``index``."""
    return {
        "index": index,
        "method": call.method,
        "params": _plain(call.params),
        "status": call.status,
        "response": call.response,
        "at": call.at.isoformat(),
    }

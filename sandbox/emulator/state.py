"""The emulated world: users, chats, messages, files, command menus, callback queries, events."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import mimetypes
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sandbox.emulator.entities import Entity

ScopeKey = tuple[str | int, ...]
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})


class Clock(Protocol):
    """Anything with ``now()`` returning an aware datetime."""

    def now(self) -> datetime:
        """The current time, aware."""
        ...


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to one of a user's button presses."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None


@dataclass
class UserState:
    """A Telegram user (or the bot itself)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    blocked: bool = False
    started: bool = True
    callback_answers: list[CallbackAnswer] = field(default_factory=list)


@dataclass(frozen=True)
class SentFile:
    """A stored file: a document or a photo."""

    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    content: bytes
    width: int | None = None
    height: int | None = None

    @property
    def file_size(self) -> int:
        """Size in bytes."""
        return len(self.content)


@dataclass
class StoredMessage:
    """A message as the emulator keeps it; edits change it in place."""

    message_id: int
    chat_id: int
    sender_id: int
    date: int
    text: str | None = None
    entities: list[Entity] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[Entity] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    link_preview: dict[str, Any] | None = None
    document: SentFile | None = None
    photo: SentFile | None = None
    reply_to: int | None = None
    edit_date: int | None = None
    edit_count: int = 0
    pinned: bool = False
    service: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChatState:
    """A private chat, group or supergroup; ``members`` maps user id to ChatMember status."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    members: dict[int, str] = field(default_factory=dict)
    migrated_to: int | None = None
    migrated_from: int | None = None
    pins: list[int] = field(default_factory=list)

    @property
    def pinned(self) -> list[StoredMessage]:
        """Pinned messages in the order they were pinned."""
        return [self.messages[i] for i in self.pins if i in self.messages]

    def pin(self, message: StoredMessage, pinned: bool) -> None:
        """Pin or unpin ``message``."""
        message.pinned = pinned
        if message.message_id in self.pins:
            self.pins.remove(message.message_id)
        if pinned:
            self.pins.append(message.message_id)


@dataclass
class PendingCallback:
    """A callback query waiting for answerCallbackQuery."""

    id: str
    user_id: int
    created: float
    answered: bool = False


class EventLog:
    """Numbered change events for the control API's long poll."""

    def __init__(self, keep: int = 2000) -> None:
        self.items: deque[dict[str, Any]] = deque(maxlen=keep)
        self.seq = 0
        self._wake = asyncio.Event()

    def emit(self, kind: str, **data: Any) -> None:
        """Record a change and wake waiters."""
        self.seq += 1
        self.items.append({"id": self.seq, "kind": kind, **data})
        self._wake.set()
        self._wake = asyncio.Event()

    def since(self, seq: int) -> list[dict[str, Any]]:
        """Events with an id greater than ``seq``."""
        return [item for item in self.items if item["id"] > seq]

    async def wait(self, seq: int, timeout: float) -> list[dict[str, Any]]:
        """Events after ``seq``, waiting up to ``timeout`` seconds for the first."""
        if not self.since(seq) and timeout > 0:
            wake = self._wake
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout)
        return self.since(seq)


class World:
    """All state of one emulated bot and its users."""

    def __init__(self, bot: UserState, clock: Clock | None) -> None:
        self.bot = bot
        self.clock = clock
        self.users: dict[int, UserState] = {bot.id: bot}
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, SentFile] = {}
        self.commands: dict[tuple[ScopeKey, str], list[dict[str, str]]] = {}
        self.callbacks: dict[str, PendingCallback] = {}
        self.events = EventLog()
        self.privacy_mode = True
        self.callback_timeout = 15.0
        self._file_numbers = itertools.count(1)
        self._query_numbers = itertools.count(1)

    def now(self) -> datetime:
        """The emulated time (the clock's, else real UTC time)."""
        return self.clock.now() if self.clock is not None else datetime.now(UTC)

    def timestamp(self) -> int:
        """The emulated time as Unix seconds."""
        return int(self.now().timestamp())

    def add_user(self, user: UserState) -> ChatState:
        """Register a user and create the private chat with the bot."""
        self.users[user.id] = user
        chat = ChatState(user.id, "private", members={user.id: "member", self.bot.id: "member"})
        self.chats[user.id] = chat
        self.events.emit("user", user_id=user.id)
        return chat

    def add_message(self, chat: ChatState, sender_id: int, **fields: Any) -> StoredMessage:
        """Store a new message in ``chat`` and report it."""
        message = StoredMessage(
            chat.next_message_id, chat.id, sender_id, self.timestamp(), **fields
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.events.emit("message", chat_id=chat.id, message_id=message.message_id)
        return message

    def add_file(
        self,
        content: bytes,
        file_name: str | None,
        mime_type: str | None,
        size: tuple[int, int] | None = None,
    ) -> SentFile:
        """Store uploaded bytes under new file ids; photos come with their ``size``."""
        number = next(self._file_numbers)
        digest = hashlib.sha256(content).hexdigest()[:16]
        if file_name and (not mime_type or mime_type == "application/octet-stream"):
            mime_type = mimetypes.guess_type(file_name)[0] or mime_type
        prefix = "AgACAgIAAxk" if size is not None else "BQACAgIAAxk"
        width, height = size if size is not None else (None, None)
        stored = SentFile(
            f"{prefix}{number:06d}{digest}",
            f"AQAD{digest[:8]}",
            file_name,
            mime_type,
            content,
            width,
            height,
        )
        self.files[stored.file_id] = stored
        return stored

    def new_query_id(self) -> str:
        """A fresh callback query id (a decimal string, like Telegram's)."""
        return str(4_000_000_000_000_000_000 + next(self._query_numbers))

    def chat_instance(self, chat_id: int) -> str:
        """The stable ``chat_instance`` of callback queries from ``chat_id``."""
        digest = hashlib.sha256(f"{self.bot.id}:{chat_id}".encode()).digest()
        return str(-abs(int.from_bytes(digest[:8], "big", signed=True)))

    def status(self, chat: ChatState, user_id: int) -> str:
        """ChatMember status of ``user_id`` in ``chat``."""
        return chat.members.get(user_id, "left")

    def commands_for(
        self, chat: ChatState, user_id: int, language: str | None
    ) -> list[dict[str, str]]:
        """The command menu ``user_id`` sees in ``chat``, resolved in Telegram's scope order."""
        lang = language or ""
        if chat.type == "private":
            scopes: list[ScopeKey] = [("chat", chat.id), ("all_private_chats",), ("default",)]
        else:
            admin = self.status(chat, user_id) in {"creator", "administrator"}
            scopes = [("chat_member", chat.id, user_id)]
            scopes += [("chat_administrators", chat.id)] if admin else []
            scopes += [("chat", chat.id)]
            scopes += [("all_chat_administrators",)] if admin else []
            scopes += [("all_group_chats",), ("default",)]
        for scope in scopes:
            for code in [lang, ""] if lang else [""]:
                commands = self.commands.get((scope, code))
                if commands:
                    return commands
        return []

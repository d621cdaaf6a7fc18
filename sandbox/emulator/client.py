"""Acting as Telegram users: sending, pressing buttons and blocking (reading: :mod:`.views`)."""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

from sandbox.emulator.core import Core
from sandbox.emulator.entities import Entity
from sandbox.emulator.formatting import detect, formatted
from sandbox.emulator.serialize import (
    chat_json,
    inaccessible_json,
    member_json,
    message_json,
    user_json,
)
from sandbox.emulator.shortcuts import typed
from sandbox.emulator.state import (
    MEMBER_STATUSES,
    CallbackAnswer,
    ChatState,
    PendingCallback,
    StoredMessage,
    UserState,
)
from sandbox.emulator.views import BotCommand, ChatMessage, ChatView, button_rows, snapshot


class Done:
    """An already finished action that may also be awaited."""

    def __await__(self) -> Generator[None, None, None]:
        return
        yield


def _find_button(message: StoredMessage, label: str) -> dict[str, Any] | None:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    for row in rows:
        for button in row:
            if button["text"] == label or button.get("callback_data") == label:
                return dict(button)
    return None


class UserHandle(ChatView):
    """A user: their private chat with the bot, and what they can do."""

    def __init__(self, core: Core, state: UserState) -> None:
        super().__init__(core, state.id)
        self.user = state

    @property
    def id(self) -> int:
        """The user id (also the private chat id)."""
        return self.user.id

    @property
    def chat(self) -> list[ChatMessage]:
        """The private chat with the bot."""
        return self.messages

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """The bot's answers to this user's button presses."""
        return list(self.user.callback_answers)

    @property
    def commands(self) -> list[BotCommand]:
        """The command menu this user sees in the private chat."""
        found = self.core.world.commands_for(self.state, self.id, self.user.language_code)
        return [BotCommand(c["command"], c["description"]) for c in found]

    def _target(self, chat: ChatView | int | None) -> ChatState:
        chat_id = self.id if chat is None else chat if isinstance(chat, int) else chat.chat_id
        target = self.core.world.chats.get(chat_id)
        if target is None:
            raise AssertionError(f"no chat {chat_id}")
        return target

    async def send(
        self,
        text: str,
        *,
        chat: ChatView | int | None = None,
        reply_to: ChatMessage | int | None = None,
    ) -> ChatMessage:
        """Write ``text`` in the private chat (or in the group ``chat``)."""
        return self._post(text, detect(text, []), chat, reply_to)

    async def type(
        self,
        text: str,
        *,
        chat: ChatView | int | None = None,
        reply_to: ChatMessage | int | None = None,
    ) -> ChatMessage:
        """Type ``text`` into a Telegram app and send it: ``**bold**``, ``__italic__`` and the
        other shortcuts become entities, as the apps do (see :mod:`.shortcuts`)."""
        plain, entities = typed(text)
        return self._post(plain, entities, chat, reply_to)

    async def send_html(
        self,
        html: str,
        *,
        chat: ChatView | int | None = None,
        reply_to: ChatMessage | int | None = None,
    ) -> ChatMessage:
        """Write a formatted message, given as Telegram HTML (what a client's bold, links etc.
        produce: text plus entities)."""
        text = formatted(html, "HTML", None, self.core.lookup_user)
        return self._post(text.text, text.entities, chat, reply_to)

    async def send_document(
        self,
        content: bytes,
        file_name: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> ChatMessage:
        """Send a file in the private chat, as a client's "attach file" does (the bot sees a
        document with a file id it can forward without downloading)."""
        target = self._target(None)
        if self.user.blocked:
            self.unblock()
        self.user.started = True
        stored = self.core.world.add_file(content, file_name, mime_type)
        message = self.core.world.add_message(target, self.id, caption=caption, document=stored)
        self.core.queue_message(message)
        return snapshot(self.core, message)

    def _post(
        self,
        text: str,
        entities: list[Entity],
        chat: ChatView | int | None,
        reply_to: ChatMessage | int | None,
    ) -> ChatMessage:
        if chat is None and isinstance(reply_to, ChatMessage):
            chat = reply_to.chat_id
        target = self._target(chat)
        status = self.core.world.status(target, self.id)
        if target.type != "private" and status not in MEMBER_STATUSES:
            raise AssertionError(f"user {self.id} is not a member of chat {target.id}")
        if not text.strip():
            raise AssertionError("Telegram clients do not send empty messages")
        if target.type == "private":
            if self.user.blocked:
                self.unblock()
            self.user.started = True
        reply_id = reply_to.message_id if isinstance(reply_to, ChatMessage) else reply_to
        if reply_id is not None and reply_id not in target.messages:
            raise AssertionError(f"no message {reply_id} in chat {target.id} to reply to")
        message = self.core.world.add_message(
            target, self.id, text=text, entities=entities, reply_to=reply_id
        )
        self.core.queue_message(message)
        return snapshot(self.core, message)

    async def press(
        self,
        button: str,
        *,
        message: ChatMessage | int | None = None,
        chat: ChatView | int | None = None,
    ) -> str:
        """Press the inline button with this text or callback_data; returns the query id.
        Looks in ``message`` (its chat unless ``chat`` is given), else in the newest bot message
        of the chat (default: the private chat) that has such a button."""
        if chat is None and isinstance(message, ChatMessage):
            chat = message.chat_id
        target = self._target(chat)
        if message is not None:
            message_id = message.message_id if isinstance(message, ChatMessage) else message
            stored = target.messages.get(message_id)
            if stored is None:
                raise AssertionError(f"no message {message_id} in chat {target.id}")
            candidates = [stored]
        else:
            candidates = [
                m for m in reversed(target.messages.values()) if m.sender_id == self.core.bot.id
            ]
        for stored in candidates:
            found = _find_button(stored, button)
            if found is None:
                continue
            if "callback_data" not in found:
                raise AssertionError(f"button {button!r} is not a callback button: {found}")
            return self._callback(target, stored.message_id, str(found["callback_data"]), stored)
        raise AssertionError(
            f"no button {button!r} in chat {target.id}; {self._available(candidates)}"
        )

    @staticmethod
    def _available(candidates: list[StoredMessage]) -> str:
        shown = [
            f"message {m.message_id}: {button_rows(m.reply_markup)}"
            for m in candidates
            if m.reply_markup
        ]
        return "buttons: " + "; ".join(shown) if shown else "no message there has buttons"

    async def press_data(
        self, message_id: int, data: str, chat: ChatView | int | None = None
    ) -> str:
        """Send a callback query with any ``data`` (forged), as a modified client could."""
        target = self._target(chat)
        return self._callback(target, message_id, data, target.messages.get(message_id))

    def _callback(
        self, chat: ChatState, message_id: int, data: str, stored: StoredMessage | None
    ) -> str:
        world = self.core.world
        query_id = world.new_query_id()
        world.callbacks[query_id] = PendingCallback(query_id, self.id, time.monotonic())
        shown = (
            message_json(world, stored) if stored else inaccessible_json(world, chat, message_id)
        )
        self.core.queue.push(
            "callback_query",
            {
                "id": query_id,
                "from": user_json(self.user),
                "message": shown,
                "chat_instance": world.chat_instance(chat.id),
                "data": data,
            },
        )
        world.events.emit("press", user_id=self.id, chat_id=chat.id, query_id=query_id)
        return query_id

    def block(self, *, silent: bool = False) -> Done:
        """Block the bot: sends to this user fail with 403 from now on. The bot gets a
        my_chat_member update unless ``silent``. Takes effect at once; awaiting it is optional."""
        self._set_blocked(True, silent)
        return Done()

    def unblock(self, *, silent: bool = False) -> Done:
        """Unblock the bot (what "Restart bot" does); awaiting it is optional."""
        self._set_blocked(False, silent)
        return Done()

    def _set_blocked(self, blocked: bool, silent: bool = False) -> None:
        if self.user.blocked == blocked:
            return
        chat, bot_id = self.state, self.core.bot.id
        old = member_json(self.core.world, chat, bot_id)
        self.user.blocked = blocked
        chat.members[bot_id] = "kicked" if blocked else "member"
        self.core.world.events.emit("block" if blocked else "unblock", user_id=self.id)
        if silent:
            return
        self.core.queue.push(
            "my_chat_member",
            {
                "chat": chat_json(self.core.world, chat),
                "from": user_json(self.user),
                "date": self.core.world.timestamp(),
                "old_chat_member": old,
                "new_chat_member": member_json(self.core.world, chat, bot_id),
            },
        )

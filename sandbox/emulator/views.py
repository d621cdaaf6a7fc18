"""Reading chats as a user sees them: messages with edits applied, and one chat's view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sandbox.emulator.core import Core
from sandbox.emulator.entities import Entity
from sandbox.emulator.formatting import render_html
from sandbox.emulator.serialize import message_json
from sandbox.emulator.state import ChatState, SentFile, StoredMessage

Button = tuple[str, str | None]


class BotCommand(NamedTuple):
    """One entry of a command menu."""

    command: str
    description: str


@dataclass(frozen=True)
class ChatMessage:
    """A message as a user sees it now (edits applied). ``edited`` counts the edits;
    ``html`` is the text (or caption) re-rendered as canonical Telegram HTML."""

    message_id: int
    chat_id: int
    from_bot: bool
    sender_id: int
    text: str
    entities: list[Entity]
    html: str
    buttons: list[list[Button]]
    document: SentFile | None
    photo: SentFile | None
    caption: str | None
    edited: int
    pinned: bool
    reply_to_message_id: int | None
    date: datetime
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def button_labels(self) -> list[str]:
        """The texts of all buttons, row by row."""
        return [text for row in self.buttons for text, _ in row]


def button_rows(markup: dict[str, Any] | None) -> list[list[Button]]:
    """The inline keyboard of ``markup``: rows of (text, what the button carries)."""
    rows = markup.get("inline_keyboard", []) if markup else []
    return [
        [(b["text"], next((str(v) for k, v in b.items() if k != "text"), None)) for b in row]
        for row in rows
    ]


def snapshot(core: Core, message: StoredMessage) -> ChatMessage:
    """The ChatMessage view of a stored message."""
    if message.text is not None:
        html = render_html(message.text, message.entities)
    else:
        html = render_html(message.caption or "", message.caption_entities)
    return ChatMessage(
        message_id=message.message_id,
        chat_id=message.chat_id,
        from_bot=message.sender_id == core.bot.id,
        sender_id=message.sender_id,
        text=message.text or "",
        entities=list(message.entities),
        html=html,
        buttons=button_rows(message.reply_markup),
        document=message.document,
        photo=message.photo,
        caption=message.caption,
        edited=message.edit_count,
        pinned=message.pinned,
        reply_to_message_id=message.reply_to,
        date=datetime.fromtimestamp(message.date, UTC),
        raw=message_json(core.world, message),
    )


class ChatView:
    """Reading one chat's messages."""

    def __init__(self, core: Core, chat_id: int) -> None:
        self.core = core
        self.chat_id = chat_id

    @property
    def state(self) -> ChatState:
        """The chat's stored state."""
        return self.core.world.chats[self.chat_id]

    @property
    def messages(self) -> list[ChatMessage]:
        """All messages, oldest first, with edits applied and deletions gone."""
        return [snapshot(self.core, m) for m in self.state.messages.values()]

    @property
    def bot_messages(self) -> list[ChatMessage]:
        """The bot's messages, oldest first."""
        return [m for m in self.messages if m.from_bot]

    @property
    def last(self) -> ChatMessage | None:
        """The newest message from the bot."""
        bot_messages = self.bot_messages
        return bot_messages[-1] if bot_messages else None

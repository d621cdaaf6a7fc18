"""What every Bot API method works with: the world, the update queue, and shared checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sandbox.emulator.entities import utf16_len
from sandbox.emulator.errors import ApiError, bad_request, forbidden, too_many_requests
from sandbox.emulator.formatting import Formatted, formatted
from sandbox.emulator.limits import RateLimiter
from sandbox.emulator.links import normalize_url
from sandbox.emulator.params import Params
from sandbox.emulator.serialize import message_json, user_json
from sandbox.emulator.state import MEMBER_STATUSES, ChatState, StoredMessage, UserState, World
from sandbox.emulator.updates import UpdateQueue, Webhook, WebhookSender

_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "callback_game",
    "pay",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "copy_text",
)


_PREVIEW_FIELDS = (
    "is_disabled",
    "url",
    "prefer_small_media",
    "prefer_large_media",
    "show_above_text",
)


class Core:
    """The emulator's shared state, handed to every method."""

    def __init__(self, token: str, bot: UserState, world: World) -> None:
        self.token = token
        self.world = world
        self.bot = bot
        self.queue = UpdateQueue()
        self.webhook = Webhook()
        self.sender = WebhookSender(self.queue, self.webhook, world.timestamp)
        self.limiter = RateLimiter()
        self.enforce_limits = False
        self.poll_generation = 0
        self.closing = False

    def lookup_user(self, user_id: int) -> dict[str, Any] | None:
        """User JSON for text mentions, if the user is known."""
        user = self.world.users.get(user_id)
        return user_json(user) if user is not None else None

    def text(self, text: str, parse_mode: str | None, entities: list[Any] | None) -> Formatted:
        """Parse a text or caption parameter."""
        return formatted(text, parse_mode, entities, self.lookup_user)

    def chat(self, p: Params, name: str = "chat_id", empty: str = "chat_id is empty") -> ChatState:
        """The chat named by parameter ``name``, or Telegram's error."""
        if not p.has(name):
            raise bad_request(empty)
        return self.find_chat(p.values[name])

    def find_chat(self, value: object) -> ChatState:
        """The chat with this id or "@username", or "Bad Request: chat not found"."""
        chat = None
        if isinstance(value, str) and value.startswith("@"):
            wanted = value[1:].lower()
            chats = self.world.chats.values()
            chat = next((c for c in chats if (c.username or "").lower() == wanted), None)
        elif isinstance(value, str) and value.lstrip("-").isdigit():
            chat = self.world.chats.get(int(value))
        elif isinstance(value, int):
            chat = self.world.chats.get(value)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def check_member(self, chat: ChatState) -> None:
        """403 unless the bot is in the group; 400 with migrate_to_chat_id for upgraded groups."""
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=chat.migrated_to,
            )
        if chat.type == "private":
            return
        status = self.world.status(chat, self.bot.id)
        kind = "group" if chat.type == "group" else "supergroup"
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {kind} chat")
        if status not in MEMBER_STATUSES:
            raise forbidden(f"bot is not a member of the {kind} chat")

    def check_writable(self, chat: ChatState) -> None:
        """Telegram's errors for sending into ``chat``."""
        self.check_member(chat)
        if chat.type == "private":
            user = self.world.users[chat.id]
            if user.blocked:
                raise forbidden("bot was blocked by the user")
            if not user.started:
                raise forbidden("bot can't initiate conversation with a user")

    def throttle(self, chat: ChatState, p: Params) -> None:
        """429 when ``enforce_limits`` is on and this send exceeds Telegram's limits."""
        if not self.enforce_limits:
            return
        private = chat.type == "private"
        wait = self.limiter.check(chat.id, private, p.flag("allow_paid_broadcast"))
        if wait is not None:
            raise too_many_requests(wait)

    def bot_is_admin(self, chat: ChatState) -> bool:
        """Whether the bot administers ``chat`` (always true in a private chat)."""
        return chat.type == "private" or self.world.status(chat, self.bot.id) in {
            "creator",
            "administrator",
        }

    def message(self, chat: ChatState, message_id: int | None, what: str) -> StoredMessage:
        """The message, or "Bad Request: <what> not found"."""
        found = chat.messages.get(message_id) if message_id is not None else None
        if found is None:
            raise bad_request(f"{what} not found")
        return found

    def reply_target(self, chat: ChatState, p: Params) -> int | None:
        """The message id a send replies to, checked as Telegram does."""
        parameters = p.obj("reply_parameters")
        if parameters is None:
            return None
        source = chat
        if parameters.get("chat_id") not in {None, chat.id}:
            source = self.find_chat(parameters["chat_id"])
        target = parameters.get("message_id")
        if isinstance(target, int) and target in source.messages:
            return target if source is chat else None  # replies to other chats are not kept
        if parameters.get("allow_sending_without_reply") is True:
            return None
        raise bad_request("message to be replied not found")

    def queue_message(self, message: StoredMessage, kind: str = "message") -> int:
        """Queue a user's message as an update, unless privacy mode hides it from the bot."""
        chat = self.world.chats[message.chat_id]
        if chat.type != "private" and not self._bot_sees(chat, message):
            return 0
        return self.queue.push(kind, message_json(self.world, message))

    def _bot_sees(self, chat: ChatState, message: StoredMessage) -> bool:
        if self.world.status(chat, self.bot.id) not in MEMBER_STATUSES:
            return False
        if not self.world.privacy_mode or self.bot_is_admin(chat) or message.service:
            return True
        username = (self.bot.username or "").lower()
        for entity in message.entities:
            piece = _slice(message.text or "", entity["offset"], entity["length"])
            if entity["type"] == "bot_command" and entity["offset"] == 0:
                _, _, target = piece.partition("@")
                return target.lower() in {"", username}
            if entity["type"] == "mention" and piece[1:].lower() == username:
                return True
        replied = chat.messages.get(message.reply_to) if message.reply_to is not None else None
        return replied is not None and replied.sender_id == self.bot.id


def _slice(text: str, offset: int, length: int) -> str:
    encoded = text.encode("utf-16-le")
    return encoded[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")


def inline_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """A validated inline keyboard as Telegram stores it; None for other or empty markups."""
    if markup is None or "inline_keyboard" not in markup:
        return None
    rows: list[list[dict[str, Any]]] = []
    count = 0
    for row in markup["inline_keyboard"]:
        buttons = []
        for button in row:
            buttons.append(_button(button))
            count += 1
        rows.append(buttons)
    if count > 100:
        raise bad_request("reply markup is too long")
    if count == 0:
        return None
    return {"inline_keyboard": rows}


def _button(button: dict[str, Any]) -> dict[str, Any]:
    if not button.get("text"):
        raise bad_request("BUTTON_TEXT_INVALID")
    for action in _BUTTON_ACTIONS:
        value = button.get(action)
        if value is None or value == "":
            continue
        kept = {"text": button["text"], action: value}
        if action == "callback_data" and len(str(value).encode("utf-8")) > 64:
            raise bad_request("BUTTON_DATA_INVALID")
        if action == "url":
            url = normalize_url(str(value))
            if url is None:
                raise bad_request("BUTTON_URL_INVALID")
            kept["url"] = url
        return kept
    raise bad_request(
        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    )


def message_text(core: Core, p: Params) -> Formatted:
    """The ``text`` parameter of sendMessage/editMessageText, checked as Telegram does."""
    raw = p.text("text")
    if not raw:
        raise bad_request("message text is empty")
    if len(raw.encode("utf-8")) > 1 << 15:
        raise bad_request("text is too long")
    text = core.text(raw, p.text("parse_mode"), p.array("entities"))
    if not text.text:
        raise bad_request("text must be non-empty")
    if utf16_len(text.text) > 4096:
        raise bad_request("message is too long")
    return text


def link_preview(p: Params) -> dict[str, Any] | None:
    """The link_preview_options a text message keeps (only what differs from the default)."""
    options = p.obj("link_preview_options") or {}
    kept = {k: v for k, v in options.items() if v and k in _PREVIEW_FIELDS}
    return kept or None


def caption(core: Core, p: Params) -> Formatted | None:
    """The ``caption`` parameter, 0-1024 characters after parsing."""
    raw = p.text("caption")
    if raw is None:
        return None
    text = core.text(raw, p.text("parse_mode"), p.array("caption_entities"))
    if utf16_len(text.text) > 1024:
        raise bad_request("message caption is too long")
    return text if text.text else None


@dataclass(frozen=True)
class Answer:
    """A successful result with the ``description`` Telegram adds for some methods."""

    result: Any
    description: str


Handler = Callable[[Core, Params], Awaitable[Any]]

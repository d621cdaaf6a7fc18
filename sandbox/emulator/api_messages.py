"""sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage, copyMessage, pin/unpin."""

from __future__ import annotations

from typing import Any

from sandbox.emulator.core import (
    Core,
    Handler,
    caption,
    inline_markup,
    link_preview,
    message_text,
)
from sandbox.emulator.errors import NOT_MODIFIED, bad_request
from sandbox.emulator.params import Params
from sandbox.emulator.serialize import message_json
from sandbox.emulator.state import StoredMessage

DELETE_WINDOW = 48 * 3600


async def send_message(core: Core, p: Params) -> Any:
    """sendMessage."""
    text = message_text(core, p)
    markup = inline_markup(p.obj("reply_markup"))
    chat = core.chat(p)
    core.check_writable(chat)
    reply_to = core.reply_target(chat, p)
    core.throttle(chat, p)
    message = core.world.add_message(
        chat,
        core.bot.id,
        text=text.text,
        entities=text.entities,
        link_preview=link_preview(p),
        reply_markup=markup,
        reply_to=reply_to,
    )
    return message_json(core.world, message)


def _editable(core: Core, p: Params) -> StoredMessage:
    if not p.has("chat_id") and not p.has("message_id"):
        if not p.has("inline_message_id"):
            raise bad_request("message identifier is not specified")
        raise bad_request("MESSAGE_ID_INVALID")
    chat = core.chat(p)
    core.check_member(chat)
    message = core.message(chat, p.integer("message_id"), "message to edit")
    if message.sender_id != core.bot.id:
        raise bad_request("message can't be edited")
    return message


def _edited(core: Core, message: StoredMessage, *, text_changed: bool) -> Any:
    if text_changed:
        message.edit_date = core.world.timestamp()
    message.edit_count += 1
    core.world.events.emit("edit", chat_id=message.chat_id, message_id=message.message_id)
    return message_json(core.world, message)


async def edit_message_text(core: Core, p: Params) -> Any:
    """editMessageText; a missing reply_markup removes the inline keyboard, as in Telegram."""
    text = message_text(core, p)
    markup = inline_markup(p.obj("reply_markup"))
    message = _editable(core, p)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    preview = link_preview(p)
    same_text = (message.text, message.entities, message.link_preview) == (
        text.text,
        text.entities,
        preview,
    )
    if same_text and message.reply_markup == markup:
        raise bad_request(NOT_MODIFIED)
    message.text, message.entities, message.reply_markup = text.text, text.entities, markup
    message.link_preview = preview
    return _edited(core, message, text_changed=not same_text)


async def edit_message_reply_markup(core: Core, p: Params) -> Any:
    """editMessageReplyMarkup."""
    markup = inline_markup(p.obj("reply_markup"))
    message = _editable(core, p)
    if message.reply_markup == markup:
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    return _edited(core, message, text_changed=False)


async def delete_message(core: Core, p: Params) -> Any:
    """deleteMessage: within 48 hours; others' group messages need admin rights."""
    if not p.has("chat_id"):
        raise bad_request("chat identifier is not specified")
    if not p.integer("message_id"):
        raise bad_request("message identifier is not specified")
    chat = core.chat(p)
    core.check_member(chat)
    message = core.message(chat, p.integer("message_id"), "message to delete")
    too_old = core.world.timestamp() - message.date > DELETE_WINDOW
    foreign = message.sender_id != core.bot.id and not core.bot_is_admin(chat)
    if too_old or foreign:
        raise bad_request("message can't be deleted")
    del chat.messages[message.message_id]
    core.world.events.emit("delete", chat_id=chat.id, message_id=message.message_id)
    return True


async def copy_message(core: Core, p: Params) -> Any:
    """copyMessage: the content without a link to the original; returns a MessageId."""
    source_chat = core.chat(p, "from_chat_id", 'parameter "from_chat_id" is required')
    source = core.message(source_chat, p.integer("message_id"), "message to copy")
    if source.service:
        raise bad_request("message can't be copied")
    new_caption = caption(core, p) if p.has("caption") else None
    markup = inline_markup(p.obj("reply_markup"))
    chat = core.chat(p)
    core.check_writable(chat)
    reply_to = core.reply_target(chat, p)
    core.throttle(chat, p)
    keep_caption = not p.has("caption")
    copy = core.world.add_message(
        chat,
        core.bot.id,
        text=source.text,
        entities=list(source.entities),
        link_preview=source.link_preview,
        document=source.document,
        photo=source.photo,
        caption=source.caption if keep_caption else (new_caption.text if new_caption else None),
        caption_entities=(
            list(source.caption_entities)
            if keep_caption
            else (new_caption.entities if new_caption else [])
        ),
        reply_markup=markup,
        reply_to=reply_to,
    )
    return {"message_id": copy.message_id}


async def pin_chat_message(core: Core, p: Params) -> Any:
    """pinChatMessage: in groups the bot must be an administrator."""
    chat = core.chat(p)
    core.check_member(chat)
    message = core.message(chat, p.integer("message_id"), "message to pin")
    if not core.bot_is_admin(chat):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    chat.pin(message, True)
    core.world.events.emit("pin", chat_id=chat.id, message_id=message.message_id)
    return True


async def unpin_chat_message(core: Core, p: Params) -> Any:
    """unpinChatMessage: the given message, or the most recently pinned one."""
    chat = core.chat(p)
    core.check_member(chat)
    if p.has("message_id"):
        message = core.message(chat, p.integer("message_id"), "message to unpin")
    elif chat.pinned:
        message = chat.pinned[-1]
    else:
        raise bad_request("message to unpin not found")
    if not core.bot_is_admin(chat):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    chat.pin(message, False)
    core.world.events.emit("unpin", chat_id=chat.id, message_id=message.message_id)
    return True


HANDLERS: dict[str, Handler] = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "copyMessage": copy_message,
    "pinChatMessage": pin_chat_message,
    "unpinChatMessage": unpin_chat_message,
}

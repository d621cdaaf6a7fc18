"""Bot API JSON for the world's objects, with exactly the fields the Bot API documents."""

from __future__ import annotations

from typing import Any

from sandbox.emulator.state import ChatState, SentFile, StoredMessage, UserState, World

_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


_RESTRICTED_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)


def user_json(
    user: UserState, *, full_bot_info: bool = False, privacy: bool = True
) -> dict[str, Any]:
    """A User object; ``full_bot_info`` adds the getMe-only fields."""
    data: dict[str, Any] = {"id": user.id, "is_bot": user.is_bot, "first_name": user.first_name}
    if user.last_name:
        data["last_name"] = user.last_name
    if user.username:
        data["username"] = user.username
    if user.language_code and not user.is_bot:
        data["language_code"] = user.language_code
    if full_bot_info:
        data.update(
            can_join_groups=True,
            can_read_all_group_messages=not privacy,
            supports_inline_queries=False,
            supports_guest_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
            has_topics_enabled=False,
            allows_users_to_create_topics=False,
            can_manage_bots=False,
        )
    return data


def chat_json(world: World, chat: ChatState) -> dict[str, Any]:
    """A Chat object."""
    data: dict[str, Any] = {"id": chat.id}
    if chat.type == "private":
        user = world.users[chat.id]
        data["first_name"] = user.first_name
        if user.last_name:
            data["last_name"] = user.last_name
        if user.username:
            data["username"] = user.username
    else:
        data["title"] = chat.title or ""
        if chat.username:
            data["username"] = chat.username
    data["type"] = chat.type
    return data


def chat_full_json(world: World, chat: ChatState) -> dict[str, Any]:
    """A ChatFullInfo object for getChat."""
    data = chat_json(world, chat)
    if chat.username:
        data["active_usernames"] = [chat.username]
    private = chat.type == "private"
    data["accepted_gift_types"] = {
        "unlimited_gifts": private,
        "limited_gifts": private,
        "unique_gifts": private,
        "premium_subscription": private,
        "gifts_from_channels": private,
    }
    if pinned := chat.pinned:
        data["pinned_message"] = message_json(world, pinned[-1])
    data["max_reaction_count"] = 11
    data["accent_color_id"] = abs(chat.id) % 7
    return data


def file_json(stored: SentFile) -> dict[str, Any]:
    """A Document object."""
    data: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.file_name:
        data["file_name"] = stored.file_name
    if stored.mime_type:
        data["mime_type"] = stored.mime_type
    data["file_size"] = stored.file_size
    return data


def photo_json(stored: SentFile) -> list[dict[str, Any]]:
    """The PhotoSize list of a photo (one size: the original)."""
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "width": stored.width or 0,
            "height": stored.height or 0,
        }
    ]


def message_json(world: World, message: StoredMessage, *, nested: bool = False) -> dict[str, Any]:
    """A Message; ``nested`` leaves out reply_to_message, as Telegram does one level down."""
    chat = world.chats[message.chat_id]
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "from": user_json(world.users[message.sender_id]),
        "chat": chat_json(world, chat),
        "date": message.date,
    }
    if message.reply_to is not None and not nested:
        replied = chat.messages.get(message.reply_to)
        if replied is not None:
            data["reply_to_message"] = message_json(world, replied, nested=True)
    if message.edit_date is not None:
        data["edit_date"] = message.edit_date
    if message.text is not None:
        data["text"] = message.text
        if message.entities:
            data["entities"] = message.entities
        if message.link_preview:
            data["link_preview_options"] = message.link_preview
    if message.document is not None:
        data["document"] = file_json(message.document)
    if message.photo is not None:
        data["photo"] = photo_json(message.photo)
    if message.caption is not None:
        data["caption"] = message.caption
        if message.caption_entities:
            data["caption_entities"] = message.caption_entities
    data.update(message.service)
    if message.reply_markup is not None:
        data["reply_markup"] = message.reply_markup
    return data


def member_json(world: World, chat: ChatState, user_id: int) -> dict[str, Any]:
    """A ChatMember object (the subtype follows the status)."""
    status = world.status(chat, user_id)
    data: dict[str, Any] = {"user": user_json(world.users[user_id]), "status": status}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data["can_be_edited"] = False
        data["is_anonymous"] = False
        data.update(dict.fromkeys(_ADMIN_RIGHTS, True))
        if chat.type == "supergroup":
            data["can_pin_messages"] = True
            data["can_manage_topics"] = False
    elif status == "restricted":
        data["is_member"] = True
        data.update(dict.fromkeys(_RESTRICTED_RIGHTS, False))
        data["can_send_messages"] = True
        data["until_date"] = 0
    elif status == "kicked":
        data["until_date"] = 0
    return data


def inaccessible_json(world: World, chat: ChatState, message_id: int) -> dict[str, Any]:
    """An InaccessibleMessage (a deleted or unknown message)."""
    return {"chat": chat_json(world, chat), "message_id": message_id, "date": 0}

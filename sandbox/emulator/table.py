"""The emulator's own compact table of the Bot API methods and input types it implements.

It lets the emulator coerce and check parameters without ``api.json``; the spec tests hold every
entry here against ``api.json`` (same types, same required flags). Entries are written
``"name: Type or Type"``; a ``!`` after the name marks a required parameter or field, and
``=value`` after a field's type marks a constant (the discriminator of an abstract type's subtype).
"""

from __future__ import annotations

from sandbox.emulator.schema import Field, MethodSpec, TypeSpec
from sandbox.emulator.spec import SpecValidator

_MARKUP = (
    "reply_markup: InlineKeyboardMarkup or ReplyKeyboardMarkup or ReplyKeyboardRemove"
    " or ForceReply"
)
_SEND = (
    "business_connection_id: String",
    "chat_id!: Integer or String",
    "message_thread_id: Integer",
    "disable_notification: Boolean",
    "protect_content: Boolean",
    "allow_paid_broadcast: Boolean",
    "message_effect_id: String",
    "reply_parameters: ReplyParameters",
    _MARKUP,
)
_CAPTION = (
    "caption: String",
    "parse_mode: String",
    "caption_entities: Array of MessageEntity",
)
_SCOPE = ("scope: BotCommandScope", "language_code: String")
_EDIT_TARGET = (
    "business_connection_id: String",
    "chat_id: Integer or String",
    "message_id: Integer",
    "inline_message_id: String",
)

METHODS: dict[str, tuple[str, tuple[str, ...]]] = {
    "getMe": ("User", ()),
    "logOut": ("Boolean", ()),
    "close": ("Boolean", ()),
    "getUpdates": (
        "Array of Update",
        (
            "offset: Integer",
            "limit: Integer",
            "timeout: Integer",
            "allowed_updates: Array of String",
        ),
    ),
    "setWebhook": (
        "Boolean",
        (
            "url!: String",
            "certificate: InputFile",
            "ip_address: String",
            "max_connections: Integer",
            "allowed_updates: Array of String",
            "drop_pending_updates: Boolean",
            "secret_token: String",
        ),
    ),
    "deleteWebhook": ("Boolean", ("drop_pending_updates: Boolean",)),
    "getWebhookInfo": ("WebhookInfo", ()),
    "sendMessage": (
        "Message",
        (
            *_SEND,
            "text!: String",
            "parse_mode: String",
            "entities: Array of MessageEntity",
            "link_preview_options: LinkPreviewOptions",
        ),
    ),
    "sendDocument": (
        "Message",
        (
            *_SEND,
            *_CAPTION,
            "document!: InputFile or String",
            "thumbnail: InputFile or String",
            "disable_content_type_detection: Boolean",
        ),
    ),
    "sendPhoto": (
        "Message",
        (
            *_SEND,
            *_CAPTION,
            "photo!: InputFile or String",
            "show_caption_above_media: Boolean",
            "has_spoiler: Boolean",
        ),
    ),
    "copyMessage": (
        "MessageId",
        (
            *_SEND[1:],
            *_CAPTION,
            "from_chat_id!: Integer or String",
            "message_id!: Integer",
            "show_caption_above_media: Boolean",
        ),
    ),
    "editMessageText": (
        "Message or Boolean",
        (
            *_EDIT_TARGET,
            "text: String",
            "parse_mode: String",
            "entities: Array of MessageEntity",
            "link_preview_options: LinkPreviewOptions",
            "reply_markup: InlineKeyboardMarkup",
        ),
    ),
    "editMessageReplyMarkup": (
        "Message or Boolean",
        (*_EDIT_TARGET, "reply_markup: InlineKeyboardMarkup"),
    ),
    "deleteMessage": ("Boolean", ("chat_id!: Integer or String", "message_id!: Integer")),
    "answerCallbackQuery": (
        "Boolean",
        (
            "callback_query_id!: String",
            "text: String",
            "show_alert: Boolean",
            "url: String",
            "cache_time: Integer",
        ),
    ),
    "pinChatMessage": (
        "Boolean",
        (
            "business_connection_id: String",
            "chat_id!: Integer or String",
            "message_id!: Integer",
            "disable_notification: Boolean",
        ),
    ),
    "unpinChatMessage": (
        "Boolean",
        (
            "business_connection_id: String",
            "chat_id!: Integer or String",
            "message_id: Integer",
        ),
    ),
    "setMyCommands": ("Boolean", ("commands!: Array of BotCommand", *_SCOPE)),
    "getMyCommands": ("Array of BotCommand", _SCOPE),
    "deleteMyCommands": ("Boolean", _SCOPE),
    "getChat": ("ChatFullInfo", ("chat_id!: Integer or String",)),
    "getChatMember": ("ChatMember", ("chat_id!: Integer or String", "user_id!: Integer")),
    "getChatAdministrators": (
        "Array of ChatMember",
        ("chat_id!: Integer or String", "return_bots: Boolean"),
    ),
    "leaveChat": ("Boolean", ("chat_id!: Integer or String",)),
    "getFile": ("File", ("file_id!: String",)),
}

_SCOPES = {
    "BotCommandScopeDefault": "default",
    "BotCommandScopeAllPrivateChats": "all_private_chats",
    "BotCommandScopeAllGroupChats": "all_group_chats",
    "BotCommandScopeAllChatAdministrators": "all_chat_administrators",
    "BotCommandScopeChat": "chat",
    "BotCommandScopeChatAdministrators": "chat_administrators",
    "BotCommandScopeChatMember": "chat_member",
}

TYPES: dict[str, tuple[str, ...]] = {
    "User": (
        "id!: Integer",
        "is_bot!: Boolean",
        "first_name!: String",
        "last_name: String",
        "username: String",
        "language_code: String",
    ),
    "MessageEntity": (
        "type!: String",
        "offset!: Integer",
        "length!: Integer",
        "url: String",
        "user: User",
        "language: String",
        "custom_emoji_id: String",
    ),
    "InlineKeyboardMarkup": ("inline_keyboard!: Array of Array of InlineKeyboardButton",),
    "InlineKeyboardButton": (
        "text!: String",
        "url: String",
        "callback_data: String",
        "switch_inline_query: String",
        "switch_inline_query_current_chat: String",
        "pay: Boolean",
    ),
    "ReplyKeyboardMarkup": (
        "keyboard!: Array of Array of KeyboardButton",
        "is_persistent: Boolean",
        "resize_keyboard: Boolean",
        "one_time_keyboard: Boolean",
        "input_field_placeholder: String",
        "selective: Boolean",
    ),
    "KeyboardButton": (
        "text!: String",
        "request_contact: Boolean",
        "request_location: Boolean",
    ),
    "ReplyKeyboardRemove": ("remove_keyboard!: Boolean", "selective: Boolean"),
    "ForceReply": (
        "force_reply!: Boolean",
        "input_field_placeholder: String",
        "selective: Boolean",
    ),
    "ReplyParameters": (
        "message_id!: Integer",
        "chat_id: Integer or String",
        "allow_sending_without_reply: Boolean",
        "quote: String",
    ),
    "LinkPreviewOptions": (
        "is_disabled: Boolean",
        "url: String",
        "prefer_small_media: Boolean",
        "prefer_large_media: Boolean",
        "show_above_text: Boolean",
    ),
    "BotCommand": ("command!: String", "description!: String"),
    **{
        name: (
            f"type!: String={kind}",
            *(("chat_id!: Integer or String",) if kind.startswith("chat") else ()),
            *(("user_id!: Integer",) if kind == "chat_member" else ()),
        )
        for name, kind in _SCOPES.items()
    },
}

ABSTRACT: dict[str, tuple[str, ...]] = {"BotCommandScope": tuple(_SCOPES)}


def _field(entry: str) -> tuple[Field, str | None]:
    name, _, rest = entry.partition(": ")
    type_text, _, const = rest.partition("=")
    required = name.endswith("!")
    field = Field(name.rstrip("!"), tuple(type_text.split(" or ")), required)
    return field, const or None


def _type(name: str, entries: tuple[str, ...]) -> TypeSpec:
    fields: dict[str, Field] = {}
    consts: dict[str, object] = {}
    for entry in entries:
        fld, const = _field(entry)
        fields[fld.name] = fld
        if const is not None:
            consts[fld.name] = const
    return TypeSpec(name, fields, (), consts)


def builtin_validator() -> SpecValidator:
    """A lenient validator from this table: unknown parameters and fields are ignored."""
    methods = {
        name: MethodSpec(
            name,
            {fld.name: fld for fld, _ in map(_field, params)},
            tuple(returns.split(" or ")),
        )
        for name, (returns, params) in METHODS.items()
    }
    types = {name: _type(name, entries) for name, entries in TYPES.items()}
    types.update({name: TypeSpec(name, {}, subs) for name, subs in ABSTRACT.items()})
    return SpecValidator(methods, types, version="builtin", strict=False)

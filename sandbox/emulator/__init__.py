"""A local Telegram Bot API emulator: the bot talks HTTP to it, tests act as users.

Start it, point the bot at it, act as users, assert what they see::

    async with Emulator() as emu:                      # or: await emu.start(port=0)
        app = Application.builder().token(emu.token).base_url(f"{emu.api_root}/bot").build()
        alice = emu.user(1001, "Alice")
        await alice.send("/start")
        await emu.wait_idle()
        assert alice.last is not None and "Welcome" in alice.last.text

Python API (see the classes for details)::

    emu = Emulator(token=..., bot_username=..., bot_name=..., spec_path=None, clock=None)
    await emu.start(host="127.0.0.1", port=0) -> api_root; await emu.stop()
    emu.user(id, first_name, *, last_name, username, language_code="de", started=True)
    emu.group_chat(id, title, *, type="group", members, admins, creator, username, bot_status)
    user.send(text, chat=, reply_to=), user.type(text, ...) (**bold** etc. become entities, as
    in Telegram's apps), user.send_html(html, ...), user.press(label, message=,
    chat=), user.press_data(message_id, data, chat=), user.block(silent=), user.unblock()
    user.chat / .bot_messages / .last / .callback_answers / .commands  -> ChatMessage etc.
    group.messages / .last / .add_member / .remove_member / .set_status / .add_bot /
    .remove_bot / .migrate(new_id) / .commands_for(user)
    emu.wait_delivered(timeout), emu.wait_idle(timeout, quiet), emu.deliver_again(update_id)
    emu.calls, emu.clear_calls(), emu.in_flight, emu.delivered_updates, emu.pending_updates
    emu.faults.add(kind, methods=, count=, rate=, retry_after=, delay=, executed=)
    emu.enforce_limits = True; emu.privacy_mode = False; emu.block_silently(user)
    SpecValidator.load(path).check_call(method, params) / .check_result / .check_object

Bot API (``/bot<token>/<method>``, method names case-insensitive; GET query, form, JSON or
multipart): getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo, sendMessage,
editMessageText, editMessageReplyMarkup, deleteMessage, answerCallbackQuery, sendDocument,
sendPhoto, copyMessage, pinChatMessage, unpinChatMessage, setMyCommands, getMyCommands,
deleteMyCommands, getChat, getChatMember, getChatAdministrators, leaveChat, getFile, close,
logOut; downloads under ``/file/bot<token>/<file_path>``. Answers and errors have Telegram's
shape and wording. Parameters are checked against the emulator's own table
(:mod:`sandbox.emulator.table`), or, given ``spec_path``, against the full ``api.json``: then an
unknown parameter or field is also an error (stricter than Telegram, which ignores them).

Differences from Telegram, on purpose: webhooks may use plain http; updates are numbered from 1;
time is the ``clock``'s for message dates but real time for flood limits, callback-query expiry
and long polls; privacy mode is on (see ``Emulator.privacy_mode``).

Control API (JSON, same server, for a browser page or manual testing with a real bot)::

    GET  /_emulator/state                         bot, webhook, pending count, last event id
    GET  /_emulator/users                         users (with "blocked")
    POST /_emulator/users                         {"id", "first_name", "last_name"?, "username"?,
                                                   "language_code"?} -> the new user
    GET  /_emulator/chats                         chats with members and statuses
    POST /_emulator/groups                        {"id" (negative), "title", "type"?, "members"?,
                                                   "admins"?, "bot_status"?}
    GET  /_emulator/chats/{chat_id}/messages      messages with edits applied (text, html,
                                                   buttons [[{text, data}]], document, ...)
    POST /_emulator/users/{user_id}/send          {"text", "chat_id"?, "reply_to"?,
                                                   "shortcuts"?: true = typed in an app}
    POST /_emulator/users/{user_id}/press         {"button", "message_id"?, "chat_id"?} or
                                                  {"data", "message_id", "chat_id"?} (forged)
    POST /_emulator/users/{user_id}/block         and .../unblock
    GET  /_emulator/users/{user_id}/commands      the command menu the user sees
    GET  /_emulator/users/{user_id}/answers       answers to the user's button presses
    GET  /_emulator/calls?since=N                 recorded Bot API calls from index N
    GET  /_emulator/events?since=N&timeout=S      long poll: {"events": [{id, kind, ...}],
                                                   "last": N}; kinds: user, chat, message, edit,
                                                   delete, pin, unpin, press, callback_answer,
                                                   commands, member, block, unblock
    GET  /_emulator/files/{file_id}               a stored file's bytes

Run standalone: ``python -m sandbox.emulator --port 8081 --token 123456:TEST-TOKEN``.
"""

from sandbox.emulator.client import UserHandle
from sandbox.emulator.emulator import SPEC_ENV, Emulator, default_spec_path
from sandbox.emulator.errors import ApiError
from sandbox.emulator.faults import Fault, Faults
from sandbox.emulator.groups import GroupHandle
from sandbox.emulator.schema import UploadedFile
from sandbox.emulator.server import RecordedCall
from sandbox.emulator.spec import SpecValidator
from sandbox.emulator.state import CallbackAnswer, SentFile
from sandbox.emulator.views import BotCommand, ChatMessage

__all__ = [
    "SPEC_ENV",
    "ApiError",
    "BotCommand",
    "CallbackAnswer",
    "ChatMessage",
    "Emulator",
    "Fault",
    "Faults",
    "GroupHandle",
    "RecordedCall",
    "SentFile",
    "SpecValidator",
    "UploadedFile",
    "UserHandle",
    "default_spec_path",
]

"""A real python-telegram-bot 22 client against the emulator: Bot calls, polling, webhooks."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from sandbox.emulator import Emulator, UserHandle

KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Join", callback_data="join:7")],
        [InlineKeyboardButton("Web", url="https://example.org")],
    ]
)


async def test_get_me(bot: Bot) -> None:
    """getMe describes the bot."""
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (
        123456,
        "gremium_bot",
        "Gremium",
        True,
    )


async def test_send_html_with_keyboard_and_edit(bot: Bot, alice: UserHandle) -> None:
    """The user sees formatted text and buttons; edits apply, identical edits are refused."""
    sent = await bot.send_message(
        alice.id, "<b>Hi</b> &lt;Alice&gt;", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
    )
    assert sent.text == "Hi <Alice>" and sent.from_user is not None and sent.from_user.is_bot
    last = alice.last
    assert last is not None
    assert (last.text, last.html) == ("Hi <Alice>", "<b>Hi</b> &lt;Alice&gt;")
    assert last.buttons == [[("Join", "join:7")], [("Web", "https://example.org/")]]
    edited = await bot.edit_message_text(
        "<i>Bye</i>", chat_id=alice.id, message_id=sent.message_id, parse_mode=ParseMode.HTML
    )
    assert not isinstance(edited, bool) and edited.edit_date is not None
    assert alice.last is not None and (alice.last.html, alice.last.edited) == ("<i>Bye</i>", 1)
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text(
            "<i>Bye</i>", chat_id=alice.id, message_id=sent.message_id, parse_mode="HTML"
        )
    await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=KEYBOARD)
    assert alice.last is not None and alice.last.button_labels == ["Join", "Web"]


async def test_press_and_answer_callback_query(bot: Bot, alice: UserHandle) -> None:
    """u.press sends a CallbackQuery the bot can read and answer."""
    sent = await bot.send_message(alice.id, "Pick", reply_markup=KEYBOARD)
    query_id = await alice.press("Join")
    (update,) = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query is not None and query.message is not None
    assert (query.id, query.data, query.from_user.id) == (query_id, "join:7", alice.id)
    assert query.message.message_id == sent.message_id and query.chat_instance
    assert await query.answer("Joined", show_alert=True)
    assert [(a.text, a.show_alert) for a in alice.callback_answers] == [("Joined", True)]
    with pytest.raises(AssertionError, match=r"no button 'Leave'.*Join"):
        await alice.press("Leave")


async def test_send_document_and_download(bot: Bot, alice: UserHandle) -> None:
    """Uploads keep name, type and bytes; getFile serves them back."""
    sent = await bot.send_document(
        alice.id,
        b"BEGIN:VCALENDAR\r\n",
        filename="meeting.ics",
        caption="<b>Termin</b>",
        parse_mode="HTML",
    )
    document = sent.document
    assert document is not None and document.file_name == "meeting.ics"
    assert document.mime_type == "text/calendar" and document.file_size == 17
    last = alice.last
    assert last is not None and last.document is not None
    assert (last.document.file_name, last.document.content) == (
        "meeting.ics",
        b"BEGIN:VCALENDAR\r\n",
    )
    assert (last.caption, last.html) == ("Termin", "<b>Termin</b>")
    downloaded = await (await bot.get_file(document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"BEGIN:VCALENDAR\r\n"
    again = await bot.send_document(alice.id, document.file_id)
    assert again.document is not None and again.document.file_unique_id == document.file_unique_id


async def test_commands_per_scope_and_language(bot: Bot, emu: Emulator, alice: UserHandle) -> None:
    """set_my_commands per scope and language; each user sees Telegram's resolution."""
    bob = emu.user(1002, "Bob", language_code="en")
    carol = emu.user(1003, "Carol", language_code="fr")
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands(
        [BotCommand("start", "Start"), BotCommand("help", "Help")],
        scope=BotCommandScopeAllPrivateChats(),
    )
    await bot.set_my_commands(
        [BotCommand("start", "Starten"), BotCommand("hilfe", "Hilfe")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="de",
    )
    await bot.set_my_commands([BotCommand("admin", "Admin")], scope=BotCommandScopeChat(bob.id))
    assert [c.command for c in alice.commands] == ["start", "hilfe"]
    assert [c.command for c in bob.commands] == ["admin"]
    assert carol.commands == [("start", "Start"), ("help", "Help")]
    group = emu.group_chat(-500, "Group", members=[alice])
    assert group.commands_for(alice) == [("start", "Start")]
    read = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="de")
    assert [c.description for c in read] == ["Starten", "Hilfe"]
    await bot.delete_my_commands(scope=BotCommandScopeChat(bob.id))
    assert [c.command for c in bob.commands] == ["start", "help"]


async def test_get_updates_long_poll_wakes_on_message(bot: Bot, alice: UserHandle) -> None:
    """A waiting getUpdates returns as soon as a user writes, well before its timeout."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.1)
    await alice.send("/start@gremium_bot now")
    (update,) = await poll
    assert loop.time() - started < 5
    message = update.message
    assert message is not None and message.text == "/start@gremium_bot now"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 18
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()


async def test_link_preview_options_are_kept(bot: Bot, alice: UserHandle) -> None:
    """Non-default link preview options come back on the message, as in Telegram."""
    sent = await bot.send_message(
        alice.id, "See https://example.org", link_preview_options=LinkPreviewOptions(True)
    )
    assert sent.link_preview_options == LinkPreviewOptions(is_disabled=True)
    assert sent.entities[0].type == "url"
    plain = await bot.send_message(alice.id, "no options")
    assert plain.link_preview_options is None


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets with a button."""
    assert update.effective_message is not None and update.effective_user is not None
    button = InlineKeyboardMarkup([[InlineKeyboardButton("Ping", callback_data="ping")]])
    name = update.effective_user.first_name
    await update.effective_message.reply_html(f"Hello <b>{name}</b>", reply_markup=button)


async def _ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers the button."""
    assert update.callback_query is not None
    await update.callback_query.answer("pong")
    await update.callback_query.edit_message_text("Pinged")


def _application(emu: Emulator) -> Application:  # type: ignore[type-arg]
    app = Application.builder().token(emu.token).base_url(f"{emu.api_root}/bot").build()
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_ping))
    return app


@pytest.fixture
async def polling_app(emu: Emulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """An Application polling the emulator, started and stopped properly."""
    app = _application(emu)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        yield app
        await app.updater.stop()
        await app.stop()


async def test_application_with_polling(
    polling_app: Application,
    emu: Emulator,
    alice: UserHandle,  # type: ignore[type-arg]
) -> None:
    """The whole loop: command, reply with a button, press, answer, edit."""
    await alice.send("/start")
    await emu.wait_idle()
    assert alice.last is not None and alice.last.html == "Hello <b>Alice</b>"
    await alice.press("Ping")
    await emu.wait_idle()
    assert alice.last is not None and (alice.last.text, alice.last.buttons) == ("Pinged", [])
    assert alice.callback_answers[-1].text == "pong"
    assert emu.delivered_updates == 2 and emu.pending_updates == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_application_with_webhook(emu: Emulator, alice: UserHandle) -> None:
    """PTB's own webhook server receives updates carrying the secret token."""
    port = _free_port()
    app = _application(emu)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cret_token",
        )
        assert emu.webhook.url == f"http://127.0.0.1:{port}/hook"
        await alice.send("/start")
        await emu.wait_idle()
        assert alice.last is not None and alice.last.text == "Hello Alice"
        await app.updater.stop()
        await app.stop()


async def test_webhook_delivery_retries_until_2xx(
    bot: Bot, emu: Emulator, alice: UserHandle
) -> None:
    """Updates are POSTed as JSON with the secret header; non-2xx answers are retried."""
    received: list[tuple[str | None, dict[str, object]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=500 if len(received) == 1 else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        assert await bot.set_webhook(url, secret_token="abc_DEF-1")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        await alice.send("hello")
        await emu.wait_delivered(timeout=5)
        assert [secret for secret, _ in received] == ["abc_DEF-1", "abc_DEF-1"]
        assert received[0][1] == received[1][1] and received[1][1]["message"]["text"] == "hello"  # type: ignore[index]
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (url, 0)
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
    finally:
        await runner.cleanup()

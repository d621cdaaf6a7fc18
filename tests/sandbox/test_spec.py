"""The emulator held against the Bot API spec (api.json); skipped with a reason when absent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChatAdministrators,
    BotCommandScopeChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
)

from sandbox.emulator import Emulator, SpecValidator
from sandbox.emulator.server import HANDLERS
from sandbox.emulator.table import builtin_validator
from tests.sandbox.conftest import PNG

USER = {"id": 1, "is_bot": False, "first_name": "A"}


@pytest.fixture
def spec(spec_path: Path) -> SpecValidator:
    """The full spec."""
    return SpecValidator.load(spec_path)


def test_every_method_has_a_table_entry() -> None:
    """What the server implements is exactly what the built-in table describes."""
    assert set(HANDLERS) == set(builtin_validator().methods)


def test_table_agrees_with_spec(spec: SpecValidator) -> None:
    """Each built-in method, parameter, type and field exists in api.json with the same types,
    required flags, return types, subtypes and constants."""
    table = builtin_validator()
    problems: list[str] = []
    for name, method in table.methods.items():
        official = spec.methods.get(name)
        if official is None:
            problems.append(f"{name}: not in api.json")
            continue
        if set(method.returns) != set(official.returns):
            problems.append(f"{name}: returns {method.returns} != {official.returns}")
        for param in method.params.values():
            if official.params.get(param.name) != param:
                problems.append(
                    f"{name}.{param.name}: {param} != {official.params.get(param.name)}"
                )
    for name, kind in table.types.items():
        official_type = spec.types.get(name)
        if official_type is None:
            problems.append(f"type {name}: not in api.json")
            continue
        if set(kind.subtypes) != set(official_type.subtypes) or dict(kind.consts) != dict(
            official_type.consts
        ):
            problems.append(f"type {name}: subtypes or constants differ")
        for field in kind.fields.values():
            if official_type.fields.get(field.name) != field:
                problems.append(
                    f"{name}.{field.name}: {field} != {official_type.fields.get(field.name)}"
                )
    assert problems == []


@pytest.mark.parametrize(
    ("method", "params", "expected"),
    [
        ("sendMessage", {"chat_id": 1, "text": "x"}, []),
        ("sendMessage", {"chat_id": "@group", "text": "x"}, []),
        (
            "sendMessage",
            {"chat_id": [1], "text": "x"},
            ["sendMessage.chat_id: expected Integer or String, got Array"],
        ),
        (
            "sendMessage",
            {"chat_id": 1, "text": 5},
            ["sendMessage.text: expected String, got Integer"],
        ),
        (
            "sendMessage",
            {"chat_id": 1, "text": "x", "colour": "red"},
            ["sendMessage.colour: unknown parameter"],
        ),
        ("sendMessage", {"text": "x"}, ["sendMessage.chat_id: required parameter missing"]),
        ("sendPigeon", {}, ["sendPigeon: unknown method"]),
        (
            "sendMessage",
            {
                "chat_id": 1,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": 1}]]},
            },
            [
                "sendMessage.reply_markup.inline_keyboard[0][0].callback_data: expected String, got Integer"
            ],
        ),
        (
            "sendMessage",
            {
                "chat_id": 1,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"callback_data": "a"}]]},
            },
            [
                "sendMessage.reply_markup.inline_keyboard[0][0].text: required field of InlineKeyboardButton"
            ],
        ),
        (
            "setMyCommands",
            {"commands": [{"command": "a", "description": "b"}], "scope": {"type": "chat"}},
            [
                "setMyCommands.scope.chat_id: required field of BotCommandScopeChat"
                " (as BotCommandScopeChat of BotCommandScope)"
            ],
        ),
        ("sendDocument", {"chat_id": 1, "document": "file-id"}, []),
    ],
)
def test_validator_checks_calls(
    spec: SpecValidator, method: str, params: dict[str, Any], expected: list[str]
) -> None:
    """Unknown methods and parameters, missing required ones, wrong types at any depth."""
    assert spec.check_call(method, params) == expected


@pytest.mark.parametrize(
    ("type_name", "obj", "expected"),
    [
        ("ChatMember", {"status": "member", "user": USER}, []),
        ("ChatMember", {"status": "kicked", "user": USER, "until_date": 0}, []),
        (
            "ChatMember",
            {"status": "creator", "user": USER},
            [
                "ChatMember.is_anonymous: required field of ChatMemberOwner (as ChatMemberOwner of ChatMember)"
            ],
        ),
        (
            "MaybeInaccessibleMessage",
            {"chat": {"id": 1, "type": "private"}, "message_id": 3, "date": 0},
            [],
        ),
        ("BotCommandScope", {"type": "chat_member", "chat_id": "@g", "user_id": 2}, []),
        ("User", {**USER, "nickname": "x"}, ["User.nickname: unknown field of User"]),
        (
            "Message",
            {"message_id": 1, "date": 0, "chat": {"id": 1}},
            ["Message.chat.type: required field of Chat"],
        ),
        (
            "Update",
            {"update_id": 1, "message": []},
            ["Update.message: expected Message, got Array"],
        ),
    ],
)
def test_validator_checks_objects(
    spec: SpecValidator, type_name: str, obj: dict[str, Any], expected: list[str]
) -> None:
    """Required and unknown fields, unions, abstract types matched by their constant fields."""
    assert spec.check_object(type_name, obj) == expected


@pytest.fixture
async def strict_emu(spec_path: Path) -> AsyncIterator[Emulator]:
    """An emulator validating every request against the full spec."""
    async with Emulator(spec_path=spec_path) as emulator:
        yield emulator


async def test_full_spec_rejects_unknown_parameters(strict_emu: Emulator) -> None:
    """With api.json, parameters Telegram does not document are an error (to catch typos)."""
    strict_emu.user(7, "Ann")
    url = f"{strict_emu.api_root}/bot{strict_emu.token}/sendMessage"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"chat_id": 7, "text": "x", "parse_mod": "HTML"}) as response,
    ):
        body = await response.json()
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: sendMessage.parse_mod: unknown parameter",
    }


async def _scripted_run(emu: Emulator, bot: Bot) -> None:
    """Touch every method and every kind of update the emulator produces."""
    ann = emu.user(7, "Ann", last_name="Lee", username="ann")
    ben = emu.user(8, "Ben")
    group = emu.group_chat(-42, "Team", members=[ben], admins=[ann], bot_status="administrator")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
    await bot.get_me()
    await ann.send("/start")
    sent = await bot.send_message(
        ann.id,
        '<b>Hi</b> <a href="https://example.org">x</a> <pre><code class="language-py">1</code></pre>',
        parse_mode="HTML",
        reply_markup=keyboard,
        reply_parameters=ReplyParameters(1),
    )
    await bot.edit_message_text(
        "Hi <i>again</i> https://example.org #tag", ann.id, sent.message_id, parse_mode="HTML"
    )
    await bot.edit_message_reply_markup(ann.id, sent.message_id, reply_markup=keyboard)
    await bot.send_message(ann.id, "https://x.org", link_preview_options=LinkPreviewOptions(True))
    await ann.press("OK")
    await ann.press_data(999, "forged")
    updates = await bot.get_updates(timeout=0)
    await bot.answer_callback_query(updates[-2].callback_query.id, "fine")  # type: ignore[union-attr]
    document = await bot.send_document(ann.id, b"data", filename="a.csv", caption="c")
    await bot.send_photo(group.id, PNG, caption="<b>p</b>", parse_mode="HTML")
    await bot.copy_message(ben.id, ann.id, document.message_id)
    await bot.pin_chat_message(group.id, 1)
    await bot.get_chat(group.id)
    await bot.get_chat(ann.id)
    group.set_status(ben, "restricted")
    for user in (ann, ben, emu.bot.id):
        await bot.get_chat_member(group.id, user if isinstance(user, int) else user.id)
    await bot.get_chat_administrators(group.id)
    await bot.unpin_chat_message(group.id)
    await bot.set_my_commands(
        [BotCommand("go", "Go")], scope=BotCommandScopeChatMember(group.id, ann.id)
    )
    await bot.set_my_commands(
        [BotCommand("go", "Go")], scope=BotCommandScopeChatAdministrators(group.id)
    )
    await bot.get_my_commands(scope=BotCommandScopeChatMember(group.id, ann.id))
    await bot.delete_my_commands()
    assert document.document is not None
    await bot.get_file(document.document.file_id)
    await ben.send("/go@gremium_bot", chat=group)
    ben.block()
    ann.block(silent=True)
    upgraded = group.migrate()
    group_b = emu.group_chat(-43, "Other", creator=ben)
    group_b.add_member(ann, by=ben)
    group_b.remove_member(ann)
    await ann.send("x", chat=upgraded)
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    await bot.get_webhook_info()
    await bot.delete_message(ann.id, sent.message_id)
    await bot.leave_chat(upgraded.id)
    await bot.get_updates(timeout=0)
    await ann.send("/start")
    await bot.set_webhook("http://127.0.0.1:9/unreachable", allowed_updates=["message"])
    for _ in range(200):  # the first delivery attempt fails: nobody listens there
        if (await bot.get_webhook_info()).last_error_date is not None:
            break
        await asyncio.sleep(0.01)
    await bot.delete_webhook(drop_pending_updates=True)
    await bot.close()
    await bot.log_out()


async def test_everything_the_emulator_says_conforms(
    strict_emu: Emulator, spec: SpecValidator
) -> None:
    """In a scripted run, every request passes the spec and every result and update is a
    well-formed object of its documented type."""
    async with Bot(strict_emu.token, base_url=f"{strict_emu.api_root}/bot") as bot:
        await _scripted_run(strict_emu, bot)
    failed = [(c.method, c.response) for c in strict_emu.calls if not c.ok]
    assert failed == []
    problems: list[str] = []
    for call in strict_emu.calls:
        problems += spec.check_call(call.method, call.params)
        problems += spec.check_result(call.method, call.result)
    for payload in strict_emu.core.queue.history.values():
        problems += spec.check_object("Update", payload)
    assert problems == []
    methods = {call.method for call in strict_emu.calls}
    assert methods == set(HANDLERS)
    kinds = {
        next(k for k in u if k != "update_id") for u in strict_emu.core.queue.history.values()
    }
    assert kinds == {"message", "callback_query", "my_chat_member"}

"""The emulator rejects what Telegram rejects, with Telegram's status, shape and wording."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.clock import FakeClock
from sandbox.emulator import Emulator, UserHandle
from tests.sandbox.conftest import Api

KEYBOARD = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}


def error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


async def test_missing_chat_id(api: Api) -> None:
    """sendMessage without chat_id."""
    assert await api("sendMessage", text="hi") == (
        400,
        error(400, "Bad Request: chat_id is empty"),
    )


@pytest.mark.parametrize(
    ("text", "description"),
    [
        (None, "Bad Request: message text is empty"),
        ("", "Bad Request: message text is empty"),
        ("  \n ", "Bad Request: text must be non-empty"),
        ("<b> </b>", "Bad Request: text must be non-empty"),
    ],
)
async def test_missing_or_blank_text(
    api: Api, alice: UserHandle, text: str | None, description: str
) -> None:
    """No text is "message text is empty"; nothing left after parsing and trimming is
    "text must be non-empty"."""
    params = {"chat_id": alice.id} | ({} if text is None else {"text": text})
    status, body = await api("sendMessage", parse_mode="HTML", **params)
    assert (status, body) == (400, error(400, description))


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("x" * 4096, True),
        ("x" * 4097, False),
        ("😀" * 2048, True),  # 4096 UTF-16 code units
        ("😀" * 2049, False),
        ("<b>" + "x" * 4096 + "</b>", True),  # counted after entity parsing
    ],
)
async def test_text_length_counts_utf16_after_parsing(
    api: Api, alice: UserHandle, text: str, accepted: bool
) -> None:
    """1-4096 characters, counted in UTF-16 code units after parsing."""
    status, body = await api("sendMessage", chat_id=alice.id, text=text, parse_mode="HTML")
    if accepted:
        assert status == 200 and body["ok"]
    else:
        assert (status, body) == (400, error(400, "Bad Request: message is too long"))


@pytest.mark.parametrize(
    ("data", "accepted"),
    [("d" * 64, True), ("d" * 65, False), ("ä" * 32, True), ("ä" * 33, False)],
)
async def test_callback_data_is_at_most_64_bytes(
    api: Api, alice: UserHandle, data: str, accepted: bool
) -> None:
    """callback_data is limited in UTF-8 bytes, not characters."""
    markup = {"inline_keyboard": [[{"text": "B", "callback_data": data}]]}
    status, body = await api("sendMessage", chat_id=alice.id, text="t", reply_markup=markup)
    if accepted:
        assert status == 200
    else:
        assert (status, body) == (400, error(400, "Bad Request: BUTTON_DATA_INVALID"))


@pytest.mark.parametrize(
    ("markup", "description"),
    [
        (
            {"inline_keyboard": [[{"text": "plain"}]]},
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        (
            {"inline_keyboard": [[{"text": "B", "callback_data": ""}]]},
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        (
            {"inline_keyboard": [[{"text": str(i), "callback_data": "x"}] for i in range(101)]},
            "Bad Request: reply markup is too long",
        ),
        ("{not json", "Bad Request: can't parse reply keyboard markup JSON object"),
    ],
)
async def test_bad_keyboards(
    api: Api, alice: UserHandle, markup: object, description: str
) -> None:
    """Buttons need an action, at most 100 buttons, valid JSON."""
    status, body = await api(
        "sendMessage", transport="form", chat_id=alice.id, text="t", reply_markup=markup
    )
    assert (status, body) == (400, error(400, description))


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("Grüße <br>", 'Unsupported start tag "br" at byte offset 8'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_broken_html(api: Api, alice: UserHandle, html: str, problem: str) -> None:
    """Malformed HTML is refused with the parser's message and UTF-8 byte offset."""
    status, body = await api("sendMessage", chat_id=alice.id, text=html, parse_mode="HTML")
    assert (status, body) == (400, error(400, f"Bad Request: can't parse entities: {problem}"))


async def test_markdown_v2_reserved_character(api: Api, alice: UserHandle) -> None:
    """MarkdownV2 wants reserved characters escaped."""
    _status, body = await api("sendMessage", chat_id=alice.id, text="Hi.", parse_mode="MarkdownV2")
    assert body["description"] == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with"
        " the preceding '\\'"
    )


async def test_unknown_parse_mode(api: Api, alice: UserHandle) -> None:
    """Only HTML, MarkdownV2 and Markdown exist."""
    _status, body = await api("sendMessage", chat_id=alice.id, text="x", parse_mode="BBCode")
    assert body == error(400, "Bad Request: unsupported parse_mode")


@pytest.mark.parametrize("chat_id", [424242, "@nobody", -100999])
async def test_unknown_chat(api: Api, chat_id: int | str) -> None:
    """Chats the bot does not know."""
    assert await api("sendMessage", chat_id=chat_id, text="x") == (
        400,
        error(400, "Bad Request: chat not found"),
    )


async def test_edit_of_missing_message(api: Api, alice: UserHandle) -> None:
    """Editing a message that does not exist."""
    status, body = await api("editMessageText", chat_id=alice.id, message_id=99, text="x")
    assert (status, body) == (400, error(400, "Bad Request: message to edit not found"))


async def test_edit_without_target(api: Api) -> None:
    """Neither chat_id/message_id nor inline_message_id."""
    _status, body = await api("editMessageText", text="x")
    assert body == error(400, "Bad Request: message identifier is not specified")


async def test_not_modified_and_keyboard_removal(api: Api, alice: UserHandle) -> None:
    """Identical content is refused; omitting reply_markup removes the keyboard."""
    sent = await api.ok("sendMessage", chat_id=alice.id, text="<b>A</b>", parse_mode="HTML")
    same = {"chat_id": alice.id, "message_id": sent["message_id"], "text": "<b>A</b>"}
    _status, body = await api("editMessageText", parse_mode="HTML", **same)
    assert body["description"] == (
        "Bad Request: message is not modified: specified new message content and reply markup"
        " are exactly the same as a current content and reply markup of the message"
    )
    await api.ok("editMessageText", parse_mode="HTML", reply_markup=KEYBOARD, **same)
    assert alice.last is not None and alice.last.buttons == [[("Go", "go")]]
    edited = await api.ok("editMessageText", parse_mode="HTML", **same)
    assert "reply_markup" not in edited and "edit_date" not in edited
    assert alice.last is not None and alice.last.buttons == []
    changed = await api.ok("editMessageText", **(same | {"text": "B"}))
    assert changed["text"] == "B" and isinstance(changed["edit_date"], int)


async def test_wrong_token_and_unknown_method(api: Api) -> None:
    """401 and 404 exactly as api.telegram.org answers them."""
    assert await api("getMe", token="123456:WRONG") == (401, error(401, "Unauthorized"))
    assert await api("sendPigeon") == (404, error(404, "Not Found"))


async def test_method_names_are_case_insensitive(api: Api) -> None:
    """Telegram matches method names without regard to case."""
    assert (await api.ok("GETME"))["username"] == "gremium_bot"
    assert (await api.ok("getme"))["is_bot"] is True


@pytest.mark.parametrize("transport", ["json", "query", "form", "multipart"])
async def test_every_transport(api: Api, alice: UserHandle, transport: str) -> None:
    """GET query, form, JSON and multipart carry the same parameters."""
    status, body = await api(
        "sendMessage",
        transport=transport,
        chat_id=alice.id,
        text="<i>hi</i>",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
        disable_notification=True,
    )
    assert status == 200, body
    assert body["result"]["entities"] == [{"offset": 0, "length": 2, "type": "italic"}]
    assert body["result"]["reply_markup"] == KEYBOARD


async def test_wrong_types_are_refused(api: Api, alice: UserHandle) -> None:
    """Values must have the documented type (Telegram would misread them)."""
    status, body = await api("sendMessage", chat_id=alice.id, text="x", disable_notification=7)
    assert status == 400 and "disable_notification" in body["description"]
    status, body = await api("deleteMessage", transport="form", chat_id=alice.id, message_id="x")
    assert body == error(400, "Bad Request: invalid message_id specified")


async def test_blocked_user(api: Api, alice: UserHandle) -> None:
    """A user who blocked the bot answers 403."""
    alice.block()
    assert await api("sendMessage", chat_id=alice.id, text="x") == (
        403,
        error(403, "Forbidden: bot was blocked by the user"),
    )


async def test_user_who_never_started_the_bot(api: Api, emu: Emulator) -> None:
    """Bots cannot start conversations; after the user writes, they can answer."""
    shy = emu.user(2002, "Shy", started=False)
    assert await api("sendMessage", chat_id=shy.id, text="x") == (
        403,
        error(403, "Forbidden: bot can't initiate conversation with a user"),
    )
    await shy.send("hello")
    await api.ok("sendMessage", chat_id=shy.id, text="x")


async def test_reply_to_missing_message(api: Api, alice: UserHandle) -> None:
    """Replies need an existing target unless allow_sending_without_reply."""
    params = {"chat_id": alice.id, "text": "x"}
    _status, body = await api("sendMessage", reply_parameters={"message_id": 77}, **params)
    assert body == error(400, "Bad Request: message to be replied not found")
    relaxed = {"message_id": 77, "allow_sending_without_reply": True}
    await api.ok("sendMessage", reply_parameters=relaxed, **params)


async def test_delete_rules(api: Api, alice: UserHandle, clock: FakeClock) -> None:
    """Deleting: ids required, missing message, 48-hour window."""
    sent = await api.ok("sendMessage", chat_id=alice.id, text="x")
    assert sent["date"] == int(clock.now().timestamp())
    assert (await api("deleteMessage", message_id=1))[1] == error(
        400, "Bad Request: chat identifier is not specified"
    )
    assert (await api("deleteMessage", chat_id=alice.id))[1] == error(
        400, "Bad Request: message identifier is not specified"
    )
    assert (await api("deleteMessage", chat_id=alice.id, message_id=9))[1] == error(
        400, "Bad Request: message to delete not found"
    )
    clock.advance(timedelta(hours=49))
    assert (await api("deleteMessage", chat_id=alice.id, message_id=1))[1] == error(
        400, "Bad Request: message can't be deleted"
    )
    fresh = await api.ok("sendMessage", chat_id=alice.id, text="y")
    assert await api.ok("deleteMessage", chat_id=alice.id, message_id=fresh["message_id"])
    assert [m.text for m in alice.chat] == ["x"]


async def test_answer_callback_query_rules(api: Api, alice: UserHandle) -> None:
    """A query can be answered once; unknown ids are refused."""
    await api.ok("sendMessage", chat_id=alice.id, text="t", reply_markup=KEYBOARD)
    query = await alice.press("Go")
    invalid = error(
        400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    assert (await api("answerCallbackQuery", callback_query_id="123"))[1] == invalid
    assert await api.ok("answerCallbackQuery", callback_query_id=query, text="Done") is True
    assert (await api("answerCallbackQuery", callback_query_id=query))[1] == invalid
    assert [(a.text, a.show_alert) for a in alice.callback_answers] == [("Done", False)]


async def test_unknown_parameters_are_ignored_without_spec(api: Api, alice: UserHandle) -> None:
    """Like Telegram, the built-in table ignores parameters it does not know."""
    await api.ok("sendMessage", chat_id=alice.id, text="x", no_such_option=True)


async def test_other_paths_are_json_404(api: Api) -> None:
    """Paths outside the API answer Telegram's 404 too."""
    async with api.session.get(f"{api.emu.api_root}/nothing/here") as response:
        assert (response.status, await response.json()) == (404, error(404, "Not Found"))


@pytest.mark.parametrize(("length", "accepted"), [(1024, True), (1025, False)])
async def test_caption_length(api: Api, alice: UserHandle, length: int, accepted: bool) -> None:
    """Captions are 0-1024 characters after parsing."""
    status, body = await api(
        "sendDocument",
        transport="multipart",
        chat_id=alice.id,
        document=b"x",
        caption="<b>" + "c" * length + "</b>",
        parse_mode="HTML",
    )
    if accepted:
        assert status == 200 and body["result"]["caption_entities"][0]["length"] == length
    else:
        assert (status, body) == (400, error(400, "Bad Request: message caption is too long"))


async def test_command_scope_by_username(api: Api, emu: Emulator, alice: UserHandle) -> None:
    """Scopes may name a public group by @username; bad commands are refused."""
    emu.group_chat(-1001, "Public", type="supergroup", username="PublicTeam", members=[alice])
    scope = {"type": "chat", "chat_id": "@publicteam"}
    commands = [{"command": "vote", "description": "Vote"}]
    await api.ok("setMyCommands", commands=commands, scope=scope)
    assert await api.ok("getMyCommands", scope={"type": "chat", "chat_id": -1001}) == commands
    bad = [{"command": "Vote!", "description": "x"}]
    assert (await api("setMyCommands", commands=bad))[1] == error(
        400, "Bad Request: BOT_COMMAND_INVALID"
    )

"""The JSON control API under /_emulator/ and the standalone entry point."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sandbox.emulator import Emulator
from tests.sandbox.conftest import Api


class Control:
    """Calls to /_emulator/."""

    def __init__(self, session: aiohttp.ClientSession, root: str) -> None:
        self.session = session
        self.root = f"{root}/_emulator"

    async def get(self, path: str, **query: str) -> Any:
        async with self.session.get(self.root + path, params=query) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def post(self, path: str, body: dict[str, Any] | None = None, status: int = 200) -> Any:
        async with self.session.post(self.root + path, json=body or {}) as response:
            assert response.status == status, await response.text()
            return await response.json()


@pytest.fixture
async def control(emu: Emulator) -> AsyncIterator[Control]:
    """A client for the control API."""
    async with aiohttp.ClientSession() as session:
        yield Control(session, emu.api_root)


async def test_users_chats_and_conversation(control: Control, api: Api, emu: Emulator) -> None:
    """Create a user, write as them, let the bot answer with a button, press it, read the chat."""
    created = await control.post("/users", {"id": 42, "first_name": "Ida", "language_code": "en"})
    assert created == {"id": 42, "is_bot": False, "first_name": "Ida", "language_code": "en"}
    await control.post("/groups", {"id": -9, "title": "Club", "members": [42], "admins": []})
    assert [u["id"] for u in await control.get("/users")] == [42]
    assert {c["id"]: c["type"] for c in await control.get("/chats")} == {
        42: "private",
        -9: "group",
    }
    sent = await control.post("/users/42/send", {"text": "/start"})
    assert (sent["text"], sent["from_bot"]) == ("/start", False)
    (update,) = await api.ok("getUpdates")
    assert update["message"]["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    await api.ok(
        "sendMessage", chat_id=42, text="<b>Sure?</b>", parse_mode="HTML", reply_markup=keyboard
    )
    messages = await control.get("/chats/42/messages")
    assert [(m["html"], m["buttons"]) for m in messages] == [
        ("/start", []),
        ("<b>Sure?</b>", [[{"text": "Yes", "data": "y"}]]),
    ]
    pressed = await control.post("/users/42/press", {"button": "Yes"})
    await api.ok("answerCallbackQuery", callback_query_id=pressed["query_id"], text="ok")
    assert await control.get("/users/42/answers") == [
        {"query_id": pressed["query_id"], "text": "ok", "show_alert": False, "url": None}
    ]
    failed = await control.post("/users/42/press", {"button": "No"}, status=400)
    assert "no button 'No'" in failed["error"]


async def test_block_commands_and_state(control: Control, api: Api, emu: Emulator) -> None:
    """Blocking, the command menu and the state summary."""
    emu.user(43, "Jo")
    assert await control.post("/users/43/block") == {"blocked": True}
    assert (await api("sendMessage", chat_id=43, text="x"))[0] == 403
    assert await control.post("/users/43/unblock") == {"blocked": False}
    await api.ok("setMyCommands", commands=[{"command": "start", "description": "Begin"}])
    assert await control.get("/users/43/commands") == [
        {"command": "start", "description": "Begin"}
    ]
    state = await control.get("/state")
    assert state["bot"]["username"] == "gremium_bot" and state["pending_updates"] == 2
    calls = await control.get("/calls", since="0")
    assert [c["method"] for c in calls] == ["sendMessage", "setMyCommands"]


async def test_events_long_poll(control: Control, api: Api, emu: Emulator) -> None:
    """/events waits for the next change and reports it."""
    emu.user(44, "Kim")
    last = (await control.get("/state"))["events"]
    waiting = asyncio.create_task(control.get("/events", since=str(last), timeout="5"))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await api.ok("sendMessage", chat_id=44, text="news")
    found = await waiting
    assert [(e["kind"], e["chat_id"]) for e in found["events"]] == [("message", 44)]
    assert found["last"] == last + 1


async def test_files_are_downloadable(control: Control, api: Api, emu: Emulator) -> None:
    """A sent document can be fetched through the control API."""
    emu.user(45, "Lu")
    sent = await api.ok("sendDocument", transport="multipart", chat_id=45, document=b"csv,data")
    (message,) = await control.get("/chats/45/messages")
    async with control.session.get(emu.api_root + message["document"]["url"]) as response:
        assert await response.read() == b"csv,data"
    assert message["document"]["file_id"] == sent["document"]["file_id"]


async def test_standalone_entry_point() -> None:
    """``python -m sandbox.emulator`` prints the API root and serves until stopped."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox.emulator",
        "--port",
        "0",
        "--no-spec",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        root = line.split(" at ", 1)[1].split()[0]
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{root}/bot123456:TEST-TOKEN/getMe") as response,
        ):
            assert (await response.json())["result"]["username"] == "gremium_bot"
    finally:
        process.terminate()
        await process.wait()

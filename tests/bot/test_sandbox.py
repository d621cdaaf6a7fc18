"""``gremium sandbox`` without a browser: the seeded cast, the clock, quiet hours, the page's API
and the command line."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from bot.__main__ import main
from bot.sandbox import JUMPS, PortTaken, Sandbox, check_port
from bot.seed import GROUP_CHAT, PERSONAS
from domain.i18n import strip_bidi
from sandbox.page import PageServer
from storage.models import Group

JANA, AMIRA = 1002, 1004
TUESDAY_10 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Herne
TUESDAY_22 = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)  # 22:00 in Herne: quiet hours


async def started(start: datetime) -> Sandbox:
    """A seeded sandbox whose clock stands at ``start``."""
    sandbox = Sandbox(start=start)
    await sandbox.start()
    return sandbox


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """The sandbox on a Tuesday morning."""
    box = await started(TUESDAY_10)
    yield box
    await box.stop()


async def open_poll(box: Sandbox) -> None:
    """Jana, the coordinator of Bildung, sends a date poll with two dates in December."""
    jana = box.emu.get_user(JANA)
    await jana.send("/poll")
    await box.settle()
    await jana.press("Bildung")
    await box.settle()
    await jana.send("08.12.2026 17:00\n10.12.2026 17:00")
    await box.settle()
    assert jana.last is not None
    send = next(label for label in jana.last.button_labels if label.startswith("✅"))
    await jana.press(send)
    await box.settle()


def has_poll(box: Sandbox, user_id: int) -> bool:
    """Whether the user got the poll."""
    messages = box.emu.get_user(user_id).bot_messages
    return any(strip_bidi(m.text).startswith("🗓 Bildung") for m in messages)


async def test_the_cast_is_seeded_through_the_bot(sandbox: Sandbox) -> None:
    """An organiser, two coordinators and members in six languages; a linked group chat."""
    people = {p["id"]: p for p in await sandbox.personas()}
    assert people[1001]["role"] == "Organiser"
    assert people[JANA]["coordinates"] == ["Bildung"]
    assert people[1003]["coordinates"] == ["Ausbildung und Arbeit"]
    assert {p["language"] for p in people.values()} == {"de", "en", "tr", "ar", "uk", "ru"}
    for persona in PERSONAS:
        assert people[persona.id]["role"] != "Not registered yet"
        assert len(people[persona.id]["groups"]) == len(persona.groups)
    assert "newgroup" in [c.command for c in sandbox.emu.get_user(1001).commands]
    assert "poll" in [c.command for c in sandbox.emu.get_user(JANA).commands]
    async with sandbox.sessionmaker() as session:
        bildung = (await session.exec(select(Group).where(Group.slug == "bildung"))).one()
    assert bildung.chat_id == GROUP_CHAT.id
    assert sandbox.emu.group(GROUP_CHAT.id).last is not None


async def test_next_step_walks_a_poll_to_its_meeting(sandbox: Sandbox) -> None:
    """Each jump to the next step does the next due thing; the close brings the notices."""
    assert await sandbox.next_step() is None
    assert await sandbox.jump("next") == "Nothing is scheduled."
    await open_poll(sandbox)
    assert has_poll(sandbox, AMIRA)
    await sandbox.emu.get_user(AMIRA).press("✅")  # yes to the first date
    await sandbox.settle()
    steps: list[tuple[datetime, str]] = []
    while (step := await sandbox.next_step()) is not None and "meeting" not in step.what:
        steps.append((step.at, step.what))
        said = await sandbox.jump("next")
        assert said == f"Jumped to the next step: {step.what}."
        assert sandbox.clock.now() == step.at
    deadline = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 18:00 in Herne on the tenth day
    assert steps == [
        (deadline - timedelta(hours=48), "reminder about the date poll of Bildung"),
        (deadline - timedelta(hours=6), "reminder about the date poll of Bildung"),
        (deadline, "the date poll of Bildung closes"),
    ]
    notice = sandbox.emu.get_user(AMIRA).last
    assert notice is not None and notice.document is not None
    assert notice.document.file_name == "bildung-2026-12-08.ics"
    assert step is not None and step.what == "reminder about the meeting of Bildung"


async def test_quiet_hours_hold_the_poll_until_morning() -> None:
    """At 22:00 the invitations wait; the state says so, and the next step is the morning."""
    box = await started(TUESDAY_22)
    try:
        await open_poll(box)
        assert not has_poll(box, AMIRA)
        state = await box.state()
        morning = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 08:00 in Herne
        assert state["quiet"]["active"] is True
        assert state["quiet"]["held"] == 5
        assert state["quiet"]["held_until"] == morning.isoformat()
        assert state["next"] == {"at": morning.isoformat(), "what": "5 waiting messages go out"}
        await box.jump("next")
        assert box.clock.now() == morning
        assert has_poll(box, AMIRA)
        assert (await box.state())["quiet"] | {"until": None} == {
            "active": False,
            "start": "21:00",
            "end": "08:00",
            "until": None,
            "held": 0,
            "held_until": None,
        }
    finally:
        await box.stop()


async def test_jumps_move_the_clock(sandbox: Sandbox) -> None:
    """+1 hour, day and week move the one clock the bot and the emulator share."""
    expected = TUESDAY_10
    for how, delta in JUMPS.items():
        said = await sandbox.jump(how)
        expected += delta
        assert said == f"Jumped forward one {how}."
        assert sandbox.clock.now() == expected
        assert sandbox.emu.world.now() == expected
    assert expected == TUESDAY_10 + timedelta(days=8, hours=1)


async def test_an_unknown_jump_is_refused(sandbox: Sandbox) -> None:
    """Anything but hour, day, week or next is an error, and time stays."""
    with pytest.raises(ValueError, match="unknown jump"):
        await sandbox.jump("month")
    assert sandbox.clock.now() == TUESDAY_10


async def test_the_page_server_api(sandbox: Sandbox) -> None:
    """The page, its assets, the state, new personas, the clock and the command menus."""
    server = PageServer(sandbox.emu, sandbox)
    url = await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession(url) as http:

            async def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
                async with http.request(method, path, json=body) as response:
                    if response.content_type == "application/json":
                        return response.status, await response.json()
                    return response.status, await response.text()

            status, html = await call("GET", "/")
            assert status == 200 and "/static/app.js" in html
            assert (await call("GET", "/static/app.js"))[0] == 200
            assert (await call("GET", "/static/style.css"))[0] == 200
            assert (await call("GET", "/static/secret.txt"))[0] == 404
            _, state = await call("GET", "/api/state")
            assert state["bot"]["username"] == "gremium_bot"
            assert {c["id"] for c in state["chats"]} >= {p.id for p in PERSONAS} | {GROUP_CHAT.id}
            assert len(state["personas"]) == len(PERSONAS)

            status, user = await call(
                "POST", "/api/personas", {"first_name": "Kim", "language_code": "en"}
            )
            assert status == 200 and user["id"] == 2001 and user["language_code"] == "en"
            await sandbox.settle()
            greeting = sandbox.emu.get_user(2001).last
            assert greeting is not None and "I agree" in greeting.button_labels[0]
            status, error = await call(
                "POST", "/api/personas", {"first_name": "Kim", "language_code": "xx"}
            )
            assert status == 400 and "language" in error["error"]
            assert (await call("POST", "/api/personas", {"language_code": "de"}))[0] == 400

            status, moved = await call("POST", "/api/clock", {"step": "day"})
            assert status == 200 and moved["said"] == "Jumped forward one day."
            assert moved["state"]["now"] == (TUESDAY_10 + timedelta(days=1)).isoformat()
            status, error = await call("POST", "/api/clock", {"step": "year"})
            assert status == 400 and "unknown jump" in error["error"]

            _, commands = await call("GET", f"/api/commands?user_id={JANA}")
            assert "poll" in [c["command"] for c in commands]
            status, _ = await call("GET", f"/api/commands?user_id={JANA}&chat_id={GROUP_CHAT.id}")
            assert status == 200
            status, messages = await call("GET", f"/_emulator/chats/{AMIRA}/messages")
            assert status == 200 and messages[0]["text"] == "/start"
    finally:
        await server.stop()


def test_a_taken_port_is_reported_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    """If the page's port is in use, the sandbox says so and which option to use."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(PortTaken, match=f"port {port} on 127.0.0.1 is already in use"):
            check_port("127.0.0.1", port)
        assert main(["sandbox", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"gremium sandbox: port {port} on 127.0.0.1 is already in use" in err
    assert f"--port {port + 1}" in err


def test_run_without_a_token_points_to_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``make run`` on a fresh clone says where to get a token and how to try it without one."""
    monkeypatch.delenv("GREMIUM_TOKEN", raising=False)
    assert main(["run", "--config", str(tmp_path / "config.toml")]) == 2
    assert "make sandbox" in capsys.readouterr().err


@pytest.mark.parametrize(("address", "text"), [("sie", "Öffnen Sie sie"), ("du", "Öffne sie")])
async def test_the_sandbox_shows_and_uses_the_german_address(address: str, text: str) -> None:
    """The page's state names the German address; Jana (German) reads the chosen catalogue."""
    box = Sandbox(start=TUESDAY_10, german_address=address)
    await box.start()
    try:
        assert (await box.state())["german_address"] == address
        jana = box.emu.get_user(JANA)
        await jana.send("/schedule bildung lead=1 open=10")
        await box.settle()
        assert jana.last is not None and text in jana.last.text
    finally:
        await box.stop()

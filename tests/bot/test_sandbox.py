"""``gremium sandbox`` without a browser: the seeded cast, the clock, quiet hours, the page's API
and the command line."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from bot.__main__ import main
from bot.config import load_settings
from bot.sandbox import JUMPS, Sandbox
from bot.sandbox_port import PortTaken, check_port
from bot.sandbox_steps import TASK_NAMES
from bot.seed import CONFERENCE_GROUPS, GROUP_CHAT, PERSONAS
from domain.direction import strip_bidi
from sandbox.page import PageServer
from storage import tasks
from storage.models import Group, Meeting, MeetingStatus, Poll, PollStatus, TaskKind
from storage.record_models import ActionItem

ROOT = Path(__file__).resolve().parents[2]

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
    # Three days before the meeting its agenda proposals close (the meeting record, #20).
    assert step is not None and step.what == "agenda proposals for the meeting of Bildung close"
    assert step.at == datetime(2026, 12, 5, 16, 0, tzinfo=UTC)


async def test_next_step_plays_the_meeting_record(sandbox: Sandbox) -> None:
    """The tour of the meeting record: a member proposes an agenda item from the notice;
    "⏭ Next step" closes the proposals (the coordinator accepts it), brings the reminder with
    the agenda and the meeting, where she checks in; then minutes, an action item, its
    reminder and the attendance list."""
    await open_poll(sandbox)
    amira = sandbox.emu.get_user(AMIRA)
    await amira.press("✅")
    await sandbox.settle()
    while (step := await sandbox.next_step()) is not None and "agenda" not in step.what:
        await sandbox.jump("next")
    notice = amira.last
    assert notice is not None and notice.document is not None
    propose = next(label for label in notice.button_labels if label.startswith("📝"))
    await amira.press(propose, message=notice)
    await sandbox.settle()
    await amira.send("Elternabende in mehreren Sprachen")
    await sandbox.settle()
    assert await sandbox.jump("next") == (
        "Jumped to the next step: agenda proposals for the meeting of Bildung close."
    )
    jana = sandbox.emu.get_user(JANA).last
    assert jana is not None and strip_bidi(jana.text).startswith("⏳")
    assert "Elternabende in mehreren Sprachen" in jana.text
    accept = next(label for label in jana.button_labels if label.endswith("✅"))
    await sandbox.emu.get_user(JANA).press(accept, message=jana)
    await sandbox.settle()
    step = await sandbox.next_step()
    assert step is not None and step.what == "reminder about the meeting of Bildung"
    await sandbox.jump("next")
    reminder = amira.last
    assert reminder is not None and "Elternabende in mehreren Sprachen" in reminder.text
    assert await sandbox.jump("next") == "Jumped to the next step: the meeting of Bildung begins."
    here = next(label for label in reminder.button_labels if label.startswith("✋"))
    await amira.press(here, message=reminder)
    await sandbox.settle()
    assert strip_bidi(amira.callback_answers[-1].text or "").startswith("✅")

    # After the meeting: minutes, an action item for Amira, its reminder, the export.
    for _ in range(3):
        await sandbox.jump("hour")
    jana_user = sandbox.emu.get_user(JANA)
    for text in ("/minutes", "Wir haben über Elternabende gesprochen."):
        await jana_user.send(text)
        await sandbox.settle()
    await jana_user.press("✅ Aufgabe")
    await sandbox.settle()
    await jana_user.send("Einladung übersetzen")
    await sandbox.settle()
    await jana_user.press("أميرة حداد")
    await sandbox.settle()
    await jana_user.send("15.12.2026")
    await sandbox.settle()
    await jana_user.press("📤 An die Mitglieder senden")
    await sandbox.settle()
    assert any("Einladung übersetzen" in m.text for m in amira.bot_messages)
    step = await sandbox.next_step()
    assert step is not None and step.what == "reminder about an action item of Bildung"
    await sandbox.jump("next")
    assert amira.last is not None and strip_bidi(amira.last.text).startswith("⏰")
    await jana_user.send("/record")
    await sandbox.settle()
    assert jana_user.last is not None
    await jana_user.press("📄 Anwesenheitsliste (PDF)", message=jana_user.last)
    await sandbox.settle()
    pdf = jana_user.last
    assert pdf is not None and pdf.document is not None
    assert pdf.document.file_name == "bildung-2026-12-08-attendance.pdf"


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


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_a_taken_port_under_make_names_make() -> None:
    """Planted: the message always suggested `gremium sandbox --port`. Started with `make
    sandbox SANDBOX_PORT=…`, the advice is that command with the next port."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        dry = subprocess.run(
            ["make", "-n", "sandbox", f"SANDBOX_PORT={port}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        command = next(line for line in dry.stdout.splitlines() if "gremium sandbox" in line)
        ran = subprocess.run(
            ["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
    assert ran.returncode == 1, ran.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in ran.stderr
    assert f"make sandbox SANDBOX_PORT={port + 1}" in ran.stderr
    assert "--port" not in ran.stderr


def test_run_without_a_token_points_to_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``make run`` on a fresh clone says where to get a token and how to try it without one."""
    monkeypatch.delenv("GREMIUM_TOKEN", raising=False)
    assert main(["run", "--config", str(tmp_path / "config.toml")]) == 2
    assert "make sandbox" in capsys.readouterr().err


async def call(http: aiohttp.ClientSession, method: str, path: str, body: Any = None) -> Any:
    """One request to the page server: (status, JSON or text)."""
    async with http.request(method, path, json=body) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def test_every_kind_of_due_step_is_named_on_the_page(sandbox: Sandbox) -> None:
    """Planted: TASK_NAMES without the two cadence kinds (the page died with 400
    'cadence_open'). Each TaskKind, due next, is named with its group and /api/state answers."""
    assert set(TASK_NAMES) == set(TaskKind)
    now = sandbox.clock.now()
    async with sandbox.sessionmaker.begin() as session:
        bildung = (await session.exec(select(Group).where(Group.slug == "bildung"))).one()
        assert bildung.id is not None
        poll = Poll(group_id=bildung.id, status=PollStatus.OPEN, created_at=now)
        session.add(poll)
        await session.flush()
        meeting = Meeting(
            group_id=bildung.id,
            uid="walk@gremium",
            status=MeetingStatus.SCHEDULED,
            starts_at=now + timedelta(days=20),
            created_at=now,
            updated_at=now,
        )
        session.add(meeting)
        await session.flush()
        assert meeting.id is not None
        action = ActionItem(
            meeting_id=meeting.id,
            group_id=bildung.id,
            text="Flyer",
            due_on=(now + timedelta(days=30)).date(),
            created_at=now,
        )
        session.add(action)
        await session.flush()
        refs = {
            "poll": poll.id,
            "meeting": meeting.id,
            "group": bildung.id,
            "action": action.id,
        }
    server = PageServer(sandbox.emu, sandbox)
    url = await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession(url) as http:
            for i, kind in enumerate(TaskKind):
                ref = refs[TASK_NAMES[kind].refers_to]
                assert ref is not None
                due = now + timedelta(minutes=i + 1)
                async with sandbox.sessionmaker.begin() as session:
                    task = await tasks.schedule(session, kind=kind, ref_id=ref, due_at=due)
                    assert task is not None
                expected = TASK_NAMES[kind].label.format(group="Bildung")
                status, state = await call(http, "GET", "/api/state")
                assert status == 200, state
                assert state["next"] == {"at": due.isoformat(), "what": expected}
                async with sandbox.sessionmaker.begin() as session:
                    task.cancelled = True
                    session.add(task)
    finally:
        await server.stop()


class Broken:
    """A controller whose every call fails inside, as the sandbox did with 'cadence_open'."""

    async def state(self) -> dict[str, Any]:
        """Fails."""
        raise KeyError("cadence_open")

    async def jump(self, how: str) -> str:
        """Fails."""
        raise RuntimeError("the sweep broke")


async def test_an_internal_error_is_reported_and_logged(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """Planted: the old guard (KeyError answered as a bare 400, RuntimeError as aiohttp's text
    500, nothing logged). Inside failures answer JSON marked internal, with the traceback in
    the log; a visitor's mistake still answers 400."""
    server = PageServer(sandbox.emu, Broken())
    url = await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession(url) as http:
            status, body = await call(http, "GET", "/api/state")
            assert status == 500
            assert body == {"error": "KeyError: 'cadence_open'", "internal": True}
            status, body = await call(http, "POST", "/api/clock", {"step": "next"})
            assert status == 500
            assert body == {"error": "RuntimeError: the sweep broke", "internal": True}
            status, body = await call(http, "GET", "/api/commands?user_id=x")
            assert status == 400 and "internal" not in body
    finally:
        await server.stop()
    failures = [r for r in caplog.records if r.name == "sandbox.page.server"]
    assert [r.getMessage() for r in failures] == [
        "sandbox: GET /api/state failed",
        "sandbox: POST /api/clock failed",
    ]
    assert all(r.exc_info is not None for r in failures)


def test_the_sandbox_groups_have_the_example_rhythms() -> None:
    """Planted: groups without rhythms. The sandbox's groups are config.example.toml's, with
    the same rhythms (Bildung: Mon/Wed 17-19 in the town hall)."""
    example = load_settings(ROOT / "config.example.toml", env={"GREMIUM_TOKEN": "1:x"})
    assert example.groups == CONFERENCE_GROUPS
    bildung = next(g for g in CONFERENCE_GROUPS if g.slug == "bildung")
    assert bildung.rhythm is not None and bildung.rhythm.weekdays == (0, 2)


async def test_next_step_plays_a_whole_meeting_cycle(sandbox: Sandbox) -> None:
    """Planted: no seeded rhythms ("Nothing is scheduled."). From the start, the next steps
    are: the review, the planned poll (Mondays and Wednesdays 17:00 in the town hall), its
    close with the notice and .ics, and the meeting's reminder."""
    jana, amira = sandbox.emu.get_user(JANA), sandbox.emu.get_user(AMIRA)
    seen: list[str] = []
    voted = False
    for _ in range(12):
        step = await sandbox.next_step()
        assert step is not None, seen
        seen.append(step.what)
        if step.what.startswith("reminder about the meeting"):
            break
        await sandbox.jump("next")
        poll = next(
            (m for m in amira.bot_messages if strip_bidi(m.text).startswith("🗓 Bildung")), None
        )
        if poll is not None and not voted:
            await amira.press("✅", message=poll.message_id)  # yes to the first date
            await sandbox.settle()
            voted = True
    assert seen[0] == (
        "the coordinators of Ausbildung und Arbeit review the planned date poll, and 5 more steps"
    )
    kinds = [
        "review the planned date poll",
        "the planned date poll of",
        "the date poll of",
        "reminder about the meeting",
    ]
    assert [k for k in kinds if any(k in what for what in seen)] == kinds, seen
    assert any(
        "Bildung" in m.text and "Zeit, das nächste Treffen" in m.text for m in jana.bot_messages
    )
    poll = next(m for m in amira.bot_messages if strip_bidi(m.text).startswith("🗓 Bildung"))
    assert "Rathaus Herne" in poll.text
    assert "الاثنين" in poll.text and "الأربعاء" in poll.text  # Monday and Wednesday
    notice = next(m for m in amira.bot_messages if m.document is not None)
    assert notice.document is not None and notice.document.file_name.startswith("bildung-")


async def test_typed_shortcuts_reach_the_members_as_formatting(sandbox: Sandbox) -> None:
    """Planted: the page's send without shortcuts (members saw the asterisks). Jana types an
    announcement with **bold** and __italic__ on the page; the bot gets entities, and Amira
    gets bold and italic, without asterisks."""
    jana, amira = sandbox.emu.get_user(JANA), sandbox.emu.get_user(AMIRA)
    await jana.send("/announce")
    await sandbox.settle()
    await jana.press("Bildung")
    await sandbox.settle()
    server = PageServer(sandbox.emu, sandbox)
    url = await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession(url) as http:
            body = {"text": "🎉 **Wichtig:** __bitte__ lesen", "chat_id": JANA, "shortcuts": True}
            status, sent = await call(http, "POST", f"/_emulator/users/{JANA}/send", body)
    finally:
        await server.stop()
    assert status == 200
    assert sent["text"] == "🎉 Wichtig: bitte lesen"
    assert sent["entities"] == [
        {"offset": 3, "length": 8, "type": "bold"},
        {"offset": 12, "length": 5, "type": "italic"},
    ]
    await sandbox.settle()
    assert jana.last is not None
    await jana.press(jana.last.button_labels[0])  # ✅ Senden
    await sandbox.settle()
    got = next(m for m in reversed(amira.bot_messages) if "Wichtig" in m.text)
    assert "🎉 <b>Wichtig:</b> <i>bitte</i> lesen" in got.html
    assert "*" not in got.text and "__" not in got.text


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

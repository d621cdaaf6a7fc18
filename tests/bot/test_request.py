"""The aiohttp network layer: what python-telegram-bot sends arrives, and failures map to the
errors the bot's retries expect (TimedOut, NetworkError)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.request import AiohttpRequest
from domain.clock import FakeClock
from sandbox.emulator import Emulator, UserHandle


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[Emulator]:
    """A running emulator on the test clock."""
    async with Emulator(clock=clock) as emulator:
        yield emulator


@pytest.fixture
def alice(emu: Emulator) -> UserHandle:
    """A user who has started the bot."""
    return emu.user(1001, "Alice")


def _bot(emu: Emulator, **timeouts: float) -> Bot:
    return Bot(emu.token, base_url=f"{emu.api_root}/bot", request=AiohttpRequest(**timeouts))


async def test_text_and_upload_arrive(emu: Emulator, alice: UserHandle) -> None:
    """Form fields and a multipart upload reach the Bot API as Telegram would read them."""
    async with _bot(emu) as bot:
        await bot.send_message(alice.id, "<b>Hallo</b> & willkommen", parse_mode="HTML")
        ics = InputFile(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", filename="treffen.ics")
        await bot.send_document(alice.id, ics, caption="Termin")
    text, document = alice.chat
    assert text.html == "<b>Hallo</b> &amp; willkommen"
    assert document.document is not None and document.caption == "Termin"
    assert document.document.file_name == "treffen.ics"
    assert document.document.content == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


async def test_telegram_errors_are_left_to_the_framework(emu: Emulator) -> None:
    """An error answer is a status and a body: python-telegram-bot raises from it."""
    async with _bot(emu) as bot:
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(424242, "nobody")
        emu.faults.add("502", methods="sendMessage", count=1)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(424242, "x")


async def test_slow_answer_times_out(emu: Emulator, alice: UserHandle) -> None:
    """An answer slower than the read timeout raises TimedOut (the request was executed)."""
    emu.faults.add("slow", methods=["sendMessage"], delay=0.3)
    async with _bot(emu, read_timeout=0.1) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(alice.id, "late")
        await emu.wait_idle()
    assert [m.text for m in alice.chat] == ["late"]


@pytest.mark.parametrize("executed", [False, True])
async def test_dropped_connection_is_a_network_error(
    emu: Emulator, alice: UserHandle, executed: bool
) -> None:
    """A connection closed without an answer raises NetworkError, not a library exception."""
    emu.faults.add("drop", methods=["sendMessage"], count=1, executed=executed)
    async with _bot(emu) as bot:
        with pytest.raises(NetworkError) as raised:
            await bot.send_message(alice.id, "lost")
    assert not isinstance(raised.value, TimedOut)


async def test_nobody_listening_is_a_network_error() -> None:
    """A refused connection raises NetworkError (the bot retries it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = Bot(
        "123456:TEST-TOKEN", base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest()
    )
    with pytest.raises(NetworkError):
        async with bot:  # initialize asks getMe
            pass


async def test_closed_and_reopened(emu: Emulator) -> None:
    """After shutdown, initialize opens a new session (the application restarts the bot)."""
    request = AiohttpRequest()
    bot = Bot(emu.token, base_url=f"{emu.api_root}/bot", request=request)
    async with bot:
        first = await bot.get_me()
    await asyncio.sleep(0)
    async with bot:
        assert await bot.get_me() == first

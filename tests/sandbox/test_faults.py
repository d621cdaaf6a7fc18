"""Injected faults and Telegram's flood limits."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from sandbox.emulator import Emulator, UserHandle
from tests.sandbox.conftest import Api


async def test_429_with_retry_after(
    api: Api, emu: Emulator, alice: UserHandle, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 429 carries parameters.retry_after; PTB raises RetryAfter; then it passes again."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns about int retry_after otherwise
    emu.faults.add("429", methods=["sendMessage"], count=2, retry_after=3)
    assert await api("sendMessage", chat_id=alice.id, text="x") == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(alice.id, "x")
    assert raised.value.retry_after == timedelta(seconds=3)
    await api.ok("sendMessage", chat_id=alice.id, text="x")
    await api.ok("getMe")
    assert emu.faults.injected["429"] == 2 and [m.text for m in alice.chat] == ["x"]


async def test_500_and_502(api: Api, emu: Emulator, alice: UserHandle, bot: Bot) -> None:
    """500 is Telegram's JSON error; 502 is the front proxy's HTML page."""
    emu.faults.add("500", count=1)
    assert await api("getMe") == (
        500,
        {"ok": False, "error_code": 500, "description": "Internal Server Error"},
    )
    emu.faults.add("502", methods="sendMessage", count=1)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(alice.id, "x")
    assert alice.chat == [] and [c.status for c in emu.calls[-2:]] == [500, 502]


async def test_slow_answer(emu: Emulator, alice: UserHandle) -> None:
    """A slow answer arrives late, or times the client out."""
    emu.faults.add("slow", methods=["sendMessage"], delay=0.3)
    request = HTTPXRequest(read_timeout=0.1)
    async with Bot(emu.token, base_url=f"{emu.api_root}/bot", request=request) as bot:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TimedOut):
            await bot.send_message(alice.id, "late")
        assert emu.in_flight == 1
        await emu.wait_idle()
        assert loop.time() - started >= 0.3
    assert [m.text for m in alice.chat] == ["late"]  # Telegram did send it


async def test_dropped_connection(emu: Emulator, alice: UserHandle, bot: Bot) -> None:
    """ "drop" closes the connection without an answer, before or after executing."""
    emu.faults.add("drop", methods=["sendMessage"], count=1)
    with pytest.raises(NetworkError):
        await bot.send_message(alice.id, "lost")
    emu.faults.add("drop", methods=["sendMessage"], count=1, executed=True)
    with pytest.raises(NetworkError):
        await bot.send_message(alice.id, "sent anyway")
    assert [m.text for m in alice.chat] == ["sent anyway"]
    async with aiohttp.ClientSession() as session:
        emu.faults.add("drop", count=1)
        with pytest.raises(aiohttp.ServerDisconnectedError):  # POST: aiohttp retries a GET
            await session.post(f"{emu.api_root}/bot{emu.token}/getMe")


async def test_rate_is_seeded(api: Api, emu: Emulator) -> None:
    """A probability per request, reproducible through the seed."""

    async def run() -> list[int]:
        emu.faults.clear()
        emu.faults.seed(7)
        emu.faults.add("500", rate=0.5)
        return [(await api("getMe"))[0] for _ in range(20)]

    first = await run()
    assert first == await run()
    assert 0 < first.count(500) < 20


async def test_limits_off_by_default(api: Api, alice: UserHandle) -> None:
    """Without enforce_limits a burst goes through."""
    for _ in range(10):
        await api.ok("sendMessage", chat_id=alice.id, text="x")


async def test_private_chat_limit(api: Api, emu: Emulator, alice: UserHandle) -> None:
    """More than one message a second to a private chat: a short burst, then 429."""
    emu.enforce_limits = True
    now = [100.0]
    emu.limits.monotonic = lambda: now[0]
    statuses = [(await api("sendMessage", chat_id=alice.id, text="x"))[0] for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    status, body = await api("sendMessage", chat_id=alice.id, text="x")
    assert status == 429 and body["parameters"]["retry_after"] == 1
    now[0] += 1.0
    assert (await api("sendMessage", chat_id=alice.id, text="x"))[0] == 200


async def test_group_and_overall_limits(api: Api, emu: Emulator) -> None:
    """20 messages a minute per group; 30 a second overall unless allow_paid_broadcast."""
    emu.enforce_limits = True
    emu.limits.monotonic = lambda: 100.0  # all in the same instant
    users = [emu.user(3000 + i, f"U{i}") for i in range(40)]
    group = emu.group_chat(-77, "G", members=users[:1])
    statuses = [(await api("sendMessage", chat_id=group.id, text="x"))[0] for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    emu.enforce_limits = True  # resets the record
    statuses = [(await api("sendMessage", chat_id=u.id, text="x"))[0] for u in users[:31]]
    assert statuses == [200] * 30 + [429]
    paid = {"text": "x", "allow_paid_broadcast": True}
    statuses = [(await api("sendMessage", chat_id=u.id, **paid))[0] for u in users[31:]]
    assert statuses == [200] * 9

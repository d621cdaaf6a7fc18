"""Webhook mode end to end: Telegram posts updates to the bot's own server; /healthz answers."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from bot.app import build_application
from bot.config import Settings, WebhookSettings
from bot.processing import TrackingUpdateProcessor
from bot.webhook import SECRET_HEADER, serve_webhook
from domain.clock import FakeClock
from sandbox.emulator import Emulator
from storage.db import SessionMaker
from storage.locks import instance_lock
from storage.members import get_member_by_telegram_id
from tests.e2e.harness import ADMIN_ID, GROUPS, VERSION, World, spec_path

SECRET = "webhook-secret_123"


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def webhook_bot(
    database_url: str, sessionmaker: SessionMaker, clock: FakeClock
) -> AsyncIterator[World]:
    """The real bot in webhook mode behind its own server, with the emulator posting to it."""
    emu = Emulator(spec_path=spec_path(), clock=clock)
    await emu.start()
    port = free_port()
    hook = WebhookSettings(
        url=f"http://127.0.0.1:{port}", port=port, path="telegram", secret_token=SECRET
    )
    settings = Settings(
        token=emu.token,
        database_url=database_url,
        api_root=emu.api_root,
        mode="webhook",
        webhook=hook,
        admins=frozenset({ADMIN_ID}),
        groups=GROUPS,
    )
    processor = TrackingUpdateProcessor()
    app = build_application(
        settings, sessionmaker=sessionmaker, clock=clock, update_processor=processor
    )
    stop = asyncio.Event()
    server = asyncio.create_task(
        serve_webhook(app, hook, allowed_updates=["message", "callback_query"], stop=stop)
    )
    try:
        for _ in range(500):  # the server sets the webhook once it listens
            if emu.webhook.url == f"http://127.0.0.1:{port}/telegram" or server.done():
                break
            await asyncio.sleep(0.02)
        assert emu.webhook.url == f"http://127.0.0.1:{port}/telegram"
        yield World(emu, app, processor, sessionmaker, clock, settings)
    finally:
        stop.set()
        await server
        await emu.stop()


async def test_updates_arrive_by_webhook(
    database_url: str, sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """The emulator posts with the secret; the bot answers; the outbox sends; the lock is freed."""
    async with webhook_bot(database_url, sessionmaker, clock) as world:
        assert world.emu.webhook.secret_token == SECRET
        alice = world.emu.user(5001, "Alice", language_code="en")
        reply = await world.send(alice, "/start")
        assert "privacy" in reply.text.lower()
        await world.press(alice, "✅ I agree")
        joined = await world.send(alice, "/join bildung")
        assert "Bildung" in joined.text
        assert all(status == 200 for _, status in world.emu.webhook.posts)
        assert len(world.emu.webhook.posts) == 3
    other = instance_lock(database_url)
    assert await other.acquire()  # the stopped bot let go of the instance lock
    await other.release()


async def test_the_server_refuses_what_is_not_from_telegram(
    database_url: str, sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """No or a wrong secret: 403; not an update: 400; other paths: 404; /healthz answers."""
    async with webhook_bot(database_url, sessionmaker, clock) as world:
        base = world.emu.webhook.url.rsplit("/", 1)[0]
        update = {
            "update_id": 99,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 1, "type": "private"},
                "text": "hi",
            },
        }
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]}):
                async with http.post(f"{base}/telegram", json=update, headers=headers) as resp:
                    assert resp.status == 403
            for body in (b"not json", b"[1, 2]", b'{"no_update_id": true}'):
                async with http.post(
                    f"{base}/telegram", data=body, headers={SECRET_HEADER: SECRET}
                ) as resp:
                    assert resp.status == 400
            async with http.get(f"{base}/telegram") as resp:
                assert resp.status == 405
            for path in ("/", "/telegram/x", "/_emulator/state"):
                async with http.get(base + path) as resp:
                    assert resp.status == 404
            async with http.get(f"{base}/healthz") as resp:
                assert resp.status == 200
                health = await resp.json()
        assert health["status"] == "ok"
        assert health["role"] == "leader"
        assert health["version"] == VERSION
        assert world.processor.processed == 0  # nothing of the above reached the handlers


async def test_a_nul_by_webhook_is_taken_out(
    database_url: str, sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """A NUL in a name sent by webhook is taken out before anything is stored, as by polling
    (PostgreSQL refuses it). Planted bug: no ``strip_controls`` in bot/webhook.py."""
    async with webhook_bot(database_url, sessionmaker, clock) as world:
        nul = world.emu.user(5002, "Nu\x00ll", language_code="en")
        await world.send(nul, "/start")
        await world.press(nul, "✅ I agree")
        async with world.sessionmaker() as session:
            member = await get_member_by_telegram_id(session, telegram_id=5002)
        assert member is not None and member.first_name == "Null"
        assert all(status == 200 for _, status in world.emu.webhook.posts)

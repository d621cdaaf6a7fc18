"""Webhook mode: a small aiohttp server that hands Telegram's updates to the application.

Routes (see :func:`webhook_app`)::

    POST /<path>    an update from Telegram; the X-Telegram-Bot-Api-Secret-Token header must
                    match the configured secret (403 otherwise), the body must be an update
                    (400 otherwise). 200 once the update is queued for the handlers.
    GET  /healthz   {"status": "ok", "role": "leader" | "standby", "version", "uptime_seconds"}
                    with 200, or "status": "database unavailable" with 503. Keep it off the
                    internet: the reverse proxy forwards only the webhook path.

Several instances may serve the same webhook URL behind one proxy: every instance handles the
updates it receives; only the leader sends on its own and keeps the schedule.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Sequence
from http import HTTPStatus

from aiohttp import web
from telegram import Bot, Update

from bot.app import GremiumApp
from bot.config import WebhookSettings
from bot.telegram_bot import strip_controls
from handlers.context import BotData
from storage import status as status_repo

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
#: Telegram's updates are small; anything much larger is not from Telegram.
MAX_BODY = 1024 * 1024


def webhook_app(app: GremiumApp, *, path: str, secret_token: str) -> web.Application:
    """The aiohttp application that receives updates for ``app`` at ``/<path>``."""
    if not secret_token:
        raise ValueError("a webhook needs a secret token")
    expected = secret_token.encode()

    async def receive(request: web.Request) -> web.Response:
        """Queue an update from Telegram, if it carries the secret and is an update."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.info("webhook: request without the right secret token refused")
            return web.Response(status=HTTPStatus.FORBIDDEN)
        update = await _read_update(request, app.bot)
        if update is None:
            log.warning("webhook: a request that is not an update was refused")
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        await app.update_queue.put(update)
        log.debug("webhook: update %s queued", update.update_id)
        return web.Response(status=HTTPStatus.OK)

    async def health(request: web.Request) -> web.Response:
        """Answer the health check."""
        return await _health(app.bot_data)

    server = web.Application(client_max_size=MAX_BODY)
    server.router.add_post("/" + path.strip("/"), receive)
    server.router.add_get(HEALTH_PATH, health)
    return server


async def _read_update(request: web.Request, bot: Bot) -> Update | None:
    """The update in a request's body, or None if the body is not one."""
    try:
        data = json.loads(await request.read())
        if isinstance(data, dict):
            strip_controls([data])
        return Update.de_json(data, bot) if isinstance(data, dict) else None
    except (ValueError, TypeError, KeyError):
        return None


async def _health(bd: BotData) -> web.Response:
    """Role, version and uptime, with 200; 503 while the database does not answer."""
    body: dict[str, object] = {
        "status": "ok",
        "role": "leader" if bd.leadership.is_leader else "standby",
        "version": bd.runtime.version,
        "uptime_seconds": int((bd.clock.now() - bd.runtime.started_at).total_seconds()),
    }
    try:
        async with asyncio.timeout(3):
            async with bd.sessionmaker() as session:
                await status_repo.ping(session)
    except Exception:  # whatever the database does, the answer is "unavailable"
        body["status"] = "database unavailable"
        return web.json_response(body, status=HTTPStatus.SERVICE_UNAVAILABLE)
    return web.json_response(body)


async def serve_webhook(
    app: GremiumApp,
    hook: WebhookSettings,
    *,
    allowed_updates: Sequence[str],
    stop: asyncio.Event,
) -> None:
    """Run ``app`` behind the webhook server until ``stop`` is set, then shut down in order."""
    runner = web.AppRunner(
        webhook_app(app, path=hook.path, secret_token=hook.secret_token), access_log=None
    )
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        await runner.setup()
        await web.TCPSite(runner, hook.listen, hook.port).start()
        await app.bot.set_webhook(
            url=f"{hook.url.rstrip('/')}/{hook.path.strip('/')}",
            secret_token=hook.secret_token,
            allowed_updates=list(allowed_updates),
        )
        log.info("webhook: listening on %s port %d", hook.listen, hook.port)
        await stop.wait()
        log.info("webhook: stopping")
    finally:
        await runner.cleanup()
        if app.running:
            await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run_webhook(app: GremiumApp, hook: WebhookSettings, *, allowed_updates: Sequence[str]) -> None:
    """Serve until SIGTERM (systemd's stop) or SIGINT (Ctrl-C)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve_webhook(app, hook, allowed_updates=allowed_updates, stop=stop)

    asyncio.run(main())

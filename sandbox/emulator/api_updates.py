"""getUpdates (long polling), setWebhook, deleteWebhook, getWebhookInfo."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

from sandbox.emulator.core import Answer, Core, Handler
from sandbox.emulator.errors import bad_request, conflict
from sandbox.emulator.params import Params

LONG_POLL_MAX = 50
_SECRET = re.compile(r"[A-Za-z0-9_-]*")


async def get_updates(core: Core, p: Params) -> Any:
    """getUpdates: confirms by offset, waits up to ``timeout`` s, wakes on a new update."""
    if core.webhook.url:
        raise conflict(
            "can't use getUpdates method while webhook is active;"
            " use deleteWebhook to delete the webhook first"
        )
    limit = min(max(p.integer("limit") or 100, 1), 100)
    timeout = min(max(p.integer("timeout") or 0, 0), LONG_POLL_MAX)
    core.queue.set_allowed(p.array("allowed_updates"))
    core.queue.confirm(p.integer("offset") or 0)
    core.poll_generation += 1
    generation = core.poll_generation
    core.queue.notify()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if core.poll_generation != generation:
            raise conflict(
                "terminated by other getUpdates request;"
                " make sure that only one bot instance is running"
            )
        if core.webhook.url:
            raise conflict("terminated by setWebhook request")
        updates = core.queue.take(limit)
        remaining = deadline - loop.time()
        if updates or remaining <= 0 or core.closing:
            return [update.payload for update in updates]
        await core.queue.changed(remaining)


def _check_webhook(url: str, secret: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise bad_request("invalid webhook URL specified")
    if len(secret) > 256:
        raise bad_request("secret token is too long")
    if not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")


async def set_webhook(core: Core, p: Params) -> Any:
    """setWebhook; an empty url deletes the webhook. Plain http is allowed for loopback use."""
    url = p.text("url") or ""
    if not url:
        return await delete_webhook(core, p)
    secret = p.text("secret_token") or ""
    _check_webhook(url, secret)
    max_connections = min(max(p.integer("max_connections") or 40, 1), 100)
    hook = core.webhook
    unchanged = (hook.url, hook.secret_token, hook.max_connections) == (
        url,
        secret,
        max_connections,
    )
    if p.flag("drop_pending_updates"):
        core.queue.clear()
    core.queue.set_allowed(p.array("allowed_updates"))
    hook.url, hook.secret_token, hook.max_connections = url, secret, max_connections
    hook.ip_address = p.text("ip_address") or "127.0.0.1"
    if not unchanged:
        hook.last_error_date = hook.last_error_message = None
    core.queue.notify()
    core.sender.start()
    return Answer(True, "Webhook is already set" if unchanged else "Webhook was set")


async def delete_webhook(core: Core, p: Params) -> Any:
    """deleteWebhook."""
    if p.flag("drop_pending_updates"):
        core.queue.clear()
    had_webhook = bool(core.webhook.url)
    core.webhook.url = core.webhook.secret_token = ""
    await core.sender.stop()
    return Answer(True, "Webhook was deleted" if had_webhook else "Webhook is already deleted")


async def get_webhook_info(core: Core, p: Params) -> Any:
    """getWebhookInfo."""
    hook = core.webhook
    info: dict[str, Any] = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(core.queue.pending),
    }
    if hook.last_error_date is not None:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message or ""
    if hook.url:
        info["max_connections"] = hook.max_connections
        info["ip_address"] = hook.ip_address
    if core.queue.allowed_explicit:
        info["allowed_updates"] = sorted(core.queue.allowed)
    return info


HANDLERS: dict[str, Handler] = {
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}

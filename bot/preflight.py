"""Before the first start: can the Bot API server be reached, and does it take the token?

One request (``getMe``). A failure becomes one line that says what was tried and what to
check; the details go to the DEBUG log. The token never appears in either.
"""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp

log = logging.getLogger(__name__)


class Unreachable(Exception):
    """The Bot API server could not be reached or refused the bot; the message says why."""


async def check_bot_api(api_root: str, token: str, timeout: float) -> str:
    """The bot's username, or :class:`Unreachable` with one line about what to check."""
    root = api_root.rstrip("/")
    url = f"{root}/bot{token}/getMe"
    limits = aiohttp.ClientTimeout(total=timeout)
    try:
        async with (
            aiohttp.ClientSession(timeout=limits) as session,
            session.get(url) as response,
        ):
            status, text = response.status, await response.text(errors="replace")
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.debug("getMe at %s failed", root, exc_info=True)
        reason = f"no answer within {timeout:g} s" if isinstance(exc, TimeoutError) else _why(exc)
        raise Unreachable(
            f"cannot reach the Bot API server at {root} ({reason}); check telegram.api_root "
            "(or GREMIUM_API_ROOT), the network and any proxy or firewall"
        ) from None
    return _username(root, status, text)


def _username(root: str, status: int, text: str) -> str:
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if status in (401, 404) and isinstance(body, dict) and body.get("ok") is False:
        raise Unreachable(
            f"the Bot API server at {root} refused the bot token ({status} "
            f"{body.get('description', '')}); check telegram.token (or GREMIUM_TOKEN): "
            "copy it again from @BotFather"
        )
    result = body.get("result") if isinstance(body, dict) else None
    if status != 200 or not isinstance(result, dict) or "username" not in result:
        raise Unreachable(
            f"{root} answered getMe with HTTP {status}, not as a Bot API server does; "
            "check telegram.api_root (or GREMIUM_API_ROOT)"
        )
    return str(result["username"])


def _why(exc: BaseException) -> str:
    """A short reason without the URL (which holds the token)."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return str(exc.os_error.strerror or exc.os_error) if exc.os_error else "connection failed"
    return type(exc).__name__


def preflight(api_root: str, token: str, timeout: float) -> str:
    """:func:`check_bot_api` from synchronous code (before the bot's own event loop)."""
    return asyncio.run(check_bot_api(api_root, token, timeout))

"""One load shared by everyone who asks for the same thing while it runs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


async def share_load(
    loading: dict[K, asyncio.Future[V]], key: K, load: Callable[[], Awaitable[V]]
) -> V:
    """Run ``load`` with a future under ``key`` in ``loading``, so that others who ask
    meanwhile await the same result (or exception) instead of loading again."""
    future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
    loading[key] = future
    try:
        value = await load()
        future.set_result(value)
        return value
    except asyncio.CancelledError:
        future.cancel()
        raise
    except Exception as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: only the waiters (if any) see it
        raise
    finally:
        if loading.get(key) is future:
            del loading[key]

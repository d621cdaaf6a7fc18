"""The update queue and its two ways out: getUpdates polling and webhook delivery.

An update stays pending until it is delivered: by polling, when a later getUpdates call passes an
``offset`` greater than its ``update_id``; by webhook, when the bot's endpoint answers 2xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


@dataclass(eq=False)
class QueuedUpdate:
    """One update and its delivery state (compared by identity: re-deliveries share an id)."""

    update_id: int
    payload: dict[str, Any]
    returned: bool = False
    again: bool = False

    @property
    def kind(self) -> str:
        """The update type, e.g. "message"."""
        return next(key for key in self.payload if key != "update_id")


class UpdateQueue:
    """Pending updates in order, with wake-ups for long polls and waiters."""

    def __init__(self) -> None:
        self.pending: list[QueuedUpdate] = []
        self.history: dict[int, dict[str, Any]] = {}
        self.allowed = DEFAULT_ALLOWED
        self.allowed_explicit = False
        self.delivered_count = 0
        self._next_id = 1
        self._changed = asyncio.Event()

    def notify(self) -> None:
        """Wake everyone waiting for a change."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def changed(self, timeout: float | None = None) -> None:
        """Wait for the next change (or the timeout)."""
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

    def push(self, kind: str, body: dict[str, Any]) -> int:
        """Queue an update of type ``kind``; returns its update_id (0 if the bot opted out)."""
        if kind not in self.allowed:
            return 0
        update_id = self._next_id
        self._next_id += 1
        payload = {"update_id": update_id, kind: body}
        self.history[update_id] = payload
        self.pending.append(QueuedUpdate(update_id, payload))
        self.notify()
        return update_id

    def again(self, update_id: int) -> None:
        """Queue an already delivered update once more, with the same update_id."""
        payload = self.history.get(update_id)
        if payload is None:
            raise KeyError(f"no update with update_id {update_id}")
        self.pending.append(QueuedUpdate(update_id, payload, again=True))
        self.notify()

    def set_allowed(self, kinds: Iterable[str] | None) -> None:
        """Apply ``allowed_updates`` (None keeps the previous setting, [] means the default)."""
        if kinds is None:
            return
        chosen = frozenset(kinds)
        self.allowed = chosen or DEFAULT_ALLOWED
        self.allowed_explicit = bool(chosen) and chosen != DEFAULT_ALLOWED

    def confirm(self, offset: int) -> None:
        """Forget what a getUpdates ``offset`` confirms (negative: keep only the last -offset)."""
        if offset < 0:
            kept = self.pending[offset:]
        elif offset > 0:
            kept = [
                u for u in self.pending if u.update_id >= offset or (u.again and not u.returned)
            ]
        else:
            return
        confirmed = [u for u in self.pending if u not in kept]
        self.delivered_count += sum(u.returned for u in confirmed)
        self.pending = kept
        if confirmed:
            self.notify()

    def take(self, limit: int) -> list[QueuedUpdate]:
        """Up to ``limit`` pending updates for getUpdates; they stay pending until confirmed."""
        self.drop_unwanted()
        chosen = self.pending[:limit]
        for update in chosen:
            update.returned = True
        return chosen

    def drop_unwanted(self) -> None:
        """Discard pending updates of types the bot no longer wants."""
        self.pending = [u for u in self.pending if u.kind in self.allowed]

    def delivered(self, update: QueuedUpdate) -> None:
        """A webhook POST of ``update`` succeeded."""
        if update in self.pending:
            self.pending.remove(update)
            self.delivered_count += 1
            self.notify()

    def clear(self) -> None:
        """drop_pending_updates."""
        self.pending.clear()
        self.notify()

    async def wait_delivered(self, timeout: float) -> None:
        """Wait until nothing is pending; TimeoutError names what is left."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.pending:
            remaining = deadline - loop.time()
            if remaining <= 0:
                left = ", ".join(f"{u.update_id} ({u.kind})" for u in self.pending)
                raise TimeoutError(f"updates not delivered after {timeout}s: {left}")
            await self.changed(remaining)


@dataclass
class Webhook:
    """The webhook settings and its delivery record."""

    url: str = ""
    secret_token: str = ""
    max_connections: int = 40
    ip_address: str = ""
    last_error_date: int | None = None
    last_error_message: str | None = None
    posts: list[tuple[int, int]] = field(default_factory=list)


class WebhookSender:
    """POSTs pending updates to the webhook one at a time, retrying until 2xx."""

    def __init__(self, queue: UpdateQueue, webhook: Webhook, timestamp: Callable[[], int]) -> None:
        self.queue = queue
        self.webhook = webhook
        self.timestamp = timestamp
        self.retry_delay = 0.05
        self.max_retry_delay = 2.0
        self.request_timeout = 10.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin delivering (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop delivering and close the HTTP session."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        attempt = 0
        async with aiohttp.ClientSession() as session:
            while True:
                self.queue.drop_unwanted()
                if not self.queue.pending:
                    await self.queue.changed()
                    continue
                update = self.queue.pending[0]
                error = await self._post(session, update)
                if error is None:
                    attempt = 0
                    self.queue.delivered(update)
                    continue
                self.webhook.last_error_date = self.timestamp()
                self.webhook.last_error_message = error
                logger.info("webhook delivery of update %s failed: %s", update.update_id, error)
                await asyncio.sleep(min(self.retry_delay * 2**attempt, self.max_retry_delay))
                attempt += 1

    async def _post(self, session: aiohttp.ClientSession, update: QueuedUpdate) -> str | None:
        headers = {}
        if self.webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook.secret_token
        timeout = aiohttp.ClientTimeout(total=self.request_timeout)
        try:
            async with session.post(
                self.webhook.url, json=update.payload, headers=headers, timeout=timeout
            ) as response:
                await response.read()
                self.webhook.posts.append((update.update_id, response.status))
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientError as error:
            return f"Connection failed: {error}"

"""The per-chat edit throttle: the first edit goes at once, later ones coalesce and keep the
interval; a voter's own copy waits a moment so that a burst of taps becomes one edit."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest

from runtime.throttle import EditThrottle

INTERVAL = 0.3


class FakeBot:
    """Records edits with the time they were made."""

    def __init__(self, fail: str | None = None) -> None:
        self.edits: list[tuple[float, int, int, str]] = []
        self.fail = fail

    async def redraw(self, text: str, *, chat_id: int, message_id: int, **_: Any) -> None:
        if self.fail:
            raise BadRequest(self.fail)
        self.edits.append((time.monotonic(), chat_id, message_id, text))


def _render(text: str) -> Any:
    async def render() -> tuple[str, InlineKeyboardMarkup | None]:
        return text, None

    return render


async def test_first_edit_at_once_later_ones_coalesce() -> None:
    bot = FakeBot()
    throttle = EditThrottle(bot, interval=INTERVAL)
    start = time.monotonic()
    throttle.request(1, 10, _render("v1"))
    await asyncio.sleep(0.05)
    for i in range(2, 6):  # four more requests while the chat waits its turn
        throttle.request(1, 10, _render(f"v{i}"))
    throttle.request(2, 20, _render("other chat"))
    await throttle.flush()
    texts = [(chat, text) for _, chat, _, text in bot.edits]
    assert texts == [(1, "v1"), (2, "other chat"), (1, "v5")]
    chat_1 = [at for at, chat, _, _ in bot.edits if chat == 1]
    assert chat_1[0] - start < 0.1
    assert chat_1[1] - chat_1[0] >= INTERVAL - 0.01
    assert throttle.edits[1] == 2


async def test_a_voters_taps_settle_into_one_edit() -> None:
    bot = FakeBot()
    throttle = EditThrottle(bot, interval=INTERVAL)
    start = time.monotonic()
    for i in range(1, 6):
        throttle.request(7, 70, _render(f"tap {i}"), settle=True)
        await asyncio.sleep(0.01)
    await throttle.flush()
    assert [text for _, _, _, text in bot.edits] == ["tap 5"]
    assert bot.edits[0][0] - start >= INTERVAL / 3 - 0.01


async def test_an_unchanged_message_is_no_error() -> None:
    bot = FakeBot(fail="Bad Request: message is not modified")
    throttle = EditThrottle(bot, interval=INTERVAL)
    throttle.request(1, 10, _render("same"))
    await throttle.flush()
    assert throttle.edits[1] == 0

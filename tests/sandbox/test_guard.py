"""The sandbox page server and the emulator answer only the page itself: a foreign Host (DNS
rebinding) or another site's Origin or Sec-Fetch-Site gets 403, and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from yarl import URL

from sandbox.emulator import Emulator
from sandbox.page import PageServer


class Clockwork:
    """A controller that only records the jumps asked of it."""

    def __init__(self) -> None:
        self.jumps: list[str] = []

    async def state(self) -> dict[str, Any]:
        return {"personas": []}

    async def jump(self, how: str) -> str:
        self.jumps.append(how)
        return "Jumped."


@pytest.fixture
async def page(emu: Emulator) -> AsyncIterator[tuple[URL, Clockwork]]:
    """The page server on a free loopback port."""
    controller = Clockwork()
    server = PageServer(emu, controller)
    url = URL(await server.start("127.0.0.1", 0))
    yield url, controller
    await server.stop()


async def _status(url: URL, method: str, path: str, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, url / path.lstrip("/"), json={"step": "day"}, headers=headers) as r,
    ):
        return r.status


FOREIGN = [
    {"Host": "evil.example:80"},
    {"Host": "evil.example"},
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://127.0.0.1:1"},
    {"Origin": "https://{host}"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
]


@pytest.mark.parametrize("headers", FOREIGN)
async def test_a_foreign_request_is_refused(
    page: tuple[URL, Clockwork], headers: dict[str, str]
) -> None:
    """A foreign Host, Origin or Sec-Fetch-Site: 403 for the page, the state, the control API
    and a jump of the clock, and the clock stays. Planted bug: no ``same_origin_only``
    middleware on the page server."""
    url, controller = page
    own = f"{url.host}:{url.port}"
    headers = {k: v.format(host=own) for k, v in headers.items()}
    for method, path in [
        ("GET", "/"),
        ("GET", "/api/state"),
        ("GET", "/_emulator/users"),
        ("POST", "/api/clock"),
        ("POST", "/api/personas"),
    ]:
        assert await _status(url, method, path, headers) == 403, (method, path)
    assert controller.jumps == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "http://{host}", "Sec-Fetch-Site": "same-origin"},
        {"Host": "localhost:{port}", "Origin": "http://localhost:{port}"},
        {"Sec-Fetch-Site": "none"},
    ],
)
async def test_the_page_itself_is_served(
    page: tuple[URL, Clockwork], headers: dict[str, str]
) -> None:
    """The page's own requests (same origin, or typed in as localhost) go through."""
    url, controller = page
    own = f"{url.host}:{url.port}"
    headers = {k: v.format(host=own, port=url.port) for k, v in headers.items()}
    assert await _status(url, "GET", "/", headers) == 200
    assert await _status(url, "GET", "/api/state", headers) == 200
    assert await _status(url, "POST", "/api/clock", headers) == 200
    assert controller.jumps == ["day"]


async def test_the_emulator_refuses_other_sites(emu: Emulator) -> None:
    """The emulator's own port: the bot's calls pass, another site's are refused. Planted bug:
    no ``same_origin_only`` middleware on the emulator's server."""
    url = URL(emu.api_root)
    assert await _status(url, "GET", "/_emulator/users", {}) == 200
    foreign = {"Origin": "http://evil.example"}
    assert await _status(url, "GET", "/_emulator/users", foreign) == 403
    assert await _status(url, "POST", "/_emulator/reset", {"Host": "evil.example:1"}) == 403

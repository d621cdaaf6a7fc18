"""The HTTP face of the emulator: /bot<token>/<method> and /file/bot<token>/<path>."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from sandbox.emulator import api_chats, api_media, api_messages, api_updates
from sandbox.emulator.core import Answer, Core, Handler
from sandbox.emulator.errors import NOT_FOUND, UNAUTHORIZED, ApiError, too_many_requests
from sandbox.emulator.faults import Fault, Faults
from sandbox.emulator.params import Params, check_types, coerce, read_params
from sandbox.emulator.spec import SpecValidator

logger = logging.getLogger(__name__)

HANDLERS: dict[str, Handler] = {
    **api_messages.HANDLERS,
    **api_media.HANDLERS,
    **api_chats.HANDLERS,
    **api_updates.HANDLERS,
}
_BY_LOWER = {name.lower(): name for name in HANDLERS}
_BAD_GATEWAY = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class RecordedCall:
    """One request the bot made: typed parameters, HTTP status and JSON answer (None if none)."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any] | None
    at: datetime

    @property
    def ok(self) -> bool:
        """Whether Telegram would have reported success."""
        return self.response is not None and self.response.get("ok") is True

    @property
    def result(self) -> Any:
        """The ``result`` of a successful call (None otherwise)."""
        return self.response.get("result") if self.response is not None else None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ApiServer:
    """Dispatches Bot API requests, with faults, recording and the in-flight count."""

    def __init__(self, core: Core, faults: Faults, validator: Callable[[], SpecValidator]) -> None:
        self.core = core
        self.faults = faults
        self.validator = validator
        self.calls: list[RecordedCall] = []
        self.in_flight = 0

    def routes(self) -> list[web.RouteDef]:
        """The Bot API routes."""
        return [
            web.route("*", "/bot{token}/{method}", self.handle),
            web.get("/file/bot{token}/{path:.+}", self.download),
        ]

    def fallback(self) -> web.RouteDef:
        """Telegram's JSON 404 for any other path; register it last."""
        return web.route("*", "/{tail:.*}", self.not_found)

    async def not_found(self, request: web.Request) -> web.StreamResponse:
        """404 "Not Found"."""
        return web.json_response(NOT_FOUND.payload(), status=404, dumps=_dumps)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """One Bot API call."""
        if request.match_info["token"] != self.core.token:
            return web.json_response(UNAUTHORIZED.payload(), status=401, dumps=_dumps)
        method = _BY_LOWER.get(request.match_info["method"].lower())
        if method is None:
            return web.json_response(NOT_FOUND.payload(), status=404, dumps=_dumps)
        polling = method == "getUpdates"
        self.in_flight += not polling
        try:
            return await self._handle(request, method)
        finally:
            self.in_flight -= not polling

    async def _handle(self, request: web.Request, method: str) -> web.StreamResponse:
        fault = self.faults.pick(method)
        before = fault is not None and fault.kind != "slow" and not fault.executed
        params: dict[str, Any] = {}
        try:
            params = coerce(self.validator(), method, await read_params(request))
            if fault is not None and before:
                return self._fail(request, method, params, fault)
            check_types(self.validator(), method, params)
            result = await HANDLERS[method](self.core, Params(params))
            body: dict[str, Any] = {"ok": True}
            if isinstance(result, Answer):
                body.update(result=result.result, description=result.description)
            else:
                body["result"] = result
            status = 200
        except ApiError as error:
            body, status = error.payload(), error.code
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        elif fault is not None and not before:
            return self._fail(request, method, params, fault)
        self._record(method, params, status, body)
        return web.json_response(body, status=status, dumps=_dumps)

    def _fail(
        self, request: web.Request, method: str, params: dict[str, Any], fault: Fault
    ) -> web.StreamResponse:
        if fault.kind == "429":
            body = too_many_requests(fault.retry_after).payload()
            self._record(method, params, 429, body)
            return web.json_response(body, status=429, dumps=_dumps)
        if fault.kind == "500":
            body = ApiError(500, "Internal Server Error").payload()
            self._record(method, params, 500, body)
            return web.json_response(body, status=500, dumps=_dumps)
        if fault.kind == "502":
            self._record(method, params, 502, None)
            return web.Response(text=_BAD_GATEWAY, status=502, content_type="text/html")
        self._record(method, params, 0, None)
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)

    def _record(self, method: str, params: dict[str, Any], status: int, body: Any) -> None:
        call = RecordedCall(method, params, status, body, datetime.now(UTC))
        self.calls.append(call)
        if status != 200:
            logger.info("%s -> %s %s", method, status, (body or {}).get("description", ""))

    async def download(self, request: web.Request) -> web.StreamResponse:
        """File download, as https://api.telegram.org/file/bot<token>/<file_path>."""
        if request.match_info["token"] != self.core.token:
            return web.json_response(UNAUTHORIZED.payload(), status=401, dumps=_dumps)
        path = request.match_info["path"]
        for stored in self.core.world.files.values():
            if api_media.file_path(stored) == path:
                content_type = stored.mime_type or "application/octet-stream"
                return web.Response(body=stored.content, content_type=content_type)
        return web.json_response(NOT_FOUND.payload(), status=404, dumps=_dumps)

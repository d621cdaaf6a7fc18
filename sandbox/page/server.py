"""The page server: static files, the emulator's control API, and the sandbox's own routes."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from sandbox.emulator import Emulator
from sandbox.emulator.control import control_routes
from sandbox.emulator.guard import same_origin_only
from sandbox.emulator.serialize import user_json

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = {
    "app.js": "text/javascript",
    "style.css": "text/css",
}
LANGUAGES = ("de", "en", "tr", "ar", "uk", "ru")
#: Personas added from the page get ids from here on.
FIRST_ADDED_ID = 2001

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Controller(Protocol):
    """What the page needs from the bot's side."""

    async def state(self) -> dict[str, Any]:
        """Clock, quiet hours, next step and personas (see ``bot.sandbox.Sandbox.state``)."""
        ...

    async def jump(self, how: str) -> str:
        """Move the clock ("hour", "day", "week", "next") and do what fell due."""
        ...


class Refused(ValueError):
    """The visitor asked for something the sandbox cannot do (answered 400, not logged)."""


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False)
    )


def _guarded(route: Route) -> Route:
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await route(request)
        except Refused as error:
            return _json({"error": str(error)}, 400)

    return wrapper


@web.middleware
async def internal_errors(request: web.Request, handler: Route) -> web.StreamResponse:
    """Any failure inside the sandbox: logged with its traceback, answered as JSON that the
    page shows, so the page lives on (a bare 500 would leave it without a word)."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as error:  # the one place that keeps the page alive
        log.exception("sandbox: %s %s failed", request.method, request.path)
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return _json({"error": text, "internal": True}, 500)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json() if request.can_read_body else {}
    except json.JSONDecodeError:
        raise Refused("the body is not JSON") from None
    if not isinstance(data, dict):
        raise Refused("a JSON object is expected")
    return data


def _int(value: str | None, name: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise Refused(f"{name} must be a number") from None


class PageServer:
    """Serves the sandbox page for one emulator and controller."""

    def __init__(self, emu: Emulator, controller: Controller) -> None:
        self.emu = emu
        self.controller = controller
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        """The aiohttp application (for tests and :meth:`start`)."""
        app = web.Application(middlewares=[same_origin_only, internal_errors])
        routes: list[tuple[str, str, Route]] = [
            ("GET", "/", self.index),
            ("GET", "/static/{name}", self.static),
            ("GET", "/api/state", self.state),
            ("POST", "/api/clock", self.clock),
            ("POST", "/api/personas", self.add_persona),
            ("GET", "/api/commands", self.commands),
        ]
        app.add_routes([web.route(m, path, _guarded(h)) for m, path, h in routes])
        app.add_routes(control_routes(self.emu))
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 8080) -> str:
        """Listen on ``host:port`` (0: any free port); returns the page's URL. Raises OSError
        if the address is taken."""
        runner = web.AppRunner(self.application(), shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        bound = runner.addresses[0]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{bound[1]}"

    async def stop(self) -> None:
        """Close the server (open long polls are cut)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # -- routes ------------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.StreamResponse:
        """The page."""
        return web.Response(
            text=(HERE / "index.html").read_text(encoding="utf-8"),
            content_type="text/html",
            headers={"Cache-Control": "no-store"},
        )

    async def static(self, request: web.Request) -> web.StreamResponse:
        """app.js and style.css."""
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        return web.Response(
            text=(HERE / name).read_text(encoding="utf-8"),
            content_type=STATIC[name],
            headers={"Cache-Control": "no-store"},
        )

    async def state(self, request: web.Request) -> web.StreamResponse:
        """Everything the page shows besides the messages."""
        return _json(await self._state())

    async def _state(self) -> dict[str, Any]:
        world = self.emu.world
        chats = []
        for chat in world.chats.values():
            if chat.migrated_to is not None:
                continue
            private = chat.type == "private"
            chats.append(
                {
                    "id": chat.id,
                    "type": chat.type,
                    "title": world.users[chat.id].first_name if private else chat.title,
                    "members": [
                        user_id
                        for user_id, status in chat.members.items()
                        if status in ("creator", "administrator", "member", "restricted")
                        and user_id != self.emu.bot.id
                    ],
                }
            )
        return await self.controller.state() | {
            "bot": user_json(self.emu.bot),
            "events": world.events.seq,
            "chats": chats,
            "languages": list(LANGUAGES),
        }

    async def clock(self, request: web.Request) -> web.StreamResponse:
        """Move time: {"step": "hour" | "day" | "week" | "next"}."""
        body = await _body(request)
        said = await self.controller.jump(str(body.get("step", "")))
        return _json({"said": said, "state": await self._state()})

    async def add_persona(self, request: web.Request) -> web.StreamResponse:
        """A new person with a chosen language opens the bot (sends /start)."""
        body = await _body(request)
        first_name = str(body.get("first_name", "")).strip()[:64]
        if not first_name:
            raise Refused("a persona needs a first name")
        language = str(body.get("language_code", "de"))
        if language not in LANGUAGES:
            raise Refused(f"language must be one of {', '.join(LANGUAGES)}")
        last_name = str(body.get("last_name", "")).strip()[:64] or None
        taken = {u.id for u in self.emu.users}
        user_id = max([FIRST_ADDED_ID - 1, *(i for i in taken if i >= FIRST_ADDED_ID)]) + 1
        user = self.emu.user(user_id, first_name, last_name=last_name, language_code=language)
        await user.send("/start")
        return _json(user_json(user.user))

    async def commands(self, request: web.Request) -> web.StreamResponse:
        """The command menu a user sees in a chat (private or group)."""
        user_id = _int(request.query.get("user_id"), "user_id")
        chat_id = _int(request.query.get("chat_id", str(user_id)), "chat_id")
        if user_id not in {u.user.id for u in self.emu.users}:
            raise Refused(f"no user {user_id}")
        if chat_id == user_id:
            found = self.emu.get_user(user_id).commands
        elif chat_id in self.emu.world.chats and chat_id < 0:
            found = self.emu.group(chat_id).commands_for(user_id)
        else:
            raise Refused(f"no group chat {chat_id}")
        return _json([c._asdict() for c in found])

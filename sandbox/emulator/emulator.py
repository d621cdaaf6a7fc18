"""The Emulator: a local Telegram Bot API server plus the users and groups that talk to the bot."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from sandbox.emulator.client import UserHandle
from sandbox.emulator.control import control_routes
from sandbox.emulator.core import Core
from sandbox.emulator.faults import Faults
from sandbox.emulator.groups import GroupHandle, UserRef, new_group
from sandbox.emulator.guard import same_origin_only
from sandbox.emulator.limits import RateLimiter
from sandbox.emulator.server import ApiServer, RecordedCall
from sandbox.emulator.spec import SpecValidator
from sandbox.emulator.state import Clock, UserState, World
from sandbox.emulator.table import builtin_validator
from sandbox.emulator.updates import Webhook
from sandbox.emulator.views import ChatMessage, ChatView

SPEC_ENV = "GREMIUM_BOT_API_SPEC"


def default_spec_path() -> Path | None:
    """``$GREMIUM_BOT_API_SPEC``, else ``<repo>/../shared/telegram-bot-api/api.json``; None if
    the file is not there."""
    configured = os.environ.get(SPEC_ENV)
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    repo = Path(__file__).resolve().parents[2]
    candidate = repo.parent / "shared" / "telegram-bot-api" / "api.json"
    return candidate if candidate.is_file() else None


class Emulator:
    """A Bot API server on loopback with scripted users; see the package docstring."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "gremium_bot",
        bot_name: str = "Gremium",
        spec_path: str | Path | None = None,
        clock: Clock | None = None,
    ) -> None:
        prefix = token.split(":", 1)[0]
        bot_id = int(prefix) if prefix.isdigit() else 123456
        self.bot = UserState(bot_id, bot_name, username=bot_username, is_bot=True)
        self.world = World(self.bot, clock)
        self.core = Core(token, self.bot, self.world)
        self.faults = Faults()
        self.spec = SpecValidator.load(spec_path) if spec_path is not None else None
        self.validator = self.spec or builtin_validator()
        self.api = ApiServer(self.core, self.faults, lambda: self.validator)
        self.api_root = ""
        self._runner: web.AppRunner | None = None
        self._users: dict[int, UserHandle] = {}

    @property
    def token(self) -> str:
        """The bot token the server accepts."""
        return self.core.token

    @property
    def enforce_limits(self) -> bool:
        """Whether Telegram's flood limits answer 429 (off by default)."""
        return self.core.enforce_limits

    @enforce_limits.setter
    def enforce_limits(self, value: bool) -> None:
        self.core.enforce_limits = value
        self.core.limiter.reset()

    @property
    def limits(self) -> RateLimiter:
        """The flood limits: ``overall``, ``paid_overall``, ``private_burst``,
        ``private_per_second``, ``group_per_minute`` and the ``monotonic`` time source."""
        return self.core.limiter

    @property
    def privacy_mode(self) -> bool:
        """Bot privacy mode (on, as Telegram's default): in groups where the bot is no admin it
        only gets commands, mentions, replies to its messages and service messages."""
        return self.world.privacy_mode

    @privacy_mode.setter
    def privacy_mode(self, value: bool) -> None:
        self.world.privacy_mode = value

    @property
    def calls(self) -> list[RecordedCall]:
        """Every Bot API request so far, oldest first."""
        return self.api.calls

    def clear_calls(self) -> None:
        """Forget the recorded calls."""
        self.api.calls.clear()

    @property
    def in_flight(self) -> int:
        """Bot requests being handled right now (long-polling getUpdates not counted)."""
        return self.api.in_flight

    @property
    def webhook(self) -> Webhook:
        """The webhook settings and delivery record."""
        return self.core.webhook

    @property
    def delivered_updates(self) -> int:
        """How many updates the bot has received so far (re-deliveries count again)."""
        return self.core.queue.delivered_count

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet delivered, oldest first."""
        return [update.payload for update in self.core.queue.pending]

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0: any free port); returns and sets ``api_root``."""
        app = web.Application(client_max_size=60 * 1024 * 1024, middlewares=[same_origin_only])
        app.add_routes(self.api.routes())
        app.add_routes(control_routes(self))
        app.add_routes([self.api.fallback()])
        runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner = runner
        bound = runner.addresses[0]
        self.api_root = f"http://{host}:{bound[1]}"
        self.core.closing = False
        return self.api_root

    async def stop(self) -> None:
        """Answer pending long polls, stop webhook delivery and close the server."""
        self.core.closing = True
        self.core.queue.notify()
        await self.core.sender.stop()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "de",
        started: bool = True,
    ) -> UserHandle:
        """Create a user and their private chat (chat id == user id); for an existing id, the
        existing user. With ``started=False`` the user never wrote to the bot, so the bot
        cannot message them until they do."""
        if user_id in self._users:
            return self._users[user_id]
        if user_id <= 0 or user_id in self.world.users:
            raise ValueError(f"user id {user_id} is invalid or the bot's")
        state = UserState(user_id, first_name, last_name, username, language_code, started=started)
        self.world.add_user(state)
        handle = UserHandle(self.core, state)
        self._users[user_id] = handle
        return handle

    def block_silently(self, user: UserHandle | int) -> None:
        """``user`` blocks the bot without the bot being told (no my_chat_member update)."""
        handle = user if isinstance(user, UserHandle) else self.get_user(user)
        handle.block(silent=True)

    def get_user(self, user_id: int) -> UserHandle:
        """The handle of an existing user."""
        return self._users[user_id]

    @property
    def users(self) -> list[UserHandle]:
        """All users, in creation order."""
        return list(self._users.values())

    def group_chat(
        self,
        chat_id: int,
        title: str,
        *,
        type: str = "group",
        members: Iterable[UserRef] = (),
        admins: Iterable[UserRef] = (),
        creator: UserRef | None = None,
        username: str | None = None,
        bot_status: str = "member",
    ) -> GroupHandle:
        """Create a group (negative id) the bot is already in; ``admins`` and ``creator`` are
        members too. ``bot_status="administrator"`` makes the bot an admin."""
        return new_group(
            self.core,
            chat_id,
            title,
            type=type,
            members=members,
            admins=admins,
            creator=creator,
            username=username,
            bot_status=bot_status,
        )

    def group(self, chat_id: int) -> GroupHandle:
        """The handle of an existing group."""
        if chat_id not in self.world.chats or chat_id > 0:
            raise KeyError(f"no group {chat_id}")
        return GroupHandle(self.core, chat_id)

    def messages(self, chat_id: int) -> list[ChatMessage]:
        """The messages of any chat, with edits applied."""
        return ChatView(self.core, chat_id).messages

    async def wait_delivered(self, timeout: float = 10.0) -> None:
        """Wait until the bot has received every queued update (confirmed by a later getUpdates
        offset, or a 2xx webhook answer); TimeoutError otherwise."""
        await self.core.queue.wait_delivered(timeout)

    async def wait_idle(self, timeout: float = 10.0, quiet: float = 0.05) -> None:
        """Wait until every update is delivered, no bot request is in flight and no request has
        started or ended for ``quiet`` seconds: the bot is done reacting."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self.wait_delivered(timeout)
        while True:
            calls = len(self.api.calls)
            await asyncio.sleep(quiet)
            settled = self.in_flight == 0 and len(self.api.calls) == calls
            if settled and not self.core.queue.pending:
                return
            if loop.time() > deadline:
                raise TimeoutError(f"bot still busy after {timeout}s ({self.in_flight} in flight)")

    def deliver_again(self, update_id: int) -> None:
        """Queue an already delivered update again, with the same update_id."""
        self.core.queue.again(update_id)

"""The command line: ``gremium run``, ``gremium db upgrade``, ``gremium sandbox``. The one
composition root."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings

log = logging.getLogger("gremium")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gremium", description="Gremium working-group bot")
    parser.add_argument(
        "--config", type=Path, default=Path("config.toml"), help="config file (./config.toml)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot")
    run.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    for name, text in (("upgrade", "apply migrations"), ("current", "show the schema version")):
        p = db_sub.add_parser(name, help=text)
        p.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    sandbox = sub.add_parser(
        "sandbox", help="try the whole bot in a browser, without Telegram or a token"
    )
    sandbox.add_argument("--port", type=int, default=8080, help="the page's port (8080)")
    sandbox.add_argument(
        "--host", default="127.0.0.1", help="the page's address (127.0.0.1: this machine only)"
    )
    return parser


def configure_logging(level: str) -> None:
    """One line per event on stderr; httpx quiet so the token never reaches the log."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gremium`` console script."""
    # python-telegram-bot 22: durations as timedelta, as its next major version does by default.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    args = _parser().parse_args(argv)
    if args.command == "sandbox":
        return _sandbox(args.host, args.port)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"gremium: configuration error in {exc.key}: {exc.problem}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.command == "db":
        return _db(settings, args.db_command)
    return _run(settings)


def _db(settings: Settings, command: str) -> int:
    from storage import migrate

    if command == "upgrade":
        migrate.upgrade(settings.database_url)
        print(f"database is at revision {migrate.head_revision()}")
        return 0
    from storage.db import create_engine

    async def current() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            return await migrate.current_revision(engine)
        finally:
            await engine.dispose()

    rev = asyncio.run(current())
    head = migrate.head_revision()
    print(f"database revision: {rev or 'empty'} (code expects {head})")
    return 0 if rev == head else 1


def _sandbox(host: str, port: int) -> int:
    """The emulator, the real bot and the page, with a throwaway database; no config needed."""
    from bot.sandbox import PortTaken, serve

    configure_logging("WARNING")
    try:
        return asyncio.run(serve(host, port))
    except PortTaken as exc:
        print(f"gremium sandbox: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nSandbox stopped.", file=sys.stderr)
        return 0


def _run(settings: Settings) -> int:
    from bot.app import build_application
    from domain.clock import SystemClock
    from storage import migrate
    from storage.db import create_engine, make_sessionmaker

    migrate.upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    app = build_application(
        settings, sessionmaker=make_sessionmaker(engine), clock=SystemClock(), engine=engine
    )
    log.info("starting in %s mode against %s", settings.mode, settings.api_root)
    if settings.mode == "webhook":
        hook = settings.webhook
        app.run_webhook(
            listen=hook.listen,
            port=hook.port,
            url_path=hook.path,
            webhook_url=f"{hook.url.rstrip('/')}/{hook.path}",
            secret_token=hook.secret_token,
            allowed_updates=["message", "callback_query", "my_chat_member"],
        )
    else:
        app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

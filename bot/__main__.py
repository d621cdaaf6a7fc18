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
from bot.logs import configure_logging

log = logging.getLogger("gremium")
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


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
    for name, text, path_help in (
        ("backup", "copy the database while the bot runs", "file or directory to write"),
        ("restore", "put a backup back (stop the bot first)", "the backup file"),
    ):
        p = db_sub.add_parser(name, help=text)
        p.add_argument("path", type=Path, help=path_help)
        p.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    sandbox = sub.add_parser(
        "sandbox", help="try the whole bot in a browser, without Telegram or a token"
    )
    sandbox.add_argument("--port", type=int, default=8080, help="the page's port (8080)")
    sandbox.add_argument(
        "--host", default="127.0.0.1", help="the page's address (127.0.0.1: this machine only)"
    )
    sandbox.add_argument(
        "--german-address",
        choices=("sie", "du"),
        default="sie",
        help='how German addresses members: "sie" (formal, default) or "du"',
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gremium`` console script."""
    # python-telegram-bot 22: durations as timedelta, as its next major version does by default.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    args = _parser().parse_args(argv)
    if args.command == "sandbox":
        return _sandbox(args.host, args.port, args.german_address)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"gremium: configuration error in {exc.key}: {exc.problem}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format, secrets=_secrets(settings))
    if args.command == "db":
        return _db(settings, args.db_command, getattr(args, "path", None))
    return _run(settings)


def _secrets(settings: Settings) -> list[str]:
    """What must never appear in a log line."""
    from sqlalchemy.engine import make_url

    password = make_url(settings.database_url).password
    return [settings.token, settings.webhook.secret_token, str(password or "")]


def _db(settings: Settings, command: str, path: Path | None) -> int:
    from bot.maintenance import backup_command, restore_command
    from storage import migrate

    if command == "backup" and path is not None:
        return backup_command(settings, path)
    if command == "restore" and path is not None:
        return restore_command(settings, path)
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


def _sandbox(host: str, port: int, german_address: str = "sie") -> int:
    """The emulator, the real bot and the page, with a throwaway database; no config needed."""
    from bot.sandbox import PortTaken, serve

    configure_logging("WARNING")
    try:
        return asyncio.run(serve(host, port, german_address=german_address))
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
        from bot.webhook import run_webhook

        run_webhook(app, settings.webhook, allowed_updates=ALLOWED_UPDATES)
    else:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

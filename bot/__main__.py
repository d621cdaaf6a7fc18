"""The command line: ``gremium run``, ``gremium db upgrade``, ``gremium sandbox``. The one
composition root."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.config import ConfigError, Settings, example_config, load_settings
from bot.config.settings import GermanAddress
from bot.logs import configure_logging
from domain.i18n import MissingCatalogue, Translator

log = logging.getLogger("gremium")
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
#: Read when no --config is given; without it, the settings come from the environment alone.
DEFAULT_CONFIG = Path("config.toml")
#: Exit codes: a wrong setting, a missing part of the installation, the Bot API unreachable.
EXIT_CONFIG, EXIT_INSTALLATION, EXIT_UNREACHABLE = 2, 3, 4


def gremium_version() -> str:
    """The installed distribution's version (pyproject.toml is the one place it is written)."""
    try:
        return version("gremium")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gremium", description="Gremium working-group bot")
    parser.add_argument("--version", action="version", version=f"gremium {gremium_version()}")
    parser.add_argument("--config", type=Path, default=None, help="config file (./config.toml)")
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
    sub.add_parser(
        "example-config", help="print a commented example config (gremium example-config > FILE)"
    )
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
        if not _catalogues("de"):
            return EXIT_INSTALLATION
        return _sandbox(args.host, args.port, args.german_address)
    if args.command == "example-config":
        sys.stdout.write(example_config())
        return 0
    try:
        settings = load_settings(_config_path(args.config))
    except ConfigError as exc:
        print(f"gremium: configuration error in {exc.key}: {exc.problem}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format, secrets=_secrets(settings))
    if args.command == "db":
        return _db(settings, args.db_command, getattr(args, "path", None))
    return _run(settings)


def _config_path(given: Path | None) -> Path | None:
    """The file named by --config (which must exist), else ./config.toml if there is one."""
    if given is not None:
        return given
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None


def _catalogues(default_language: str) -> bool:
    """Every language's catalogue is installed; else one line naming the gap."""
    try:
        Translator(default_language).load_all()
    except MissingCatalogue as exc:
        print(f"gremium: broken installation: {exc}", file=sys.stderr)
        return False
    return True


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


#: Set to 1 by the Makefile's ``sandbox`` target.
VIA_MAKE = "GREMIUM_VIA_MAKE"


def _sandbox(host: str, port: int, german_address: GermanAddress = "sie") -> int:
    """The emulator, the real bot and the page, with a throwaway database; no config needed."""
    from bot.sandbox import serve
    from bot.sandbox_port import PortTaken

    configure_logging("WARNING")
    # `make sandbox` says so, so that advice names the command the visitor typed.
    via_make = os.environ.get(VIA_MAKE) == "1"
    try:
        return asyncio.run(serve(host, port, via_make=via_make, german_address=german_address))
    except PortTaken as exc:
        print(f"gremium sandbox: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nSandbox stopped.", file=sys.stderr)
        return 0


def _run(settings: Settings) -> int:
    from bot.app import build_application
    from bot.preflight import Unreachable, preflight
    from domain.clock import SystemClock
    from storage import migrate
    from storage.db import create_engine, make_sessionmaker

    if not _catalogues(settings.default_language):
        return EXIT_INSTALLATION
    try:
        username = preflight(settings.api_root, settings.token, settings.request_timeout)
    except Unreachable as exc:
        print(f"gremium: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    log.info("Bot API at %s answers as @%s", settings.api_root, username)
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

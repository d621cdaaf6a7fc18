"""Run the emulator until Ctrl-C: ``python -m sandbox.emulator --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from pathlib import Path

from sandbox.emulator.emulator import Emulator, default_spec_path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--bot-username", default="gremium_bot")
    parser.add_argument("--bot-name", default="Gremium")
    parser.add_argument("--spec", type=Path, default=None, help="api.json to validate against")
    parser.add_argument("--no-spec", action="store_true", help="use only the built-in table")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Start, print where to point the bot, and wait forever."""
    spec = None if args.no_spec else (args.spec or default_spec_path())
    emu = Emulator(args.token, args.bot_username, args.bot_name, spec_path=spec)
    root = await emu.start(args.host, args.port)
    print(f"Bot API emulator at {root}  (bot base_url: {root}/bot)", flush=True)
    print(f"Control API: {root}/_emulator/state   spec: {spec or 'built-in table'}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()

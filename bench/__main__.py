"""`make bench`: run the scenarios, print the table, write it as Markdown."""

from __future__ import annotations

import os

# python-telegram-bot 22: durations as timedelta (what its next major version does by default).
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bench.cli import main

raise SystemExit(main())

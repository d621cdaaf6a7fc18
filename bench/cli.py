"""The command line of the benchmark: choose scenarios and sizes, print and write the table."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bench import broadcast, cadence, convergence, crash, flood, votes
from bench.table import FAILED, MISSED, Row, markdown_table, text_table
from bench.world import Sizes, backend

Scenario = Callable[[Sizes], Coroutine[Any, Any, list[Row]]]
SCENARIOS: dict[str, Scenario] = {
    "broadcast": broadcast.limited,
    "unlimited": broadcast.unlimited,
    "crash": crash.crash_test,
    "votes": votes.vote_storm,
    "converge": convergence.tally_convergence,
    "cadence": cadence.start_up,
    "flood": flood.flood,
}
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.md"
README = ROOT / "README.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
#: What the bot logs while it runs in this process (warnings and errors).
LOG = Path(tempfile.gettempdir()) / "gremium-bench.log"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("QUICK", "") not in ("", "0"),
        help="small sizes for a quick look (also QUICK=1)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(SCENARIOS),
        help="run only this scenario (may be repeated)",
    )
    parser.add_argument(
        "--markdown", type=Path, default=RESULTS, help=f"where to write the table ({RESULTS})"
    )
    parser.add_argument(
        "--readme",
        action="store_true",
        help="also put the table into README.md's Benchmarks section",
    )
    # Internal: how the command runs each scenario in a process of its own.
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=Path, help=argparse.SUPPRESS)
    return parser


def _in_own_process(name: str, quick: bool) -> tuple[list[Row], int]:
    """Run one scenario in a new Python process, so that what an earlier scenario left in
    memory (and the garbage collector's work on it) does not weigh on the next one's figures.
    Returns its rows and how many errors the bot logged."""
    with tempfile.TemporaryDirectory(prefix="gremium-bench-") as tmp:
        out = Path(tmp) / "rows.json"
        command = [sys.executable, "-m", "bench", "--scenario", name, "--rows", str(out)]
        done = subprocess.run([*command, *(["--quick"] if quick else [])], check=False)
        if done.returncode != 0 or not out.exists():
            problem = f"failed: the scenario's process ended with status {done.returncode}"
            return [Row(name, problem, "—", FAILED)], 0
        data = json.loads(out.read_text(encoding="utf-8"))
    return [Row(*cells) for cells in data["rows"]], int(data["errors"])


def _scenario(name: str, quick: bool, rows_file: Path) -> int:
    """The child's part: run scenario ``name`` and write its rows to ``rows_file``."""
    errors = _log_to(LOG)
    try:
        found = asyncio.run(SCENARIOS[name](Sizes.choose(quick)))
    except Exception as exc:  # one broken scenario must not hide the others' figures
        traceback.print_exc()
        problem = str(exc).splitlines()[0][:160] if str(exc) else ""
        found = [Row(name, f"failed: {type(exc).__name__}: {problem}", "—", FAILED)]
    data = {"rows": [row.cells() for row in found], "errors": errors.count}
    rows_file.write_text(json.dumps(data), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the chosen scenarios; exit status 1 only if a scenario could not run (a missed
    target is a result, printed in the table)."""
    args = _parser().parse_args(argv)
    if args.scenario is not None:
        return _scenario(args.scenario, args.quick, args.rows)
    LOG.write_text("", encoding="utf-8")  # each scenario's process adds to it
    errors = _log_to(LOG)
    sizes = Sizes.choose(args.quick)
    chosen = args.only or list(SCENARIOS)
    rows: list[Row] = []
    began = time.monotonic()
    for name in chosen:
        print(f"== {name} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        found, logged = _in_own_process(name, args.quick)
        errors.count += logged
        for row in found:
            print(f"   {row.figure}  [{row.verdict}]", file=sys.stderr, flush=True)
        print(f"   ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
        rows += found
    note = _note(sizes, time.monotonic() - began)
    if errors.count:
        print(f"{errors.count} errors were logged by the bot: see {LOG}")
    print()
    print(text_table(rows))
    print(f"\n{note}")
    document = f"{markdown_table(rows)}\n\n{note}\n"
    args.markdown.write_text(document, encoding="utf-8")
    if args.readme:
        _into_readme(document)
    missed = sum(row.verdict == MISSED for row in rows)
    if missed:
        print(f"{missed} target(s) missed.")
    return 1 if any(row.verdict == FAILED for row in rows) else 0


class _Counter(logging.Handler):
    """Counts the records at ERROR and above."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _log_to(path: Path) -> _Counter:
    """Warnings and errors go to ``path`` (not between the figures); errors are counted."""
    handler = logging.FileHandler(path, mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    counter = _Counter()
    logging.basicConfig(level=logging.WARNING, handlers=[handler, counter], force=True)
    return counter


def _note(sizes: Sizes, seconds: float) -> str:
    cores = os.cpu_count() or 0
    size = "QUICK=1 (small sizes)" if sizes.quick else "full sizes"
    return (
        f"Measured with {size} on {backend()}, Python {platform.python_version()}, "
        f"{cores} cores, in {seconds / 60:.0f} min."
    )


def _into_readme(document: str) -> None:
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        print(f"README.md has no {BEGIN} ... {END} section; not updated", file=sys.stderr)
        return
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n{document}{END}{tail}", encoding="utf-8")

"""The result table: one row per figure, printed for people and written as Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MET = "met"
MISSED = "missed"
REPORTED = "reported"  # a figure without a target
FAILED = "failed"  # the scenario could not run
HEADER = ("scenario", "figure", "target", "verdict")


@dataclass(frozen=True)
class Row:
    """One measured figure and whether it meets its target."""

    scenario: str
    figure: str
    target: str
    verdict: str

    @classmethod
    def judged(cls, scenario: str, figure: str, target: str, ok: bool) -> Row:
        """A row whose verdict is "met" if ``ok``, else "missed"."""
        return cls(scenario, figure, target, MET if ok else MISSED)

    @classmethod
    def info(cls, scenario: str, figure: str) -> Row:
        """A figure reported without a target."""
        return cls(scenario, figure, "—", REPORTED)

    def cells(self) -> tuple[str, str, str, str]:
        """The four cells, in table order."""
        return (self.scenario, self.figure, self.target, self.verdict)


def text_table(rows: Sequence[Row]) -> str:
    """The table in aligned columns for a terminal."""
    lines = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    rule = "  ".join("-" * w for w in widths)
    out = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join([out[0], rule, *out[1:]])


def markdown_table(rows: Sequence[Row]) -> str:
    """The table as GitHub Markdown."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    body = [line(HEADER), line(["---"] * len(HEADER))]
    body += [line(row.cells()) for row in rows]
    return "\n".join(body)

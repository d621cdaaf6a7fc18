"""The group's record as files: the attendance CSV (one row per meeting and member) and the
printable attendance list ("Teilnehmerliste") as PDF, in the reader's language.

The PDF embeds DejaVu Sans, shipped in ``handlers/meetings/fonts`` (Latin, Greek, Cyrillic,
Turkish and Arabic letters), so names print whatever script they are written in, with no system
fonts;
HarfBuzz (uharfbuzz) shapes Arabic so its letters join and read right to left.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from domain.i18n import Lang
from domain.record import AttendanceRow, csv_rows
from handlers.meetings.texts import meeting_when
from storage.models import Group, Meeting

FONT = "DejaVu"


def csv_bytes(rows: Sequence[AttendanceRow], tz: ZoneInfo) -> bytes:
    """The CSV file: UTF-8 with a byte order mark, so spreadsheets read umlauts right."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(csv_rows(rows, tz))
    return buffer.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class Sheet:
    """What the attendance list shows."""

    group: Group
    meeting: Meeting
    present: list[str]  # names, sorted
    anonymous: int  # present, but forgotten since
    organisation: str
    made_at: datetime


def _font_path(name: str) -> str:
    """A font shipped inside the package."""
    return str(resources.files("handlers.meetings") / "fonts" / name)


def attendance_pdf(lang: Lang, sheet: Sheet, tz: ZoneInfo) -> bytes:
    """The attendance list for printing and filing: A4, group, date, time, place, the names of
    those present, numbered, with room to sign."""
    pdf = _document(lang, sheet)
    width = pdf.epw
    pdf.set_font(FONT, "B", 18)
    pdf.cell(width, 10, lang._("Attendance list"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 11)
    pdf.cell(width, 6, sheet.organisation, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    _facts(pdf, lang, sheet.group, sheet.meeting, tz)
    pdf.ln(4)
    _table(pdf, lang, sheet.present)
    pdf.ln(4)
    _footer(pdf, lang, sheet, tz)
    return bytes(pdf.output())


def _document(lang: Lang, sheet: Sheet) -> FPDF:
    """An empty A4 page with the fonts, shaping and margins of the list."""
    pdf = FPDF(format="A4")
    pdf.set_title(lang._("Attendance list") + f" {sheet.group.name}")
    pdf.set_creator(sheet.organisation)
    pdf.add_font(FONT, "", _font_path("DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", _font_path("DejaVuSans-Bold.ttf"))
    # HarfBuzz joins Arabic letters and runs right-to-left text in its order.
    pdf.set_text_shaping(use_shaping_engine=True)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    return pdf


def _facts(pdf: FPDF, lang: Lang, group: Group, meeting: Meeting, tz: ZoneInfo) -> None:
    """Group, date and time, place and online link, one labelled line each."""
    width = pdf.epw
    facts = [
        (lang._("Group"), group.name),
        (lang._("Date and time"), meeting_when(lang, meeting, tz)),
    ]
    if meeting.location:
        facts.append((lang._("Place"), meeting.location))
    if meeting.online_url:
        facts.append((lang._("Online"), meeting.online_url))
    for label, value in facts:
        pdf.set_font(FONT, "B", 11)
        pdf.cell(40, 7, label + ":")
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(width - 40, 7, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _footer(pdf: FPDF, lang: Lang, sheet: Sheet, tz: ZoneInfo) -> None:
    """How many were present (the forgotten among them) and when the list was made."""
    width = pdf.epw
    pdf.set_font(FONT, "", 10)
    total = len(sheet.present) + sheet.anonymous
    pdf.multi_cell(
        width,
        6,
        lang.ngettext("{n} person present.", "{n} people present.", total),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    if sheet.anonymous:
        note = lang.ngettext(
            "Including {n} person who has since asked to be forgotten.",
            "Including {n} people who have since asked to be forgotten.",
            sheet.anonymous,
        )
        pdf.multi_cell(width, 6, note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(
        width,
        5,
        lang._("Made on {when}.", when=lang.stamp(sheet.made_at, tz)),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


def _table(pdf: FPDF, lang: Lang, names: Sequence[str]) -> None:
    """Numbered rows: no., name, signature."""
    widths = (12, 88, pdf.epw - 100)
    pdf.set_font(FONT, "B", 11)
    for width, head in zip(widths, ("#", lang._("Name"), lang._("Signature")), strict=True):
        pdf.cell(width, 8, head, border=1)
    pdf.ln(8)
    pdf.set_font(FONT, "", 11)
    for number, name in enumerate(names, 1):
        pdf.cell(widths[0], 9, str(number), border=1)
        pdf.cell(widths[1], 9, name, border=1)
        pdf.cell(widths[2], 9, "", border=1)
        pdf.ln(9)

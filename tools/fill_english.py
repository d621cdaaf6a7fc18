"""English is the language the messages are written in: give every empty English entry its
msgid (and both plural forms), so the English catalogue is complete. Run by ``make i18n``."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parents[1] / "locales" / "en" / "LC_MESSAGES" / "gremium.po"


def main() -> None:
    """Fill the English catalogue in place."""
    with PO.open("rb") as fp:
        catalog = read_po(fp, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            if not all(message.string):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
    with PO.open("wb") as fp:
        write_po(fp, catalog, width=99)


if __name__ == "__main__":
    main()

"""Reading a command's arguments: words, quoted phrases and yes/no values, in German or English."""

from __future__ import annotations

import shlex

from domain.errors import GremiumError

YES = {"yes", "ja", "on", "an", "true", "1"}
NO = {"no", "nein", "off", "aus", "false", "0"}


def split_args(text: str) -> list[str]:
    """The words after the command; quotes keep a place with spaces together."""
    try:
        return shlex.split(text)[1:]
    except ValueError:
        raise GremiumError(
            'A quotation mark is not closed. Write a place with spaces like place="Rathaus, '
            'Raum 3".'
        ) from None

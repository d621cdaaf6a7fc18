"""The meeting record's buttons: each round-trips through the codec within Telegram's 64 bytes,
and malformed or forged data decodes to nothing."""

from __future__ import annotations

import pytest

from handlers.callback_data import (
    ActionDone,
    ActionOwner,
    AgendaItemAction,
    AgendaItemStep,
    AgendaManage,
    AgendaStep,
    AttendanceList,
    Callback,
    CheckInHere,
    CorrectCheckIn,
    RecordAction,
    RecordStep,
)
from handlers.callbacks import MAX_ID, decode, encode

BIG = MAX_ID


@pytest.mark.parametrize(
    "data",
    [
        CheckInHere(BIG),
        AttendanceList(BIG),
        CorrectCheckIn(BIG, BIG),
        *(AgendaManage(step, BIG) for step in AgendaStep),
        *(AgendaItemAction(step, BIG) for step in AgendaItemStep),
        *(RecordAction(step, BIG) for step in RecordStep),
        ActionOwner(BIG, BIG),
        ActionDone(BIG),
    ],
)
def test_round_trip(data: Callback) -> None:
    """Encoded with the largest ids, every button fits 64 bytes and decodes to itself."""
    raw = encode(data)
    assert len(raw.encode()) <= 64
    assert decode(raw) == data


@pytest.mark.parametrize(
    "raw",
    [
        "mh:",
        "mh:x",
        "mc:1",
        "mc:1:",
        "mc:1:2:3",
        "ro:1:-2",
        "gm:z:1",
        "gi:a:",
        "rc:q:1",
        f"rd:{MAX_ID + 1}",
        "mc:1:٢",
    ],
)
def test_forged_data_is_nothing(raw: str) -> None:
    """Missing, extra or non-ASCII parts and unknown steps are refused by the codec (planted:
    accepting ``mc:1:2:3`` by ignoring the rest failed here)."""
    assert decode(raw) is None

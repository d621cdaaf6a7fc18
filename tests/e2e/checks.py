"""What the reliability suites check after a run: the whole database, and its invariants."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import text
from sqlmodel import SQLModel

from sandbox.emulator import Emulator
from storage.db import SessionMaker

#: Tables every update writes to (the inbox); left out when asking "did anything change".
BOOKKEEPING = frozenset({"inbound_update", "alembic_version"})


async def database_state(
    sessionmaker: SessionMaker, *, skip: frozenset[str] = BOOKKEEPING
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a comparable form."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    async with sessionmaker() as session:
        connection = await session.connection()
        for table in SQLModel.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = (await connection.execute(table.select())).all()
            state[table.name] = sorted((tuple(map(repr, row)) for row in rows), key=str)
    return state


def chat_state(emu: Emulator) -> dict[int, list[tuple[int, str, int]]]:
    """Every chat's messages: id, text or caption, and how often it was edited."""
    return {
        chat_id: [
            (m.message_id, m.text or m.caption or "", m.edited) for m in emu.messages(chat_id)
        ]
        for chat_id in sorted(emu.core.world.chats)
    }


# Each query returns the rows that break one rule; the name says the rule.
INVARIANTS: dict[str, str] = {
    "a vote belongs to the poll of its option": """
        SELECT v.id FROM vote v JOIN poll_option o ON o.id = v.option_id
        WHERE o.poll_id <> v.poll_id""",
    "nobody votes in a poll still being composed": """
        SELECT v.id FROM vote v JOIN poll p ON p.id = v.poll_id WHERE p.status = 'draft'""",
    "an answer is yes, maybe or no": """
        SELECT id FROM vote WHERE answer NOT IN ('yes', 'maybe', 'no')""",
    "an open poll has a deadline and a pending close": """
        SELECT p.id FROM poll p WHERE p.status = 'open' AND (p.deadline IS NULL OR NOT EXISTS (
            SELECT 1 FROM due_task t WHERE t.kind = 'poll_close' AND t.ref_id = p.id
            AND t.done_at IS NULL AND NOT t.cancelled))""",
    "a decided poll has its meeting": """
        SELECT p.id FROM poll p WHERE p.status = 'closed'
        AND NOT EXISTS (SELECT 1 FROM meeting m WHERE m.poll_id = p.id)""",
    "a closed poll keeps its counts": """
        SELECT o.id FROM poll_option o JOIN poll p ON p.id = o.poll_id
        WHERE p.status IN ('closed', 'choosing') AND NOT o.removed AND o.yes_count IS NULL""",
    "a role is member or coordinator": """
        SELECT id FROM membership WHERE role NOT IN ('member', 'coordinator')""",
    "a sent delivery has all its parts": """
        SELECT id FROM delivery WHERE status = 'sent' AND sent_at IS NULL""",
    "an announcement being sent was released": """
        SELECT a.id FROM announcement a WHERE a.status = 'sending' AND a.released_at IS NULL""",
    "a handled update keeps no content": """
        SELECT update_id FROM inbound_update WHERE handled_at IS NOT NULL
        AND payload IS NOT NULL""",
}
#: Rules that hold once the bot has finished its work (not while it is sending).
WHEN_IDLE: dict[str, str] = {
    "nothing is left half-sent when the bot is idle": """
        SELECT id FROM delivery WHERE status = 'sending'""",
    "every update that arrived was handled": """
        SELECT update_id FROM inbound_update WHERE handled_at IS NULL""",
}


async def broken_invariants(
    sessionmaker: SessionMaker, *, idle: bool = True
) -> dict[str, list[tuple[Any, ...]]]:
    """The rules the database breaks now, with the offending rows (empty when all hold).
    With ``idle=False`` only the rules that hold at any moment (the bot may be working)."""
    broken: dict[str, list[tuple[Any, ...]]] = {}
    rules = {**INVARIANTS, **WHEN_IDLE} if idle else INVARIANTS
    async with sessionmaker() as session:
        connection = await session.connection()
        for rule, sql in rules.items():
            rows = [tuple(r) for r in (await connection.execute(text(sql))).all()]
            if rows:
                broken[rule] = rows
    return broken


def copies(emu: Emulator, chat_id: int, marker: str) -> int:
    """How many of the bot's messages in a chat contain ``marker`` (text or caption)."""
    return sum(marker in (m.text or m.caption or "") for m in emu.messages(chat_id) if m.from_bot)


def tally(counter: Counter[str]) -> str:
    """A counter as "a=1 b=2", sorted, for printed figures."""
    return " ".join(f"{key}={value}" for key, value in sorted(counter.items()))

"""Looking for a person in every table: what a "nothing personal remains" test walks.

Every table of ``SQLModel.metadata`` is read in full, so a table added later is covered without
changing this file. A column holds a trace when it contains the person's Telegram id (as a
number or inside text or JSON), any of their names or their username (inside text or JSON), or,
for a column with a foreign key to ``member.id``, their member id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import SQLModel

from storage.db import SessionMaker
from storage.models import Member


@dataclass(frozen=True)
class Person:
    """What identifies one member."""

    member_id: int
    telegram_id: int
    names: tuple[str, ...]

    @classmethod
    def of(cls, member: Member) -> Person:
        """The identifying values of a stored member."""
        assert member.id is not None
        names = [member.first_name, member.last_name or "", member.username or ""]
        return cls(member.id, member.telegram_id, tuple(n for n in names if n))


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


async def traces(sessionmaker: SessionMaker, person: Person) -> list[str]:
    """Every ``table.column`` (with the row's primary key) that still points at ``person``."""
    found: list[str] = []
    async with sessionmaker() as session:
        connection = await session.connection()
        for table in SQLModel.metadata.sorted_tables:
            refers = {
                c.name
                for c in table.columns
                if any(fk.column.table.name == "member" for fk in c.foreign_keys)
            }
            for row in (await connection.execute(table.select())).mappings():
                for name, value in row.items():
                    if value is None or isinstance(value, bool):
                        continue
                    where = f"{table.name}.{name} (id {row.get('id')})"
                    if isinstance(value, int):
                        if value == person.telegram_id or (
                            name in refers and value == person.member_id
                        ):
                            found.append(f"{where} = {value}")
                        continue
                    if not isinstance(value, str | list | dict):
                        continue
                    text = _as_text(value).casefold()
                    needles = (str(person.telegram_id), *person.names)
                    hits = [n for n in needles if n.casefold() in text]
                    if hits:
                        found.append(f"{where} contains {hits}")
    return found

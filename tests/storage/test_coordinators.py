"""A group's coordinators, found without loading its members."""

from __future__ import annotations

from domain.clock import FakeClock
from storage import groups as group_repo
from storage import members as member_repo
from storage.db import SessionMaker
from storage.models import Role


async def test_list_coordinators(sessionmaker: SessionMaker, clock: FakeClock) -> None:
    """Only this group's coordinators, by name; members and other groups' coordinators not."""
    now = clock.now()
    async with sessionmaker.begin() as session:
        bildung = await group_repo.create_group(
            session, slug="bildung", name="Bildung", timezone="Europe/Berlin", now=now
        )
        kultur = await group_repo.create_group(
            session, slug="kultur", name="Kultur", timezone="Europe/Berlin", now=now
        )
        people = {}
        for telegram_id, name in ((1, "Zeynep"), (2, "Anna"), (3, "Mehmet"), (4, "Olga")):
            people[name] = await member_repo.record_consent(
                session,
                telegram_id=telegram_id,
                first_name=name,
                last_name=None,
                username=None,
                language="de",
                version=1,
                now=now,
            )
        for name, group, role in (
            ("Zeynep", bildung, Role.COORDINATOR),
            ("Anna", bildung, Role.COORDINATOR),
            ("Mehmet", bildung, Role.MEMBER),
            ("Olga", kultur, Role.COORDINATOR),
        ):
            await group_repo.add_membership(
                session,
                member_id=people[name].id or 0,
                group_id=group.id or 0,
                now=now,
                role=role,
            )
    async with sessionmaker() as session:
        found = await group_repo.list_coordinators(session, group_id=bildung.id or 0)
    assert [m.first_name for m in found] == ["Anna", "Zeynep"]

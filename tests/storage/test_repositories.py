"""Repository functions and database invariants, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from domain.clock import FakeClock
from storage import groups as group_repo
from storage import members as member_repo
from storage.db import SessionMaker
from storage.models import Role


async def _member(session, telegram_id: int, name: str, now: datetime, username=None):  # type: ignore[no-untyped-def]
    return await member_repo.record_consent(
        session,
        telegram_id=telegram_id,
        first_name=name,
        last_name=None,
        username=username,
        language="de",
        version=1,
        now=now,
    )


async def test_consent_creates_member_once(sessionmaker: SessionMaker, clock: FakeClock) -> None:
    """Consenting twice keeps one member and refreshes the consent time."""
    async with sessionmaker.begin() as session:
        first = await _member(session, 42, "Ayşe", clock.now())
    clock.advance(timedelta(hours=1))
    async with sessionmaker.begin() as session:
        again = await _member(session, 42, "Ayşe", clock.now())
    assert again.id == first.id
    async with sessionmaker() as session:
        stored = await member_repo.get_member_by_telegram_id(session, telegram_id=42)
    assert stored is not None
    assert stored.consent_at == clock.now()
    assert stored.consent_at.tzinfo is not None


async def test_datetimes_come_back_aware_utc(sessionmaker: SessionMaker) -> None:
    """A time stored with another offset is read back as the same instant in UTC."""
    berlin_noon = datetime(2027, 3, 28, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    async with sessionmaker.begin() as session:
        group = await group_repo.create_group(
            session, slug="bildung", name="Bildung", timezone="Europe/Berlin", now=berlin_noon
        )
    async with sessionmaker() as session:
        stored = await group_repo.get_group(session, group_id=group.id or 0)
    assert stored is not None
    assert stored.created_at == datetime(2027, 3, 28, 10, 0, tzinfo=UTC)
    assert stored.created_at.utcoffset() == timedelta(0)


async def test_naive_datetime_is_refused(sessionmaker: SessionMaker) -> None:
    """Naive datetimes never reach the database."""
    with pytest.raises(Exception, match="naive datetime"):
        async with sessionmaker.begin() as session:
            await group_repo.create_group(
                session, slug="x", name="X", timezone="Europe/Berlin", now=datetime(2027, 1, 1)
            )


async def test_telegram_id_is_unique(sessionmaker: SessionMaker, clock: FakeClock) -> None:
    """The database refuses two members with one Telegram id."""
    from storage.models import Member

    async with sessionmaker.begin() as session:
        await _member(session, 7, "A", clock.now())
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            session.add(
                Member(
                    telegram_id=7,
                    first_name="B",
                    language="de",
                    consent_at=clock.now(),
                    consent_version=1,
                    created_at=clock.now(),
                )
            )


async def test_slug_is_unique(sessionmaker: SessionMaker, clock: FakeClock) -> None:
    """Two groups cannot share a slug."""
    async with sessionmaker.begin() as session:
        await group_repo.create_group(
            session, slug="kultur", name="Kultur", timezone="Europe/Berlin", now=clock.now()
        )
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            await group_repo.create_group(
                session, slug="kultur", name="Kultur 2", timezone="Europe/Berlin", now=clock.now()
            )


async def test_membership_is_unique(sessionmaker: SessionMaker, clock: FakeClock) -> None:
    """A member joins a group at most once."""
    async with sessionmaker.begin() as session:
        member = await _member(session, 1, "A", clock.now())
        group = await group_repo.create_group(
            session, slug="g", name="G", timezone="Europe/Berlin", now=clock.now()
        )
        await group_repo.add_membership(
            session, member_id=member.id or 0, group_id=group.id or 0, now=clock.now()
        )
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            await group_repo.add_membership(
                session, member_id=member.id or 0, group_id=group.id or 0, now=clock.now()
            )


async def test_membership_needs_existing_member(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """Foreign keys are enforced (SQLite included)."""
    async with sessionmaker.begin() as session:
        group = await group_repo.create_group(
            session, slug="g", name="G", timezone="Europe/Berlin", now=clock.now()
        )
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            await group_repo.add_membership(
                session, member_id=999, group_id=group.id or 0, now=clock.now()
            )


async def test_group_lists_count_members_and_hide_archived(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """Active groups come with member counts; archived ones are left out."""
    async with sessionmaker.begin() as session:
        a = await group_repo.create_group(
            session, slug="a", name="Alpha", timezone="Europe/Berlin", now=clock.now()
        )
        b = await group_repo.create_group(
            session, slug="b", name="Beta", timezone="Europe/Berlin", now=clock.now()
        )
        c = await group_repo.create_group(
            session, slug="c", name="Gamma", timezone="Europe/Berlin", now=clock.now()
        )
        c.archived_at = clock.now()
        for i in range(3):
            m = await _member(session, 100 + i, f"M{i}", clock.now())
            await group_repo.add_membership(
                session, member_id=m.id or 0, group_id=a.id or 0, now=clock.now()
            )
    async with sessionmaker() as session:
        summaries = await group_repo.list_active_groups(session)
    assert [(s.group.slug, s.member_count) for s in summaries] == [("a", 3), ("b", 0)]
    assert b.id is not None


async def test_coordinators_and_member_search(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """Roles are stored per group; members are found by @username, id and name part."""
    async with sessionmaker.begin() as session:
        g = await group_repo.create_group(
            session, slug="g", name="G", timezone="Europe/Berlin", now=clock.now()
        )
        anna = await _member(session, 11, "Anna", clock.now(), username="anna_h")
        await _member(session, 12, "Annette", clock.now())
        await group_repo.add_membership(
            session,
            member_id=anna.id or 0,
            group_id=g.id or 0,
            now=clock.now(),
            role=Role.COORDINATOR,
        )
    async with sessionmaker() as session:
        assert await group_repo.is_coordinator(session, member_id=anna.id or 0, group_id=g.id or 0)
        assert [
            m.telegram_id for m in await member_repo.find_members(session, query="@ANNA_H")
        ] == [11]
        assert [m.telegram_id for m in await member_repo.find_members(session, query="12")] == [12]
        assert len(await member_repo.find_members(session, query="ann")) == 2
        assert await member_repo.find_members(session, query="%") == []


@pytest.mark.parametrize("query", ["@john_doe", "@JOHN_DOE", "@John_Doe"])
async def test_username_lookup_is_exact_and_case_insensitive(
    sessionmaker: SessionMaker, clock: FakeClock, query: str
) -> None:
    """``@john_doe`` finds john_doe only, whatever the case, never johnxdoe or john%doe.
    Planted bug: ``ilike`` on the bare username, where ``_`` and ``%`` are wildcards."""
    async with sessionmaker.begin() as session:
        await _member(session, 21, "John", clock.now(), username="john_doe")
        await _member(session, 22, "Johnx", clock.now(), username="johnxdoe")
        await _member(session, 23, "Johnp", clock.now(), username="johnYYdoe")
    async with sessionmaker() as session:
        found = await member_repo.find_members(session, query=query)
        assert [m.telegram_id for m in found] == [21]
        assert await member_repo.find_members(session, query="@john%doe") == []
        assert await member_repo.find_members(session, query="@johnXdoe") != []
        assert await member_repo.find_members(session, query="@%") == []
        assert await member_repo.find_members(session, query="@john_do") == []


async def test_deleting_a_member_deletes_memberships(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """Memberships go with their member (ON DELETE CASCADE)."""
    async with sessionmaker.begin() as session:
        g = await group_repo.create_group(
            session, slug="g", name="G", timezone="Europe/Berlin", now=clock.now()
        )
        m = await _member(session, 5, "Eve", clock.now())
        await group_repo.add_membership(
            session, member_id=m.id or 0, group_id=g.id or 0, now=clock.now()
        )
    async with sessionmaker.begin() as session:
        member = await member_repo.get_member(session, member_id=m.id or 0)
        await session.delete(member)
    async with sessionmaker() as session:
        assert await group_repo.count_members(session, group_id=g.id or 0) == 0

"""Repository functions for groups and memberships. Keyword-only, session first, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Group, Member, Membership, Role
from storage.summaries import GroupSummary


async def get_group(session: AsyncSession, *, group_id: int) -> Group | None:
    """The group with this id (archived ones included)."""
    return await session.get(Group, group_id)


async def get_group_by_slug(session: AsyncSession, *, slug: str) -> Group | None:
    """The group with this slug (archived ones included)."""
    result = await session.exec(select(Group).where(Group.slug == slug))
    return result.first()


async def create_group(
    session: AsyncSession, *, slug: str, name: str, timezone: str, now: datetime
) -> Group:
    """A new group; the slug's uniqueness is enforced by the database."""
    group = Group(slug=slug, name=name, timezone=timezone, created_at=now)
    session.add(group)
    await session.flush()
    return group


async def list_active_groups(session: AsyncSession) -> list[GroupSummary]:
    """Active groups by name, each with its member count."""
    count = func.count(col(Membership.id))
    stmt = (
        select(Group, count)
        .outerjoin(Membership, col(Membership.group_id) == col(Group.id))
        .where(col(Group.archived_at).is_(None))
        .group_by(col(Group.id))
        .order_by(col(Group.name), col(Group.id))
    )
    result = await session.exec(stmt)
    return [GroupSummary(group, n) for group, n in result.all()]


async def list_memberships_of_member(
    session: AsyncSession, *, member_id: int, include_archived: bool = False
) -> list[tuple[Group, Membership]]:
    """The groups a member belongs to, with their membership, by group name."""
    stmt = (
        select(Group, Membership)
        .join(Membership, col(Membership.group_id) == col(Group.id))
        .where(Membership.member_id == member_id)
        .order_by(col(Group.name))
    )
    if not include_archived:
        stmt = stmt.where(col(Group.archived_at).is_(None))
    result = await session.exec(stmt)
    return list(result.all())


async def get_membership(
    session: AsyncSession, *, member_id: int, group_id: int
) -> Membership | None:
    """The membership of a member in a group, if any."""
    result = await session.exec(
        select(Membership).where(
            Membership.member_id == member_id, Membership.group_id == group_id
        )
    )
    return result.first()


async def add_membership(
    session: AsyncSession,
    *,
    member_id: int,
    group_id: int,
    now: datetime,
    role: Role = Role.MEMBER,
) -> Membership:
    """Join a group; the unique constraint forbids doing it twice."""
    membership = Membership(member_id=member_id, group_id=group_id, role=role, joined_at=now)
    session.add(membership)
    member = await session.get(Member, member_id)
    if member is not None and member.left_all_groups_at is not None:
        member.left_all_groups_at = None  # in a group again: retention stops counting
        session.add(member)
    await session.flush()
    return membership


async def remove_membership(
    session: AsyncSession, *, membership: Membership, now: datetime
) -> None:
    """Leave a group; leaving the last one starts the member's retention period."""
    await session.delete(membership)
    await session.flush()
    left = await session.exec(
        select(func.count(col(Membership.id))).where(Membership.member_id == membership.member_id)
    )
    if int(left.one()) == 0:
        member = await session.get(Member, membership.member_id)
        if member is not None:
            member.left_all_groups_at = now
            session.add(member)


async def list_members_of_group(
    session: AsyncSession, *, group_id: int
) -> list[tuple[Member, Membership]]:
    """A group's members with their membership: coordinators first, then by name."""
    stmt = (
        select(Member, Membership)
        .join(Membership, col(Membership.member_id) == col(Member.id))
        .where(Membership.group_id == group_id)
        .order_by(col(Membership.role), col(Member.first_name), col(Member.id))
    )
    result = await session.exec(stmt)
    return list(result.all())


async def list_coordinators(session: AsyncSession, *, group_id: int) -> list[Member]:
    """A group's coordinators by name (without loading its members)."""
    result = await session.exec(
        select(Member)
        .join(Membership, col(Membership.member_id) == col(Member.id))
        .where(Membership.group_id == group_id, Membership.role == Role.COORDINATOR)
        .order_by(col(Member.first_name), col(Member.id))
    )
    return list(result.all())


async def count_members(session: AsyncSession, *, group_id: int) -> int:
    """How many members a group has."""
    result = await session.exec(
        select(func.count(col(Membership.id))).where(Membership.group_id == group_id)
    )
    return int(result.one())


async def is_coordinator(session: AsyncSession, *, member_id: int, group_id: int) -> bool:
    """Whether the member coordinates the group."""
    membership = await get_membership(session, member_id=member_id, group_id=group_id)
    return membership is not None and membership.role == Role.COORDINATOR


async def coordinated_group_ids(session: AsyncSession, *, member_id: int) -> set[int]:
    """Ids of the active groups a member coordinates."""
    result = await session.exec(
        select(Membership.group_id)
        .join(Group, col(Group.id) == col(Membership.group_id))
        .where(
            Membership.member_id == member_id,
            Membership.role == Role.COORDINATOR,
            col(Group.archived_at).is_(None),
        )
    )
    return set(result.all())


async def ensure_initial_groups(
    session: AsyncSession, *, groups: list[tuple[str, str]], timezone: str, now: datetime
) -> int:
    """Create the configured groups that do not exist yet; return how many were created."""
    created = 0
    for slug, name in groups:
        if await get_group_by_slug(session, slug=slug) is None:
            await create_group(session, slug=slug, name=name, timezone=timezone, now=now)
            created += 1
    return created

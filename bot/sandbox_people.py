"""The sandbox page's personas: every emulated user with their language and role."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from sandbox.emulator import UserHandle
from storage import groups as group_repo
from storage import members as member_repo
from storage.models import Member, Role


async def personas(
    session: AsyncSession, *, users: list[UserHandle], admins: frozenset[int]
) -> list[dict[str, Any]]:
    """Every emulated user with their language and role in the bot."""
    return [await _persona(session, handle, admins) for handle in users]


async def _persona(
    session: AsyncSession, handle: UserHandle, admins: frozenset[int]
) -> dict[str, Any]:
    """One user, as the page shows them."""
    user = handle.user
    member = await member_repo.get_member_by_telegram_id(session, telegram_id=user.id)
    groups: list[str] = []
    coordinates: list[str] = []
    if member is not None and member.id is not None:
        rows = await group_repo.list_memberships_of_member(session, member_id=member.id)
        groups = [g.name for g, _ in rows]
        coordinates = [g.name for g, m in rows if m.role == Role.COORDINATOR]
    return {
        "id": user.id,
        "name": " ".join(filter(None, [user.first_name, user.last_name])),
        "language": (member.language if member else user.language_code) or "",
        "role": _role(user.id in admins, coordinates, member),
        "groups": groups,
        "coordinates": coordinates,
    }


def _role(is_admin: bool, coordinates: list[str], member: Member | None) -> str:
    """The persona's role label."""
    if is_admin:
        return "Organiser"
    if coordinates:
        return "Coordinator"
    if member is not None:
        return "Member"
    return "Not registered yet"

"""Repository functions for members. Keyword-only, session first, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Member


async def get_member_by_telegram_id(session: AsyncSession, *, telegram_id: int) -> Member | None:
    """The member with this Telegram user id, if they consented."""
    result = await session.exec(select(Member).where(Member.telegram_id == telegram_id))
    return result.first()


async def get_member(session: AsyncSession, *, member_id: int) -> Member | None:
    """The member with this database id."""
    return await session.get(Member, member_id)


async def record_consent(
    session: AsyncSession,
    *,
    telegram_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language: str,
    version: int,
    now: datetime,
) -> Member:
    """Create the member on consent, or renew the consent of an existing one."""
    member = await get_member_by_telegram_id(session, telegram_id=telegram_id)
    if member is None:
        member = Member(
            telegram_id=telegram_id,
            first_name=first_name[:128],
            last_name=last_name[:128] if last_name else None,
            username=username,
            language=language,
            consent_at=now,
            consent_version=version,
            created_at=now,
            left_all_groups_at=now,  # in no group yet
        )
    else:
        member.consent_at = now
        member.consent_version = version
    member.unreachable_since = None
    session.add(member)
    await session.flush()
    return member


async def update_profile(
    session: AsyncSession,
    *,
    member: Member,
    first_name: str,
    last_name: str | None,
    username: str | None,
) -> None:
    """Keep name and username as Telegram reports them now."""
    if (member.first_name, member.last_name, member.username) != (
        first_name[:128],
        last_name[:128] if last_name else None,
        username,
    ):
        member.first_name = first_name[:128]
        member.last_name = last_name[:128] if last_name else None
        member.username = username
        session.add(member)


async def set_language(session: AsyncSession, *, telegram_id: int, language: str) -> Member | None:
    """Store the language a member chose; None if they are not a member."""
    member = await get_member_by_telegram_id(session, telegram_id=telegram_id)
    if member is not None and member.language != language:
        member.language = language
        session.add(member)
    return member


async def set_reachable(
    session: AsyncSession, *, telegram_id: int, reachable: bool, now: datetime
) -> Member | None:
    """Mark a member (un)reachable, e.g. after they blocked or unblocked the bot."""
    member = await get_member_by_telegram_id(session, telegram_id=telegram_id)
    if member is None:
        return None
    if reachable:
        member.unreachable_since = None
    elif member.unreachable_since is None:
        member.unreachable_since = now
    session.add(member)
    return member


async def find_members(session: AsyncSession, *, query: str, limit: int = 10) -> list[Member]:
    """Members matching ``@username``, a Telegram id, or part of the name (case-insensitive)."""
    query = query.strip()
    if query.startswith("@"):
        # Exact and case-insensitive: Telegram usernames are unique regardless of case, and
        # ``_`` is part of them, not a wildcard (``@john_doe`` never finds ``johnxdoe``).
        username = query[1:].lower()
        stmt = select(Member).where(func.lower(col(Member.username)) == username)
    elif query.isdigit():
        stmt = select(Member).where(Member.telegram_id == int(query))
    else:
        pattern = f"%{_escape_like(query)}%"
        full = (
            func.coalesce(col(Member.first_name), "")
            + " "
            + func.coalesce(col(Member.last_name), "")
        )
        stmt = select(Member).where(full.ilike(pattern, escape="\\"))
    result = await session.exec(stmt.order_by(col(Member.first_name), col(Member.id)).limit(limit))
    return list(result.all())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

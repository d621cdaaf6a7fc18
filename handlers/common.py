"""What most handlers share: who is asking, in which language, and finding a group by name."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import User

from domain.errors import GremiumError
from domain.i18n import Lang
from handlers.services import Services
from storage import groups as group_repo
from storage import members as member_repo
from storage.models import Group, Member


@dataclass
class Actor:
    """The person behind an update, as far as the bot knows them."""

    user: User
    member: Member | None
    lang: Lang
    is_admin: bool
    consented: bool

    def require_member(self) -> Member:
        """The member record, or a refusal that asks for consent first."""
        if self.member is None or not self.consented:
            raise GremiumError("Please start with /start and accept the privacy notice first.")
        return self.member


async def load_actor(session: AsyncSession, bd: Services, user: User) -> Actor:
    """Look up the user; the language is the member's choice, else Telegram's, else the default."""
    member = await member_repo.get_member_by_telegram_id(session, telegram_id=user.id)
    if member is not None:
        await member_repo.update_profile(
            session,
            member=member,
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
        )
    lang = bd.translator.get(member.language if member else user.language_code)
    consented = member is not None and member.consent_version >= bd.privacy_version
    return Actor(user, member, lang, user.id in bd.admins, consented)


async def resolve_group(session: AsyncSession, query: str) -> Group:
    """The active group a person means by slug, name or an unambiguous part of either."""
    wanted = " ".join(query.split()).casefold()
    if not wanted:
        raise GremiumError("Please name a group. /groups lists them.")
    groups = [s.group for s in await group_repo.list_active_groups(session)]
    for test in (
        lambda g: g.slug == wanted or g.name.casefold() == wanted,
        lambda g: g.slug.startswith(wanted) or g.name.casefold().startswith(wanted),
        lambda g: wanted in g.slug or wanted in g.name.casefold(),
    ):
        found = [g for g in groups if test(g)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            options = ", ".join(f"{g.name} ({g.slug})" for g in found)
            raise GremiumError(
                "“{query}” could mean several groups: {options}. Please write the short name.",
                query=query,
                options=options,
            )
    raise GremiumError("There is no group called “{query}”. /groups lists them.", query=query)


async def require_group_manager(session: AsyncSession, actor: Actor, group: Group) -> None:
    """Admins and the group's coordinators pass; everyone else gets a polite refusal."""
    if actor.is_admin:
        return
    member = actor.require_member()
    assert member.id is not None
    assert group.id is not None
    if not await group_repo.is_coordinator(session, member_id=member.id, group_id=group.id):
        raise GremiumError(
            "Only the coordinators of {group} and the organisers can do that.", group=group.name
        )


def require_admin(actor: Actor) -> None:
    """Only organisers (admins from the configuration) pass."""
    if not actor.is_admin:
        raise GremiumError("Sorry, only the organisers can do that.")


def group_zone(group: Group | None, default: ZoneInfo) -> ZoneInfo:
    """The time zone a group's dates are shown and entered in."""
    if group is None or not group.timezone:
        return default
    try:
        return ZoneInfo(group.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return default

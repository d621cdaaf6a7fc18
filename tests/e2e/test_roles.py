"""Organisers and coordinators, end to end: groups, coordinators, members, refusals."""

from __future__ import annotations

import pytest
from sqlmodel import select

from sandbox.emulator import UserHandle
from storage.models import Group, Member, Membership, Role
from tests.e2e.harness import ADMIN_ID, World


async def _consented(world: World, user_id: int, name: str, **kw: str) -> UserHandle:
    user = world.emu.user(user_id, name, language_code="en", **kw)
    await world.send(user, "/start")
    await world.press(user, "✅ I agree")
    return user


async def _snapshot(world: World) -> list[tuple[object, ...]]:
    async with world.sessionmaker() as session:
        groups = (await session.exec(select(Group).order_by(Group.id))).all()  # type: ignore[arg-type]
        memberships = (
            await session.exec(select(Membership).order_by(Membership.id))  # type: ignore[arg-type]
        ).all()
        return [(g.slug, g.name, g.archived_at) for g in groups] + [
            (m.member_id, m.group_id, m.role) for m in memberships
        ]


async def test_admin_creates_renames_and_archives_a_group(world: World) -> None:
    """The organiser creates a group, renames it, archives it after confirming."""
    admin = await _consented(world, ADMIN_ID, "Olga")
    created = await world.send(admin, "/newgroup Sport und Freizeit")
    assert created.text == (
        "Created the group Sport und Freizeit. Members join with /join sport-und-freizeit "
        "or with this link:\nhttps://t.me/gremium_bot?start=join-sport-und-freizeit"
    )
    again = await world.send(admin, "/newgroup Sport und Freizeit")
    assert "exists already" in again.text
    renamed = await world.send(admin, "/renamegroup sport-und-freizeit Sport & Bewegung")
    assert renamed.text == "Renamed Sport und Freizeit to Sport & Bewegung."

    question = await world.send(admin, "/archivegroup sport-und-freizeit")
    assert question.text.startswith("Archive Sport & Bewegung? Its 0 members")
    done = await world.press(admin, "🗄 Archive")
    assert done.text == "Sport & Bewegung is archived. Its history is kept."
    listing = await world.send(admin, "/groups")
    assert "Sport" not in listing.text
    async with world.sessionmaker() as session:
        group = (await session.exec(select(Group).where(Group.slug == "sport-und-freizeit"))).one()
    assert group.archived_at == world.clock.now()
    assert group.name == "Sport & Bewegung"


async def test_admin_appoints_and_removes_a_coordinator(world: World) -> None:
    """A coordinator is appointed by @username, told so, sees /members and loses it again."""
    admin = await _consented(world, ADMIN_ID, "Olga")
    hana = await _consented(world, 2001, "Hana", username="hana_k")
    await world.send(hana, "/join bildung")
    appointed = await world.send(admin, "/addcoordinator bildung @hana_k")
    assert appointed.text == "Hana now coordinates Bildung."
    assert hana.last.text == "You are now a coordinator of Bildung. /help shows your new commands."
    assert "members" in [c.command for c in hana.commands]
    listing = await world.send(hana, "/members bildung")
    assert listing.text == "Bildung: 1 member\n• Hana @hana_k (coordinator)"
    assert "/members" in (await world.send(hana, "/help")).text

    removed = await world.send(admin, "/removecoordinator bildung Hana")
    assert removed.text == "Hana no longer coordinates Bildung and stays a member."
    refused = await world.send(hana, "/members bildung")
    assert refused.text == "Only the coordinators of Bildung and the organisers can do that."
    assert "members" not in [c.command for c in hana.commands]
    async with world.sessionmaker() as session:
        roles = (await session.exec(select(Membership.role))).all()
    assert roles == [Role.MEMBER]


async def test_appointing_explains_unknown_and_ambiguous_people(world: World) -> None:
    """Naming nobody, an unknown or an ambiguous person gets a reply that says what to write."""
    admin = await _consented(world, ADMIN_ID, "Olga")
    await _consented(world, 2002, "Ali", last_name="Demir")
    await _consented(world, 2003, "Ali", last_name="Kaya")
    assert "Write the group and the person" in (await world.send(admin, "/addcoordinator")).text
    nobody = await world.send(admin, "/addcoordinator bildung @ghost")
    assert nobody.text.startswith("Nobody called “@ghost” has started the bot yet.")
    several = await world.send(admin, "/addcoordinator bildung Ali")
    assert several.text == (
        "“Ali” matches several people: Ali Demir (2002), Ali Kaya (2003). "
        "Write their @username or Telegram id."
    )
    by_id = await world.send(admin, "/addcoordinator bildung 2003")
    assert by_id.text == "Ali Kaya now coordinates Bildung."


@pytest.mark.parametrize(
    "command",
    [
        "/newgroup Hacker",
        "/renamegroup bildung Hacked",
        "/archivegroup bildung",
        "/addcoordinator bildung @mallory",
        "/removecoordinator bildung @hana_k",
        "/members bildung",
    ],
)
async def test_member_is_refused_every_privileged_command(world: World, command: str) -> None:
    """A member gets a polite refusal and nothing changes."""
    await _consented(world, 2001, "Hana", username="hana_k")
    mallory = await _consented(world, 2666, "Mallory", username="mallory")
    await world.send(mallory, "/join bildung")
    before = await _snapshot(world)
    reply = await world.send(mallory, command)
    assert reply.text in (
        "Sorry, only the organisers can do that.",
        "Only the coordinators of Bildung and the organisers can do that.",
    )
    assert await _snapshot(world) == before


async def test_forged_buttons_change_nothing(world: World) -> None:
    """Archive and toggle buttons forged by a member, or for other groups, are refused."""
    mallory = await _consented(world, 2666, "Mallory")
    before = await _snapshot(world)
    async with world.sessionmaker() as session:
        kultur = (await session.exec(select(Group).where(Group.slug == "kultur"))).one()
    await mallory.press_data(mallory.last.message_id, f"ar:{kultur.id}")
    await world.settle()
    assert mallory.callback_answers[-1].text == "Sorry, only the organisers can do that."
    await mallory.press_data(mallory.last.message_id, "t:987654")
    await world.settle()
    assert mallory.callback_answers[-1].text == (
        "This group does not exist any more. /groups shows the current ones."
    )
    await mallory.press_data(mallory.last.message_id, "c:../../etc")
    await world.settle()
    assert "no longer valid" in mallory.callback_answers[-1].text
    assert await _snapshot(world) == before
    async with world.sessionmaker() as session:
        assert len((await session.exec(select(Member))).all()) == 1

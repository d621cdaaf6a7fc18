"""Small steps many end-to-end tests share."""

from __future__ import annotations

from sqlmodel import select

from sandbox.emulator import UserHandle
from storage.models import Delivery, Group
from tests.e2e.harness import World


async def consented(
    world: World, user_id: int, name: str, *, language: str = "en", **kw: str
) -> UserHandle:
    """A user who started the bot and agreed to the privacy notice."""
    user = world.emu.user(user_id, name, language_code=language, **kw)
    await world.send(user, "/start")
    label = "✅ I agree" if language == "en" else None
    if label is None:
        label = user.last.buttons[0][0][0]
    await world.press(user, label)
    return user


async def member_of(world: World, user: UserHandle, *slugs: str) -> None:
    """Join the user to the groups."""
    for slug in slugs:
        await world.send(user, f"/join {slug}")


async def group_id(world: World, slug: str) -> int:
    """The database id of a group."""
    async with world.sessionmaker() as session:
        group = (await session.exec(select(Group).where(Group.slug == slug))).one()
    assert group.id is not None
    return group.id


async def deliveries(world: World) -> list[Delivery]:
    """Every outbox row, in order."""
    async with world.sessionmaker() as session:
        return list((await session.exec(select(Delivery).order_by(Delivery.id))).all())  # type: ignore[arg-type]

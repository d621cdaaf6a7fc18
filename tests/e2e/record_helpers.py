"""Steps the meeting-record tests share: a group with a coordinator and members, and a meeting
fixed through a date poll the coordinator closes early."""

from __future__ import annotations

from sqlmodel import col, select

from sandbox.emulator import UserHandle
from storage.models import Meeting
from tests.e2e.harness import ADMIN_ID, World
from tests.e2e.helpers import consented, member_of


async def people(
    world: World, languages: tuple[str, ...], *, coordinator_language: str = "en"
) -> tuple[UserHandle, UserHandle, list[UserHandle]]:
    """The organiser Olga, the coordinator Hana of Bildung and one member per language."""
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 4001, "Hana", username="hana", language=coordinator_language)
    await world.send(admin, "/addcoordinator bildung @hana")
    await member_of(world, hana, "bildung")
    names = {"en": "Ada", "de": "Bülent", "uk": "Oksana", "tr": "Zeynep", "ar": "Amina"}
    members = []
    for i, language in enumerate(languages):
        person = await consented(world, 4100 + i, names[language], language=language)
        await member_of(world, person, "bildung")
        members.append(person)
    return admin, hana, members


async def fix_meeting(
    world: World, hana: UserHandle, voter: UserHandle, date: str = "12.01.2027 17:00-19:00"
) -> Meeting:
    """Hana polls one date, the voter says yes, Hana closes the poll: the meeting is fixed."""
    await world.send(hana, "/poll")
    await world.press(hana, "Bildung")
    preview = await world.send(hana, date)
    await world.press(hana, _send(preview.button_labels))
    poll = next(m for m in reversed(voter.bot_messages) if m.buttons)
    await voter.press(poll.buttons[0][1][1], message=poll)
    await world.settle()
    status = await world.send(hana, "/polls")
    await world.press(hana, _close(status.button_labels), message=status)
    async with world.sessionmaker() as session:
        meeting = (await session.exec(select(Meeting).order_by(col(Meeting.id).desc()))).first()
    assert meeting is not None
    return meeting


def _send(labels: list[str]) -> str:
    return next(label for label in labels if label.startswith("✅"))


def _close(labels: list[str]) -> str:
    return next(label for label in labels if label.startswith("🔒"))

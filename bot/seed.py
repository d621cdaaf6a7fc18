"""The sandbox's cast: an organiser, two coordinators and members in six languages.

They are seeded through the real bot, as people would do it: /start, consent, /join, and the
organiser's /addcoordinator; a coordinator links a Telegram group chat with /link. So every
persona's chat shows how they got where they are, and the database is exactly what the bot
itself writes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import time, timedelta

from bot.config import InitialGroup
from domain.cadence import Rhythm
from sandbox.emulator import Emulator

#: The meeting rhythm of config.example.toml's [cadence] section: three meetings a year on a
#: Tuesday or Thursday afternoon, polled six weeks ahead, reviewed three days before.
EXAMPLE_RHYTHM = Rhythm(
    per_year=3,
    weekdays=(1, 3),
    window_start=time(16, 0),
    window_end=time(19, 0),
    duration_minutes=120,
    lead_days=42,
    poll_days=10,
    candidates=5,
    review=True,
    review_days=3,
)

#: The six standing groups ("Handlungsfelder") of the integration conference, with the rhythms
#: config.example.toml gives them (Bildung: Monday or Wednesday 17-19 in the town hall).
CONFERENCE_GROUPS = (
    InitialGroup("ausbildung-arbeit", "Ausbildung und Arbeit", EXAMPLE_RHYTHM),
    InitialGroup(
        "bildung",
        "Bildung",
        replace(
            EXAMPLE_RHYTHM,
            weekdays=(0, 2),
            window_start=time(17, 0),
            location="Rathaus Herne, Friedrich-Ebert-Platz 2",
        ),
    ),
    InitialGroup("gesundheit", "Gesundheit", EXAMPLE_RHYTHM),
    InitialGroup("kultur", "Kultur", EXAMPLE_RHYTHM),
    InitialGroup("wohnen", "Wohnen und Stadtentwicklung", EXAMPLE_RHYTHM),
    InitialGroup(
        "interkulturelle-oeffnung", "Interkulturelle Öffnung der Stadtverwaltung", EXAMPLE_RHYTHM
    ),
)
#: The groups last met this long before the sandbox starts (the conference, as
#: config.example.toml's ``last_meeting``): their first planned cycle counts from then.
LAST_MET_AGO = timedelta(days=14)


@dataclass(frozen=True)
class Persona:
    """Someone the visitor can act as."""

    id: int
    first_name: str
    last_name: str
    language: str
    groups: tuple[str, ...] = ()
    #: Groups the organiser appoints this persona to coordinate.
    coordinates: tuple[str, ...] = ()


ORGANISER = Persona(1001, "Sabine", "Krüger", "de", ("interkulturelle-oeffnung",))
PERSONAS = (
    ORGANISER,
    Persona(1002, "Jana", "Schulte", "de", ("bildung", "kultur"), coordinates=("bildung",)),
    Persona(
        1003,
        "Emre",
        "Yıldız",
        "tr",
        ("ausbildung-arbeit", "bildung"),
        coordinates=("ausbildung-arbeit",),
    ),
    Persona(1004, "أميرة", "حداد", "ar", ("bildung", "gesundheit")),
    Persona(1005, "Олена", "Коваленко", "uk", ("bildung", "wohnen")),
    Persona(1006, "Дмитрий", "Волков", "ru", ("ausbildung-arbeit", "kultur")),
    Persona(1007, "Grace", "Mensah", "en", ("bildung", "interkulturelle-oeffnung")),
    Persona(1008, "Lukas", "Becker", "de", ("gesundheit", "wohnen")),
)


@dataclass(frozen=True)
class LinkedChat:
    """A Telegram group chat that a coordinator links to their working group."""

    id: int
    title: str
    group: str
    creator: int
    members: tuple[int, ...]


GROUP_CHAT = LinkedChat(
    -1001000000001, "Handlungsfeld Bildung", "bildung", 1002, (1003, 1004, 1005, 1007)
)


def create_users(emu: Emulator) -> None:
    """Put the personas into the emulator (before the bot starts, so their menus can be set)."""
    for p in PERSONAS:
        emu.user(p.id, p.first_name, last_name=p.last_name, language_code=p.language)


async def seed(emu: Emulator, settle: Callable[[], Awaitable[None]]) -> None:
    """Walk every persona through consent and joining, appoint the coordinators, link a chat."""
    names = {g.slug: g.name for g in CONFERENCE_GROUPS}
    # Everyone joins by tapping the groups on the list the consent shows, which then shows the
    # counts as they are; the organiser goes last, so her list counts everyone who joined.
    for p in sorted(PERSONAS, key=lambda p: p is ORGANISER):
        user = emu.get_user(p.id)
        await user.send("/start")
        await settle()
        consent = user.last
        assert consent is not None and consent.buttons, "the greeting has no consent button"
        await user.press(consent.buttons[0][0][0], message=consent.message_id)
        await settle()
        listing = user.last
        assert listing is not None, "the consent shows no group list"
        for slug in p.groups:
            label = next(b for b in listing.button_labels if names[slug] in b)
            await user.press(label, message=listing.message_id)
            await settle()
    organiser = emu.get_user(ORGANISER.id)
    for p in PERSONAS:
        for slug in p.coordinates:
            await organiser.send(f"/addcoordinator {slug} {p.id}")
            await settle()
    chat = emu.group_chat(
        GROUP_CHAT.id,
        GROUP_CHAT.title,
        type="supergroup",
        creator=GROUP_CHAT.creator,
        members=GROUP_CHAT.members,
    )
    await emu.get_user(GROUP_CHAT.creator).send(f"/link {GROUP_CHAT.group}", chat=chat.id)
    await settle()

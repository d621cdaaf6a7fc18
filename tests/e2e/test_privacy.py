"""Data protection end to end: /privacy, /mydata, /forgetme, retention and a new notice version."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from sandbox.emulator import UserHandle
from storage.models import Announcement, Attendance, Member, PollOption, Vote
from tests.e2e.harness import ADMIN_ID, World
from tests.e2e.helpers import consented, member_of
from tests.personal_data import Person, traces

ZEYNEP = 5001


async def _member(world: World, telegram_id: int) -> Member | None:
    async with world.sessionmaker() as session:
        result = await session.exec(select(Member).where(Member.telegram_id == telegram_id))
        return result.first()


async def _coordinator(world: World) -> UserHandle:
    """Zeynep, coordinator of Bildung, with a name that is easy to find in any table."""
    admin = await consented(world, ADMIN_ID, "Olga")
    zeynep = await consented(
        world, ZEYNEP, "Zeynep", last_name="Yılmaz-Öztürk", username="zeynep_k"
    )
    await world.send(admin, "/addcoordinator bildung @zeynep_k")
    return zeynep


async def _poll(world: World, author: UserHandle, dates: str) -> None:
    await world.send(author, "/poll")
    await world.press(author, "Bildung")
    preview = await world.send(author, dates)
    send = next(label for label in preview.button_labels if label.startswith("✅ Send"))
    await world.press(author, send)


async def _vote(world: World, user: UserHandle, data: str) -> None:
    poll = next(m for m in reversed(user.bot_messages) if data in str(m.buttons))
    await user.press(data, message=poll)
    await world.settle()


async def test_privacy_notice_says_what_why_who_and_how_long(world: World) -> None:
    """/privacy works before consent and names the data, the periods and the contact."""
    ida = world.emu.user(5101, "Ida", language_code="en")
    text = (await world.send(ida, "/privacy")).text
    for part in (
        "What I store: your Telegram id, your name and username",
        "your votes in date polls and whether you come to meetings",
        "Why: only to run the working groups of Integrationskonferenz Herne",
        "Who sees it: the coordinators of a group see its members",
        "for their own groups only",
        "for 12 months, I delete your data on my own",
        "deleted 6 months after the poll closed",
        "/mydata sends you everything",
        "Contact: integration@example.org",
    ):
        assert part in text
    assert await _member(world, 5101) is None  # reading it stores nothing


async def test_mydata_sends_everything_as_json(world: World) -> None:
    """The member receives a JSON document with their profile, groups and consent."""
    zeynep = await _coordinator(world)
    await member_of(world, zeynep, "kultur")
    reply = await world.send(zeynep, "/mydata")
    assert reply.document is not None
    assert reply.document.file_name == "gremium-2026-11-24.json"
    assert reply.caption == "Everything I store about you, as a JSON file."
    data = json.loads(reply.document.content)
    assert data["exported_at"] == "2026-11-24T10:00:00+01:00"  # Herne's time, with its offset
    assert data["member"]["telegram_id"] == ZEYNEP
    assert data["member"]["first_name"] == "Zeynep"
    assert data["member"]["last_name"] == "Yılmaz-Öztürk"
    assert data["member"]["username"] == "zeynep_k"
    assert data["member"]["language"] == "en"
    assert data["member"]["consent_at"] == "2026-11-24T10:00:00+01:00"
    assert data["member"]["consent_version"] == 1
    assert [(m["slug"], m["role"]) for m in data["memberships"]] == [
        ("bildung", "coordinator"),
        ("kultur", "member"),
    ]


async def test_mydata_and_forgetme_without_consent(world: World) -> None:
    """Someone who never consented is told that nothing is stored; nothing gets stored."""
    ole = world.emu.user(5102, "Ole", language_code="en")
    for command in ("/mydata", "/forgetme"):
        reply = await world.send(ole, command)
        assert reply.text == (
            "I store nothing about you: you have not agreed to the privacy notice. "
            "/privacy says what I would store."
        )
        assert reply.document is None and reply.buttons == []
    assert await _member(world, 5102) is None


async def test_forgetme_leaves_nothing_personal(world: World) -> None:
    """A coordinator with polls, votes, attendance and an announcement is forgotten: no table
    holds her id, Telegram id, names or username; closed polls and past meetings keep their
    counts; the open poll and the announcement stay without her."""
    zeynep = await _coordinator(world)
    a, b = [await consented(world, 5200 + i, f"M{i}") for i in range(2)]
    for user in (a, b):
        await member_of(world, user, "bildung")
    await _poll(world, zeynep, "08.12.2026 17:00\n10.12.2026 17:00")
    for user, data in ((zeynep, "pv:y:1"), (a, "pv:y:1"), (b, "pv:n:1"), (b, "pv:y:2")):
        await _vote(world, user, data)
    await world.tick(datetime(2026, 12, 4, 17, 1, tzinfo=UTC) - world.clock.now())  # closes
    await world.press(zeynep, "👍 I'll come")
    await world.press(a, "👍 I'll come")
    await world.tick(datetime(2026, 12, 9, 10, 0, tzinfo=UTC) - world.clock.now())  # it is past
    await _poll(world, zeynep, "12.01.2027 17:00\n14.01.2027 17:00")
    await _vote(world, zeynep, "pv:y:3")
    await _vote(world, a, "pv:m:3")
    await world.send(zeynep, "/announce")
    await world.press(zeynep, "Bildung")
    await world.send(zeynep, "Treffen am Donnerstag")
    await world.press(zeynep, "✅ Send")
    assert "Zeynep Yılmaz-Öztürk" in a.last.text
    await world.send(zeynep, "/language de")

    stored = await _member(world, ZEYNEP)
    assert stored is not None
    person = Person.of(stored)
    assert len(await traces(world.sessionmaker, person)) > 10

    question = await world.send(zeynep, "/forgetme")
    assert question.text.startswith("Möchten Sie, dass ich alle Ihre Daten lösche?")
    assert question.button_labels == ["🗑 Ja, meine Daten löschen", "Abbrechen"]
    done = await world.press(zeynep, "🗑 Ja, meine Daten löschen")
    assert done.text == (
        "Erledigt: Ich habe alle Ihre Daten gelöscht. Wenn Sie wiederkommen möchten, "
        "senden Sie /start."
    )
    assert done.buttons == []
    assert await traces(world.sessionmaker, person) == []

    async with world.sessionmaker() as session:
        options = (await session.exec(select(PollOption).order_by(col(PollOption.id)))).all()
        votes = (await session.exec(select(Vote))).all()
        attendance = (await session.exec(select(Attendance))).all()
        announcement = (await session.exec(select(Announcement))).one()
    assert [(o.yes_count, o.no_count) for o in options[:2]] == [(2, 1), (1, 0)]
    assert sorted((v.option_id, v.answer) for v in votes) == [
        (1, "no"),
        (1, "yes"),
        (2, "yes"),
        (3, "maybe"),
    ]  # the closed poll's votes of others, and the open poll without hers
    assert sorted(x.member_id is None for x in attendance) == [False, True]  # anonymous, kept
    assert announcement.sender_id is None and announcement.text_html == "Treffen am Donnerstag"
    assert [c.command for c in zeynep.commands][:2] == ["groups", "mygroups"]  # default menu
    help_text = (await world.send(zeynep, "/groups")).text
    assert help_text == "Please start with /start and accept the privacy notice first."


async def test_forgetme_twice_and_after_rejoining(world: World) -> None:
    """The confirmation works once; pressed again it says so; after rejoining, an old
    confirmation deletes nothing; Cancel keeps everything."""
    ben = await consented(world, 5300, "Ben")
    await member_of(world, ben, "kultur")
    await world.send(ben, "/forgetme")
    await world.press(ben, "Cancel")
    assert ben.last.buttons == [] and await _member(world, 5300) is not None

    question = await world.send(ben, "/forgetme")
    data = question.buttons[0][0][1]
    assert data is not None and data.startswith("fg:")
    await world.press(ben, "🗑 Yes, delete my data")
    assert await _member(world, 5300) is None
    await ben.press_data(question.message_id, data)
    await world.settle()
    assert ben.callback_answers[-1].text == "Your data has already been deleted."

    world.clock.advance(timedelta(minutes=2))
    await world.send(ben, "/start")
    await world.press(ben, "✅ I agree")
    await member_of(world, ben, "bildung")
    await ben.press_data(question.message_id, data)
    await world.settle()
    assert ben.callback_answers[-1].text == (
        "This button is from before you agreed again. Send /forgetme if you want to delete "
        "your data now."
    )
    assert (await world.send(ben, "/mygroups")).text.endswith("Bildung (bildung) — member")


async def test_retention_deletes_inactive_members_and_old_votes(world: World) -> None:
    """After 12 months out of every group or unreachable a member is deleted; 6 months after a
    poll closed its votes are deleted and its counts stay; organisers and active members stay."""
    zeynep = await _coordinator(world)
    stays = await consented(world, 5401, "Stays")
    leaves = await consented(world, 5402, "Leaves")
    blocks = await consented(world, 5403, "Blocks")
    for user in (stays, leaves, blocks):
        await member_of(world, user, "bildung")
    await _poll(world, zeynep, "08.12.2026 17:00\n10.12.2026 17:00")
    await _vote(world, stays, "pv:y:1")
    await _vote(world, leaves, "pv:n:1")
    await world.tick(datetime(2026, 12, 4, 17, 1, tzinfo=UTC) - world.clock.now())  # closes
    await world.send(leaves, "/leave bildung")
    await blocks.block()
    await world.settle()

    await world.tick(datetime(2027, 6, 3, 10, 0, tzinfo=UTC) - world.clock.now())
    async with world.sessionmaker() as session:
        assert len((await session.exec(select(Vote))).all()) == 2  # not six months yet
    await world.tick(timedelta(days=2))  # six months after closing
    async with world.sessionmaker() as session:
        assert (await session.exec(select(Vote))).all() == []
        option = (await session.exec(select(PollOption).order_by(col(PollOption.id)))).first()
    assert option is not None and (option.yes_count, option.no_count) == (1, 1)
    assert await _member(world, 5402) is not None

    await world.tick(datetime(2027, 12, 5, 10, 0, tzinfo=UTC) - world.clock.now())
    assert await _member(world, 5402) is None  # left every group a year ago
    assert await _member(world, 5403) is None  # unreachable for a year
    for telegram_id in (ADMIN_ID, ZEYNEP, 5401):
        assert await _member(world, telegram_id) is not None
    assert (await world.send(stays, "/mygroups")).text.endswith("Bildung (bildung) — member")


async def test_new_privacy_notice_asks_again(world: World) -> None:
    """When the notice's version rises, members are asked again before they can go on."""
    eda = await consented(world, 5500, "Eda")
    await member_of(world, eda, "kultur")
    world.app.bot_data.privacy_version = 2
    refused = await world.send(eda, "/mygroups")
    assert refused.text == "Please start with /start and accept the privacy notice first."
    again = await world.send(eda, "/start")
    assert again.text.startswith(
        "The privacy notice has changed. Please read it and agree again to keep using the bot."
    )
    await world.press(eda, "✅ I agree")
    stored = await _member(world, 5500)
    assert stored is not None and stored.consent_version == 2
    assert stored.consent_at == world.clock.now()
    assert (await world.send(eda, "/mygroups")).text.endswith("Kultur (kultur) — member")

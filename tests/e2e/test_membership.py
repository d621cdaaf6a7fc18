"""A member's first steps, end to end: /start, consent, joining and leaving, /mygroups."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Member, Membership
from tests.e2e.harness import World


async def _memberships(world: World, telegram_id: int) -> set[str]:
    from storage.models import Group

    async with world.sessionmaker() as session:
        rows = await session.exec(
            select(Group.slug)
            .join(Membership, Membership.group_id == Group.id)  # type: ignore[arg-type]
            .join(Member, Member.id == Membership.member_id)  # type: ignore[arg-type]
            .where(Member.telegram_id == telegram_id)
        )
        return set(rows.all())


async def test_new_member_consents_joins_and_leaves(world: World) -> None:
    """Start, consent, join two groups by button and one by deep link, leave one, see /mygroups."""
    ana = world.emu.user(1001, "Ana", language_code="en")
    welcome = await world.send(ana, "/start")
    assert "Hello Ana!" in welcome.text
    assert "Privacy" in welcome.text
    assert welcome.buttons == [[("✅ I agree", "c:")]]
    async with world.sessionmaker() as session:
        assert (await session.exec(select(Member))).all() == []  # nothing stored before consent

    listing = await world.press(ana, "✅ I agree")
    assert listing.text.startswith("Thank you! You can now join working groups.")
    assert "Bildung — 0 members" in listing.text
    assert ana.chat[0].buttons == []  # the consent button is gone once pressed
    labels = [row[0][0] for row in listing.buttons]
    assert "➕ Join Bildung" in labels
    assert len(labels) == 6

    after = await world.press(ana, "➕ Join Bildung")
    assert after.message_id == listing.message_id  # edited in place
    assert "✅ Bildung — 1 member" in after.text
    assert ana.callback_answers[-1].text == "You joined Bildung."
    await world.press(ana, "➕ Join Kultur")

    reply = await world.send(ana, "/start join-gesundheit")
    assert reply.text == "You joined Gesundheit."
    assert await _memberships(world, 1001) == {"bildung", "kultur", "gesundheit"}

    # A stale list still says "Join Kultur": pressing it keeps her in, it does not toggle out.
    await ana.press_data(listing.message_id, "t:4")  # Kultur's join button, as first drawn
    await world.settle()
    assert ana.callback_answers[-1].text == "You are already a member of Kultur."
    left = await world.press(ana, "✖️ Leave Kultur", message=listing)
    assert "• Kultur — 0 members" in left.text
    mine = await world.send(ana, "/mygroups")
    assert mine.text == (
        "Your working groups\n\n• Bildung (bildung) — member\n• Gesundheit (gesundheit) — member"
    )
    assert await _memberships(world, 1001) == {"bildung", "gesundheit"}


async def test_deep_link_joins_after_consent(world: World) -> None:
    """A printed handout link takes a newcomer into the group right after consent."""
    bo = world.emu.user(1002, "Bo", language_code="en")
    welcome = await world.send(bo, "/start join-wohnen")
    assert welcome.buttons == [[("✅ I agree", "c:wohnen")]]
    done = await world.press(bo, "✅ I agree")
    assert "You joined Wohnen und Stadtentwicklung." in done.text
    assert await _memberships(world, 1002) == {"wohnen"}


async def test_join_and_leave_by_text(world: World) -> None:
    """/join and /leave accept slugs and names, and explain unknown or ambiguous ones."""
    cem = world.emu.user(1003, "Cem", language_code="en")
    refused = await world.send(cem, "/join bildung")
    assert refused.text == "Please start with /start and accept the privacy notice first."
    await world.send(cem, "/start")
    await world.press(cem, "✅ I agree")
    assert (await world.send(cem, "/join Bildung")).text == "You joined Bildung."
    assert (await world.send(cem, "/join bildung")).text == "You are already a member of Bildung."
    assert (await world.send(cem, "/join kul")).text == "You joined Kultur."
    unknown = await world.send(cem, "/join Schach")
    assert unknown.text == "There is no group called “Schach”. /groups lists them."
    ambiguous = await world.send(cem, "/join und")
    assert ambiguous.text == (
        "“und” could mean several groups: Ausbildung und Arbeit (ausbildung-arbeit), "
        "Gesundheit (gesundheit), Wohnen und Stadtentwicklung (wohnen). Please write the short name."
    )
    assert (await world.send(cem, "/leave kultur")).text == "You left Kultur."
    assert (await world.send(cem, "/leave kultur")).text == "You are not a member of Kultur."
    assert await _memberships(world, 1003) == {"bildung"}


async def test_german_is_the_default_language(world: World) -> None:
    """A user whose language the bot does not speak is answered in German."""
    dan = world.emu.user(1004, "Dan", language_code="fr")
    welcome = await world.send(dan, "/start")
    assert welcome.text.startswith("Guten Tag, Dan!")
    assert welcome.buttons == [[("✅ Ich stimme zu", "c:")]]
    listing = await world.press(dan, "✅ Ich stimme zu")
    assert "Bildung — 0 Mitglieder" in listing.text


async def test_unknown_commands_and_text_get_clear_replies(world: World) -> None:
    """Unknown commands, free text and stale buttons are answered, not ignored."""
    eva = world.emu.user(1005, "Eva", language_code="en")
    unknown = await world.send(eva, "/dance now")
    assert unknown.text == "I do not know the command /dance. /help lists what I can do."
    text = await world.send(eva, "hello?")
    assert text.text == "I understand commands, not free text. /help lists what I can do."
    await world.send(eva, "/start")
    await world.emu.user(1005, "Eva").press_data(eva.last.message_id, "zz:99")
    await world.settle()
    assert eva.callback_answers[-1].text == (
        "This button is no longer valid. Please use the newest message."
    )


async def test_help_and_menus_depend_on_role(world: World) -> None:
    """Members see member commands; the menu is registered per language and for admins."""
    fay = world.emu.user(1006, "Fay", language_code="en")
    await world.send(fay, "/start")
    await world.press(fay, "✅ I agree")
    help_text = (await world.send(fay, "/help")).text
    assert "/groups" in help_text
    assert "/newgroup" not in help_text
    assert "/members" not in help_text
    assert [c.command for c in fay.commands][:2] == ["groups", "mygroups"]
    assert fay.commands[0].description == "Working groups: join and leave"
    german = world.emu.user(1007, "Gül", language_code="de")
    assert german.commands[0].description == "Arbeitsgruppen: beitreten und verlassen"


async def test_blocking_the_bot_marks_member_unreachable(world: World) -> None:
    """Blocking and unblocking the bot is recorded."""
    gus = world.emu.user(1008, "Gus", language_code="en")
    await world.send(gus, "/start")
    await world.press(gus, "✅ I agree")
    await gus.block()
    await world.settle()
    async with world.sessionmaker() as session:
        member = (await session.exec(select(Member).where(Member.telegram_id == 1008))).one()
        assert member.unreachable_since == world.clock.now()
    await gus.unblock()
    await world.settle()
    async with world.sessionmaker() as session:
        member = (await session.exec(select(Member).where(Member.telegram_id == 1008))).one()
        assert member.unreachable_since is None

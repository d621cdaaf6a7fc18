"""Languages end to end: /language with buttons or a code, menus per language, before consent."""

from __future__ import annotations

from sqlmodel import select

from domain.i18n import SUPPORTED_LANGUAGES, Translator
from handlers.commands import Level, commands_for
from storage.models import Member
from tests.e2e.harness import World
from tests.e2e.helpers import consented

#: One language a row: no name is cut off, however narrow the message ("Українська" was).
LANGUAGE_BUTTONS = [
    [("Deutsch", "lg:de")],
    [("✅ English", "lg:en")],
    [("Türkçe", "lg:tr")],
    [("العربية", "lg:ar")],
    [("Українська", "lg:uk")],
    [("Русский", "lg:ru")],
]


async def _language(world: World, telegram_id: int) -> str | None:
    async with world.sessionmaker() as session:
        result = await session.exec(
            select(Member.language).where(Member.telegram_id == telegram_id)
        )
        return result.first()


def _described(code: str, name: str) -> str:
    """A command's menu description in a language, as the catalogue has it."""
    lang = Translator("de").get(code)
    return next(c.describe(lang) for c in commands_for(Level.MEMBER) if c.name == name)


async def test_buttons_switch_replies_and_menu(world: World) -> None:
    """The buttons show each language in its own name; the choice changes replies and menu."""
    ana = await consented(world, 6001, "Ana")
    question = await world.send(ana, "/language")
    assert question.text == "Which language shall I speak with you?"
    assert question.buttons == LANGUAGE_BUTTONS
    done = await world.press(ana, "Türkçe")
    assert done.message_id == question.message_id  # the question becomes the answer
    assert done.text == "Bundan sonra sana Türkçe yazıyorum."
    assert done.buttons == []
    assert await _language(world, 6001) == "tr"
    mine = await world.send(ana, "/mygroups")
    assert mine.text == "Henüz hiçbir çalışma grubunda değilsin. /groups hepsini gösterir."
    assert ana.commands[0].description == _described("tr", "groups")

    arabic = await world.send(ana, "/language ar")
    assert arabic.text == "\u200fمن الآن فصاعدًا أكتب لك بالعربية."  # a right-to-left line
    assert ana.commands[0].description == _described("ar", "groups")
    await world.send(ana, "/language Deutsch")
    assert await _language(world, 6001) == "de"
    assert (await world.send(ana, "/groups")).text.startswith("Arbeitsgruppen")
    assert ana.commands[0].description == "Arbeitsgruppen: beitreten und verlassen"


async def test_unknown_language_is_explained(world: World) -> None:
    """An unknown code gets the list of languages and the buttons; the text is shown as typed."""
    bo = await consented(world, 6002, "Bo")
    reply = await world.send(bo, "/language <b>&klingon")
    assert reply.text == (
        "I do not speak “<b>&klingon”. I can speak: Deutsch (de), English (en), Türkçe (tr), "
        "العربية (ar), Українська (uk), Русский (ru). Choose one:"
    )
    assert reply.buttons == LANGUAGE_BUTTONS
    assert await _language(world, 6002) == "en"
    await bo.press_data(reply.message_id, "lg:fr")  # forged: not a language Gremium speaks
    await world.settle()
    assert bo.callback_answers[-1].text == (
        "This button is no longer valid. Please use the newest message."
    )


async def test_choice_before_consent_is_kept_at_consent(world: World) -> None:
    """Someone whose Telegram speaks French gets German, picks English before agreeing: the
    greeting comes again in English, nothing is stored until they agree, then English stays."""
    cleo = world.emu.user(6003, "Cléo", language_code="fr")
    welcome = await world.send(cleo, "/start")
    assert welcome.text.startswith("Guten Tag, Cléo!")
    assert welcome.text.endswith("🌐 /language")
    await world.send(cleo, "/language")
    await world.press(cleo, "English")
    confirmation, greeting = cleo.bot_messages[-2:]
    assert confirmation.text == "From now on I write to you in English."
    assert greeting.text.startswith(
        "Hello Cléo! I am the assistant of Integrationskonferenz Herne."
    )
    assert greeting.buttons == [[("✅ I agree", "c::en")]]
    assert await _language(world, 6003) is None  # nothing stored before consent
    listing = await world.press(cleo, "✅ I agree")
    assert listing.text.startswith("Thank you! You can now join working groups.")
    assert await _language(world, 6003) == "en"
    assert cleo.commands[0].description == "Working groups: join and leave"


async def test_default_menus_are_registered_per_language(world: World) -> None:
    """Before anyone chose a language, the menu follows the Telegram app's language."""
    for i, code in enumerate(SUPPORTED_LANGUAGES):
        user = world.emu.user(6100 + i, "U", language_code=code)
        descriptions = [c.description for c in user.commands]
        assert descriptions[0] == _described(code, "groups")
        assert len(descriptions) == len(commands_for(Level.MEMBER))
    assert world.emu.user(6199, "U", language_code="fr").commands[0].description == (
        "Arbeitsgruppen: beitreten und verlassen"
    )

"""What members read, end to end: one poll's life in Ukrainian and Russian, sentence by
sentence; German "Sie" by default and "du" when the organisation chooses it; an Arabic member's
poll, buttons, /help and /mygroups with the direction isolates where they belong.

The exact sentences pinned here follow the catalogues; a reviewed wording changes them here too
(see the list in the catalogue review's notes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from domain.clock import FakeClock
from domain.direction import FSI, LRI, PDI, RLI, RLM, strip_bidi
from sandbox.emulator import ChatMessage, UserHandle
from storage.db import SessionMaker
from storage.models import Poll
from tests.e2e.harness import ADMIN_ID, World, running_bot
from tests.e2e.helpers import consented, member_of

DATES = "08.12.2026 17:00\n10.12.2026 17:00"


async def _coordinator(world: World) -> UserHandle:
    admin = await consented(world, ADMIN_ID, "Olga")
    hana = await consented(world, 4001, "Hana", username="hana")
    await world.send(admin, "/addcoordinator bildung @hana")
    return hana


async def _open_poll(world: World, hana: UserHandle) -> Poll:
    await world.send(hana, "/poll")
    await world.press(hana, "Bildung")
    preview = await world.send(hana, DATES)
    send = next(label for label in preview.button_labels if label.startswith("✅ Send"))
    await world.press(hana, send)
    async with world.sessionmaker() as session:
        return (await session.exec(select(Poll))).one()


def _invitation(user: UserHandle) -> ChatMessage:
    return next(m for m in user.bot_messages if strip_bidi(m.text).startswith("🗓"))


def _reminder(user: UserHandle) -> ChatMessage:
    return next(m for m in user.bot_messages if strip_bidi(m.text).startswith("⏰"))


def _notice(user: UserHandle) -> str:
    notice = next(m for m in user.chat if m.document is not None)
    assert notice.caption is not None
    return notice.caption


UK = {
    "invitation": (
        "🗓 Bildung: коли зустрінемося?\n"
        "Будь ласка, дай відповідь. Кінцевий термін: пʼятниця, 4 грудня 2026\u202fр., 18:00.\n\n"
        "1. вівторок, 8 грудня 2026\u202fр., 17:00–19:00\n    ✅ 0 · 🤔 0 · ❌ 0\n"
        "2. четвер, 10 грудня 2026\u202fр., 17:00–19:00\n    ✅ 0 · 🤔 0 · ❌ 0\n\n"
        "Відповіді: 0 з 3.\n"
        "Для кожної дати натисни ✅ так, 🤔 можливо або ❌ ні. Відповідь можна змінити."
    ),
    "reminder": "⏰ Нагадування: будь ласка, дай відповідь в опитуванні щодо дати.",
    "buttons": ["1. вт 8.12", "✅", "🤔", "❌", "2. чт 10.12", "✅", "🤔", "❌"],
    "closed": "    ✅ 2 · 🤔 0 · ❌ 0\n2. четвер, 10 грудня 2026\u202fр., 17:00–19:00\n"
    "    ✅ 0 · 🤔 0 · ❌ 0\n\nВідповіді: 2 з 3.\n🔒 Опитування закрито.",
    "notice": (
        "📅 Bildung: дату зустрічі визначено.\n"
        "вівторок, 8 грудня 2026\u202fр., 17:00–19:00\n\n"
        "Додай зустріч до календаря за допомогою файлу. Прийдеш?"
    ),
}
RU = {
    "invitation": (
        "🗓 Bildung: когда встретимся?\n"
        "Пожалуйста, ответь. Крайний срок: пятница, 4 декабря 2026\u202fг., 18:00.\n\n"
        "1. вторник, 8 декабря 2026\u202fг., 17:00–19:00\n    ✅ 0 · 🤔 0 · ❌ 0\n"
        "2. четверг, 10 декабря 2026\u202fг., 17:00–19:00\n    ✅ 0 · 🤔 0 · ❌ 0\n\n"
        "Ответы: 0 из 3.\n"
        "Для каждой даты нажми ✅ да, 🤔 может быть или ❌ нет. Ответ можно изменить."
    ),
    "reminder": "⏰ Напоминание: пожалуйста, ответь на опрос о дате.",
    "buttons": ["1. вт 8.12", "✅", "🤔", "❌", "2. чт 10.12", "✅", "🤔", "❌"],
    "closed": "    ✅ 2 · 🤔 0 · ❌ 0\n2. четверг, 10 декабря 2026\u202fг., 17:00–19:00\n"
    "    ✅ 0 · 🤔 0 · ❌ 0\n\nОтветы: 2 из 3.\n🔒 Опрос закрыт.",
    "notice": (
        "📅 Bildung: дата встречи определена.\n"
        "вторник, 8 декабря 2026\u202fг., 17:00–19:00\n\n"
        "Добавь встречу в календарь с помощью файла. Придёшь?"
    ),
}


async def test_a_poll_reads_right_in_ukrainian_and_russian(world: World) -> None:
    """Invitation, reminder, closed tally and meeting notice, sentence by sentence, for a
    Ukrainian and a Russian member of one poll."""
    hana = await _coordinator(world)
    oksana = await consented(world, 7201, "Оксана", language="uk")
    ira = await consented(world, 7202, "Ира", language="ru")
    await member_of(world, oksana, "bildung")
    await member_of(world, ira, "bildung")
    poll = await _open_poll(world, hana)
    assert poll.deadline is not None
    for user, want in ((oksana, UK), (ira, RU)):
        invitation = _invitation(user)
        assert invitation.text == want["invitation"]
        assert invitation.button_labels == want["buttons"]

    await world.tick(poll.deadline - timedelta(hours=47) - world.clock.now())
    for user, want in ((oksana, UK), (ira, RU)):
        reminder = _reminder(user)
        assert reminder.text == want["reminder"] + "\n\n" + want["invitation"]
        assert reminder.button_labels == want["buttons"]
        await user.press("pv:y:1", message=reminder)
    await world.settle()

    await world.tick(poll.deadline + timedelta(minutes=1) - world.clock.now())
    for user, want in ((oksana, UK), (ira, RU)):
        closed = _invitation(user)
        assert closed.text.endswith(want["closed"]), closed.text
        assert closed.buttons == []
        assert _notice(user) == want["notice"]


SCHEDULE_TOO_SHORT = "/schedule bildung lead=1 open=10"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        pytest.param(
            None,
            "Die Umfrage muss enden, bevor der Zielzeitraum beginnt: Öffnen Sie sie mindestens "
            "11 Tage vorher oder lassen Sie sie weniger Tage laufen.",
            id="Sie by default",
        ),
        pytest.param(
            "sie",
            "Die Umfrage muss enden, bevor der Zielzeitraum beginnt: Öffnen Sie sie mindestens "
            "11 Tage vorher oder lassen Sie sie weniger Tage laufen.",
            id="Sie configured",
        ),
        pytest.param(
            "du",
            "Die Umfrage muss enden, bevor der Zielzeitraum beginnt: Öffne sie mindestens "
            "11 Tage vorher oder lass sie weniger Tage laufen.",
            id="du configured",
        ),
    ],
)
async def test_german_says_sie_unless_the_organisation_chooses_du(
    database_url: str,
    sessionmaker: SessionMaker,
    clock: FakeClock,
    address: str | None,
    expected: str,
) -> None:
    """A German organiser reads the formal catalogue by default and with german_address "sie",
    the informal one with "du"; an English one reads English either way. Planted: the
    Translator ignoring german_address (always ``de``) fails the "du" case."""
    settings = {} if address is None else {"german_address": address}
    async with running_bot(
        database_url=database_url, sessionmaker=sessionmaker, clock=clock, **settings
    ) as world:
        olga = await consented(world, ADMIN_ID, "Olga", language="de")
        assert (await world.send(olga, SCHEDULE_TOO_SHORT)).text == expected
        ben = await consented(world, 4002, "Ben")
        await world.send(olga, "/addcoordinator bildung 4002")
        assert (await world.send(ben, SCHEDULE_TOO_SHORT)).text == (
            "The poll must close before the target period begins: open it at least 11 days "
            "ahead, or let it run for fewer days."
        )
        assert world.spec_problems() == []


def _isolated(text: str) -> str:
    return FSI + text + PDI


def _typed(text: str) -> str:
    return LRI + text + PDI


async def test_an_arabic_member_reads_right_to_left(world: World) -> None:
    """Every line of the poll, /help and /mygroups starts right to left; group names and dates
    are isolated (FSI…PDI); each tally mark keeps its own count (RLI…PDI) and each /command reads as
    it is typed (LRI…PDI); the date buttons are short ("الثلاثاء 8/12") and start right to left.
    Planted: Lang.tally without the RLI around each mark and count fails here."""
    hana = await _coordinator(world)
    amal = await consented(world, 7203, "أمل", language="ar")
    await member_of(world, amal, "bildung")
    await _open_poll(world, hana)
    poll = _invitation(amal)
    lines = poll.text.split("\n")
    assert all(line.startswith(RLM) for line in lines if line), lines
    assert lines[0] == f"{RLM}🗓 {RLM}{_isolated('Bildung')}: متى نلتقي؟"
    assert lines[1] == f"{RLM}يُرجى الإجابة قبل {_isolated('الجمعة، 4 ديسمبر 2026, 6:00 م')}."
    assert lines[3] == f"{RLM}1. {_isolated('الثلاثاء، 8 ديسمبر 2026, 5:00 م–7:00 م')}"
    tally = " · ".join(f"{RLI}{mark} 0{PDI}" for mark in ("✅", "🤔", "❌"))
    assert lines[4] == f"{RLM}    {tally}"
    assert poll.button_labels == [
        f"{RLM}1. الثلاثاء 8/12", "✅", "🤔", "❌",
        f"{RLM}2. الخميس 10/12", "✅", "🤔", "❌",
    ]  # fmt: skip
    await amal.press("pv:y:1", message=poll)
    await world.settle()
    voted = next(m for m in amal.bot_messages if m.message_id == poll.message_id)
    assert f"{RLM}    {RLI}✅ 1{PDI} · {RLI}🤔 0{PDI} · {RLI}❌ 0{PDI}" in voted.text

    help_lines = (await world.send(amal, "/help")).text.split("\n")
    assert help_lines[0] == f"{RLM}ما يمكنني فعله"
    commands = [line for line in help_lines if line]
    assert all(line.startswith(RLM + LRI + "/") for line in commands[1:]), commands
    assert f"{RLM}{_typed('/join')} — {RLM}الانضمام إلى مجموعة: {_typed('/join')} الاسم" in (
        help_lines
    )

    mine = (await world.send(amal, "/mygroups")).text
    assert mine == (
        f"{RLM}مجموعات عملك\n\n{RLM}• {_isolated('Bildung')} ({_typed('bildung')}) — {RLM}عضو"
    )

"""The sandbox page in a real headless Chromium: a visitor plays a whole date poll through.

Needs a ``chromium`` binary (Debian's package; ``.ci/run`` installs it) and Playwright for
Python, which drives it without downloading a browser of its own. Without them the test is
skipped with the reason. Set ``GREMIUM_SANDBOX_SCREENSHOT=docs/sandbox.png`` to refresh the
README's screenshot.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sandbox import Sandbox
from sandbox.page import PageServer

CHROMIUM = os.environ.get("GREMIUM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).is_file():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install Debian's chromium package (.ci/run does) or set "
        "GREMIUM_CHROMIUM to run the browser tests",
        allow_module_level=True,
    )
playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright is not installed: pip install -e '.[dev]'"
)
Locator = playwright_api.Locator
Page = playwright_api.Page
expect = playwright_api.expect

VISITOR = 2001  # the first persona added from the page
JANA, AMIRA, OLENA, EMRE = 1002, 1004, 1005, 1003
GROUP_CHAT = -1001000000001


@pytest.fixture
async def page_url() -> AsyncIterator[str]:
    """The sandbox, seeded, with its page on a free loopback port; Tuesday 10:00 in Herne."""
    sandbox = Sandbox(start=datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    await sandbox.start()
    server = PageServer(sandbox.emu, sandbox)
    url = await server.start("127.0.0.1", 0)
    try:
        yield url
    finally:
        await server.stop()
        await sandbox.stop()


@pytest.fixture
async def page(page_url: str) -> AsyncIterator[Page]:
    """A headless Chromium tab showing the sandbox."""
    expect.set_options(timeout=15_000)
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        tab = await browser.new_page(
            viewport={"width": 1280, "height": 860}, accept_downloads=True
        )
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        await tab.goto(page_url)
        await tab.wait_for_selector("body[data-ready]")
        yield tab
        await browser.close()
        assert errors == []


async def open_chat(page: Page, chat_id: int) -> None:
    """Click a chat in the list on the left."""
    await page.click(f'.chat-item[data-chat-id="{chat_id}"]')
    await expect(page.locator(f'.chat-item.active[data-chat-id="{chat_id}"]')).to_be_visible()


async def write(page: Page, text: str) -> None:
    """Type into the composer and press Send."""
    await page.fill("#text", text)
    await page.click("#send")


def bot_messages(page: Page) -> Locator:
    """The bot's messages in the open chat."""
    return page.locator("#messages .msg.bot")


async def vote_yes_for_first_date(page: Page) -> None:
    """Press ✅ in the first row of the newest poll and wait until the message shows it."""
    poll = bot_messages(page).filter(has_text="Bildung").filter(has=page.locator(".kb")).last
    await poll.locator(".kb-row").first.locator(".kb-button").nth(1).click()
    await expect(page.locator("#toast")).to_contain_text("✅")
    await expect(poll.locator(".kb-row").first.locator(".kb-button").nth(1)).to_have_text("[✅]")


async def test_visitor_runs_a_date_poll_to_the_meeting_notice(page: Page, tmp_path: Path) -> None:
    """Join as a new member, poll as the coordinator, vote as two members, jump past the
    deadline: each member gets the meeting notice with its .ics file in their language."""
    # A visitor adds themselves as an English-speaking persona, consents and joins Bildung.
    await page.click("#add-persona")
    await page.fill("#persona-name", "Kim")
    await page.select_option("#persona-language", "en")
    await page.click("#persona-create")
    await expect(page.locator("#chat-title")).to_contain_text("Kim")
    await page.locator(".kb-button", has_text="I agree").click()
    await page.locator(".kb-button", has_text="Join Bildung").click()
    await expect(page.locator("#toast")).to_contain_text("You joined Bildung")
    await expect(page.locator(".kb-button", has_text="Leave Bildung")).to_be_visible()

    # The coordinator (German) starts a date poll for Bildung with two dates.
    await page.select_option("#persona", str(JANA))
    await expect(page.locator("#chat-title")).to_contain_text("Jana")
    await page.click("#menu-button")
    await expect(page.locator("#menu")).to_contain_text("/poll")
    await page.locator(".menu-item").filter(has=page.get_by_text("/poll", exact=True)).click()
    await expect(bot_messages(page).last).to_contain_text("Für welche Gruppe")
    await bot_messages(page).last.locator(".kb-button", has_text="Bildung").click()
    await expect(bot_messages(page).last).to_contain_text("12.03.2027 17:00")
    await write(page, "08.12.2026 17:00\n10.12.2026 17:00")
    send = page.locator(".kb-button", has_text="An 6 Mitglieder senden")
    await send.click()
    await expect(bot_messages(page).last).to_contain_text("6")

    # Two members vote: the visitor and Amira (Arabic).
    await open_chat(page, VISITOR)
    await vote_yes_for_first_date(page)
    await open_chat(page, AMIRA)
    await expect(page.locator("#chat-sub")).to_contain_text("العربية")
    await vote_yes_for_first_date(page)

    # Jump: a week, then step by step until the poll has closed.
    await page.click('[data-step="week"]')
    await expect(page.locator("#status")).to_contain_text("Jumped forward one week")
    await expect(page.locator("#now")).to_contain_text("1 Dec 2026")
    for _ in range(6):
        if await page.locator("#messages .document").count():
            break
        await expect(page.locator("#next-info")).to_contain_text("Next:")
        before = await page.locator("#now").text_content()
        await page.click('[data-step="next"]')
        await expect(page.locator("#now")).not_to_have_text(before or "")
    await expect(page.locator("#messages .document")).to_be_visible()

    # Each member has the notice, with the calendar file, in their own language.
    expected = {
        VISITOR: "the meeting is fixed",
        JANA: "Das Treffen steht fest",
        AMIRA: "الثلاثاء",  # Tuesday, in the Arabic date
        OLENA: "вівторок",  # Tuesday, in the Ukrainian date
        EMRE: "Salı",  # Tuesday, in the Turkish date
    }
    for chat_id, text in expected.items():
        await open_chat(page, chat_id)
        notice = page.locator("#messages .msg", has=page.locator(".document")).last
        await expect(notice.locator(".doc-name")).to_have_text("bildung-2026-12-08.ics")
        await expect(notice.locator(".text")).to_contain_text(text)
        await expect(notice.locator(".kb-button")).to_have_count(2)

    # Olena did not answer: she was reminded before the poll closed.
    await open_chat(page, OLENA)
    await expect(bot_messages(page).filter(has_text="⏰")).not_to_have_count(0)

    # The linked group chat shows the closed tally.
    await open_chat(page, GROUP_CHAT)
    await expect(page.locator("#messages")).to_contain_text("✅ 2")

    # The .ics file downloads.
    await open_chat(page, VISITOR)
    async with page.expect_download() as info:
        await page.locator("#messages .document .download").last.click()
    download = await info.value
    assert download.suggested_filename == "bildung-2026-12-08.ics"
    saved = Path(await download.path())
    content = await asyncio.to_thread(saved.read_text, encoding="utf-8")
    assert "BEGIN:VCALENDAR" in content
    assert re.search(r"DTSTART;TZID=Europe/Berlin:20261208T170000", content)

    shot = tmp_path / "sandbox.png"
    await page.screenshot(path=str(shot))
    if target := os.environ.get("GREMIUM_SANDBOX_SCREENSHOT"):
        shutil.copy(shot, target)

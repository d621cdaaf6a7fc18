"""The sandbox page in a real headless Chromium: a visitor plays a whole date poll through.

Needs a ``chromium`` binary (Debian's package; ``.ci/run`` installs it) and Playwright for
Python, which drives it without downloading a browser of its own. Without them the test is
skipped with the reason. Set ``GREMIUM_SANDBOX_SCREENSHOT=docs/sandbox.png`` to refresh the
README's screenshot, and ``GREMIUM_SANDBOX_SHOTS=some/dir`` to keep the screenshots the tests
take at desktop (1280 px) and phone (400 px) width.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


TUESDAY_10 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Herne
TUESDAY_22 = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)  # 22:00 in Herne: quiet hours
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 400, "height": 800}


@asynccontextmanager
async def sandbox_page(
    start: datetime = TUESDAY_10, controller: Any = None
) -> AsyncIterator[tuple[Sandbox, str]]:
    """The sandbox, seeded, with its page on a free loopback port (and maybe another
    controller in front of it)."""
    sandbox = Sandbox(start=start)
    await sandbox.start()
    server = PageServer(sandbox.emu, controller(sandbox) if controller else sandbox)
    url = await server.start("127.0.0.1", 0)
    try:
        yield sandbox, url
    finally:
        await server.stop()
        await sandbox.stop()


@asynccontextmanager
async def browser_tab(
    url: str, viewport: dict[str, int], ready: bool = True
) -> AsyncIterator[Page]:
    """A headless Chromium tab of this size showing the sandbox; no script error allowed."""
    expect.set_options(timeout=15_000)
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        tab = await browser.new_page(viewport=viewport, accept_downloads=True)
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        await tab.goto(url)
        if ready:
            await tab.wait_for_selector("body[data-ready]")
        yield tab
        await browser.close()
        assert errors == []


@pytest.fixture
async def page_url() -> AsyncIterator[str]:
    """The sandbox on a Tuesday at 10:00 in Herne."""
    async with sandbox_page() as (_, url):
        yield url


@pytest.fixture
async def page(page_url: str) -> AsyncIterator[Page]:
    """A desktop-sized headless Chromium tab showing the sandbox."""
    async with browser_tab(page_url, DESKTOP) as tab:
        yield tab


async def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    """Take a screenshot; keep it where GREMIUM_SANDBOX_SHOTS says."""
    shot = tmp_path / name
    await page.screenshot(path=str(shot))
    if target := os.environ.get("GREMIUM_SANDBOX_SHOTS"):
        shutil.copy(shot, Path(target) / name)


async def no_problem(page: Page) -> None:
    """Neither the red bar nor a warning in the status line."""
    await expect(page.locator("#problem")).to_be_hidden()
    await expect(page.locator("#status")).not_to_contain_text("⚠️")


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
        # I'll come, I can't, and proposing an agenda item (the meeting record)
        await expect(notice.locator(".kb-button")).to_have_count(3)

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
    await screenshot(page, tmp_path, "h18a-poll-1280.png")


async def next_step(page: Page) -> str:
    """Press ⏭ Next step and wait until the clock moved; returns what the step was."""
    await expect(page.locator("#next-info")).to_contain_text("Next:")
    what = await page.locator("#next-info").text_content() or ""
    before = await page.locator("#now").text_content()
    await page.click('[data-step="next"]')
    await expect(page.locator("#status")).to_contain_text("Jumped to the next step")
    await expect(page.locator("#now")).not_to_have_text(before or "")
    await no_problem(page)
    return what


async def test_next_step_plays_a_whole_meeting_cycle(page: Page, tmp_path: Path) -> None:
    """Planted: TASK_NAMES without the cadence kinds (the page died with 'cadence_open'), and
    groups without rhythms (nothing to step to). From the seeded rhythms, ⏭ Next step plays
    review -> poll -> vote -> close -> meeting without an error."""
    await no_problem(page)
    assert "review the planned date poll" in await next_step(page)
    await open_chat(page, JANA)
    review = bot_messages(page).filter(has_text="Zeit, das nächste Treffen von Bildung")
    await expect(review).to_have_count(1)
    await expect(review.locator(".kb-button").first).to_be_visible()

    assert "the planned date poll of" in await next_step(page)
    await open_chat(page, AMIRA)
    poll = bot_messages(page).filter(has_text="Bildung").filter(has=page.locator(".kb")).last
    await expect(poll).to_contain_text("Rathaus Herne")
    await expect(poll).to_contain_text("الاثنين")  # Monday: Bildung meets Mon/Wed
    await vote_yes_for_first_date(page)

    steps = []
    for _ in range(6):
        if await page.locator("#messages .document").count():
            break
        steps.append(await next_step(page))
    assert any("closes" in s for s in steps), steps
    notice = page.locator("#messages .msg", has=page.locator(".document")).last
    await expect(notice.locator(".doc-name")).to_contain_text("bildung-2027-")
    await expect(page.locator("#next-info")).to_contain_text("reminder about the meeting")
    await next_step(page)
    await expect(bot_messages(page).filter(has_text="⏰").last).to_be_visible()
    await screenshot(page, tmp_path, "h18a-cycle-1280.png")


class Flaky:
    """The sandbox, but its state fails the first time and its first step breaks inside."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.broken = {"state", "jump"}

    async def state(self) -> dict[str, Any]:
        """The sandbox's state, after one failure."""
        if "state" in self.broken:
            self.broken.discard("state")
            raise KeyError("cadence_open")
        return await self.sandbox.state()

    async def jump(self, how: str) -> str:
        """The sandbox's jump, after one failure."""
        if "jump" in self.broken:
            self.broken.discard("jump")
            raise RuntimeError("the sweep broke")
        return await self.sandbox.jump(how)


async def test_an_internal_error_shows_and_the_page_lives_on(tmp_path: Path) -> None:
    """Planted: the old guard and page (a failed first state killed the page: "The sandbox
    did not start"). The page says what broke, retries, and the next click works."""
    async with sandbox_page(controller=Flaky) as (_, url), browser_tab(url, DESKTOP, False) as tab:
        await expect(tab.locator("#problem")).to_contain_text("KeyError: 'cadence_open'")
        await tab.wait_for_selector("body[data-ready]")
        await expect(tab.locator("#problem")).to_be_hidden()
        await tab.click('[data-step="next"]')
        await expect(tab.locator("#problem")).to_contain_text(
            "Something went wrong inside the sandbox: RuntimeError: the sweep broke"
        )
        await screenshot(tab, tmp_path, "h18a-error-1280.png")
        await tab.click('[data-step="hour"]')
        await expect(tab.locator("#status")).to_contain_text("Jumped forward one hour")
        await expect(tab.locator("#problem")).to_be_hidden()


async def boxes_overlap(a: Locator, b: Locator) -> bool:
    """Whether two elements' boxes on the screen overlap."""
    one, two = await a.bounding_box(), await b.bounding_box()
    assert one is not None and two is not None
    return not (
        one["x"] + one["width"] <= two["x"]
        or two["x"] + two["width"] <= one["x"]
        or one["y"] + one["height"] <= two["y"]
        or two["y"] + two["height"] <= one["y"]
    )


async def test_the_page_works_on_a_phone(tmp_path: Path) -> None:
    """Planted: the old desktop-only layout (sidebar 60 % wide, a 20 px text box, cut
    buttons, the toast over the quiet-hours bar). At 400 px the chat list is a drawer, the
    composer and inline buttons are usable, Bold wraps the selection and is sent as bold."""
    async with sandbox_page(start=TUESDAY_22) as (_, url), browser_tab(url, PHONE) as tab:
        sidebar = tab.locator("#sidebar")
        box = await sidebar.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 0  # the drawer is closed
        await screenshot(tab, tmp_path, "h18a-phone-400.png")
        await tab.click("#drawer-open")
        await expect(sidebar).to_be_in_viewport()
        await screenshot(tab, tmp_path, "h18a-phone-drawer-400.png")
        await tab.click(f'.chat-item[data-chat-id="{AMIRA}"]')
        await expect(tab.locator("#chat-title")).to_contain_text("أميرة")
        await expect(sidebar).not_to_be_in_viewport()

        text = await tab.locator("#text").bounding_box()
        send = await tab.locator("#send").bounding_box()
        assert text is not None and text["width"] >= 150
        assert send is not None and send["x"] + send["width"] <= PHONE["width"]
        for button in await tab.locator(".kb-button").all():
            cut = await button.evaluate("b => b.scrollWidth > b.clientWidth")
            assert not cut, await button.text_content()

        # Quiet hours: the bar shows; the toast of a button stays clear of it.
        await expect(tab.locator("#quiet")).to_be_visible()
        await tab.locator(".kb-button", has_text="Bildung").first.click()
        await expect(tab.locator("#toast")).to_be_visible()
        assert not await boxes_overlap(tab.locator("#toast"), tab.locator("#quiet"))
        assert not await boxes_overlap(tab.locator("#toast"), tab.locator(".topbar"))
        await screenshot(tab, tmp_path, "h18a-phone-toast-400.png")

        # Formatting: select a word, press B, send: the bubble shows it bold, no asterisks.
        await tab.fill("#text", "Wichtig: bitte lesen")
        await tab.locator("#text").evaluate("t => t.setSelectionRange(0, 8)")
        await tab.click("#bold")
        await expect(tab.locator("#text")).to_have_value("**Wichtig:** bitte lesen")
        await tab.locator("#text").evaluate("t => t.setSelectionRange(13, 18)")
        await tab.click("#italic")
        await expect(tab.locator("#text")).to_have_value("**Wichtig:** __bitte__ lesen")
        await tab.click("#send")
        mine = tab.locator("#messages .msg.out").last
        await expect(mine.locator(".text b")).to_have_text("Wichtig:")
        await expect(mine.locator(".text i")).to_have_text("bitte")
        await expect(mine.locator(".text")).to_have_text("Wichtig: bitte lesen")
        await screenshot(tab, tmp_path, "h18a-phone-bold-400.png")


@pytest.fixture
async def arabic_poll_url() -> AsyncIterator[str]:
    """The sandbox with a date poll of Bildung open (sent by Jana through the bot) and Amira
    (Arabic) having answered yes to the first date; its page on a free loopback port."""
    sandbox = Sandbox(start=datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    await sandbox.start()
    jana, amira = sandbox.emu.get_user(JANA), sandbox.emu.get_user(AMIRA)
    await jana.send("/poll")
    await sandbox.settle()
    await jana.press("Bildung")
    await sandbox.settle()
    await jana.send("08.12.2026 17:00\n10.12.2026 17:00")
    await sandbox.settle()
    assert jana.last is not None
    await jana.press(next(x for x in jana.last.button_labels if x.startswith("✅")))
    await sandbox.settle()
    poll = next(m for m in amira.bot_messages if "🗓" in m.text and m.buttons)
    await amira.press("pv:y:1", message=poll)
    await sandbox.settle()
    server = PageServer(sandbox.emu, sandbox)
    url = await server.start("127.0.0.1", 0)
    try:
        yield url
    finally:
        await server.stop()
        await sandbox.stop()


#: For each line of a message's text, the right edge of its last glyph, and the bubble's own
#: right edge (the text box); a line that reads right to left ends at the right.
LINE_EDGES = """(el) => {
  const box = el.getBoundingClientRect();
  const lines = new Map();
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const char = node.data[i];
      if (char === "\\n" || /[\\u200e\\u200f\\u2066-\\u2069]/.test(char)) continue;
      for (const rect of range.getClientRects()) {
        const top = Math.round(rect.top);
        const line = lines.get(top) || { left: Infinity, right: -Infinity, text: "" };
        line.left = Math.min(line.left, rect.left);
        line.right = Math.max(line.right, rect.right);
        line.text += char;
        lines.set(top, line);
      }
    }
  }
  return { left: box.left, right: box.right, lines: [...lines.values()] };
}"""

#: Where each mark and each digit of a tally line is drawn: [char, left, right].
GLYPHS = """(el) => {
  const found = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const chars = [...node.data];
    let offset = 0;
    for (const char of chars) {
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, offset + char.length);
      offset += char.length;
      if (!/[0-9]|\\u2705|\\u{1F914}|\\u274C/u.test(char)) continue;
      const rect = range.getBoundingClientRect();
      found.push([char, rect.left, rect.right, Math.round(rect.top)]);
    }
  }
  return found;
}"""


#: For each "/command" in the text: is its slash drawn left of its first letter ("/help")?
SLASHES_FIRST = """(el) => {
  const found = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/\\/([a-z])/g)) {
      const slash = document.createRange();
      slash.setStart(node, match.index);
      slash.setEnd(node, match.index + 1);
      const letter = document.createRange();
      letter.setStart(node, match.index + 1);
      letter.setEnd(node, match.index + 2);
      found.push(slash.getBoundingClientRect().right <= letter.getBoundingClientRect().left + 1);
    }
  }
  return found;
}"""


async def assert_right_aligned(message: Locator) -> None:
    """Every line of the message's text ends at the right edge of its box."""
    for _ in range(20):  # the page redraws the chat when something arrives: measure once still
        edges = await message.locator(".text").evaluate(LINE_EDGES)
        if edges["lines"]:
            break
        await asyncio.sleep(0.1)
    assert edges["lines"], edges
    for line in edges["lines"]:
        assert edges["right"] - line["right"] < 4, (line, edges["right"])


async def test_an_arabic_poll_reads_right_to_left(arabic_poll_url: str, tmp_path: Path) -> None:
    """Amira's poll, /help and /mygroups in the browser: every line aligns right, each tally
    mark sits beside its own count with ✅ rightmost (read first), the date buttons are
    whole ("الثلاثاء 8/12") and the /commands read "/help", not "help/". Screenshots go to
    GREMIUM_SANDBOX_SCREENSHOTS (a directory) when it is set. Planted: Lang without the LRI
    around /commands fails at /help (every slash drawn right of its word)."""
    expect.set_options(timeout=15_000)
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        page = await browser.new_page(viewport={"width": 1100, "height": 900})
        await page.goto(arabic_poll_url)
        await page.wait_for_selector("body[data-ready]")
        await open_chat(page, AMIRA)
        poll = bot_messages(page).filter(has=page.locator(".kb")).last
        await expect(poll.locator(".kb-button").first).to_have_text("\u200f1. الثلاثاء 8/12")
        await assert_right_aligned(poll)
        glyphs = await poll.locator(".text").evaluate(GLYPHS)
        first_row = sorted(
            (g for g in glyphs if g[3] == min(g[3] for g in glyphs if g[0] == "✅")),
            key=lambda g: -g[2],
        )  # the first tally line, right to left
        tally = [g[0] for g in first_row if g[0] in "✅🤔❌" or g[0].isdigit()]
        assert tally == ["✅", "1", "🤔", "0", "❌", "0"], first_row  # mark, then its count
        for button in await poll.locator(".kb-button").all():  # none is cut off
            assert await button.evaluate("(b) => b.scrollWidth <= b.clientWidth + 1")
        await page.screenshot(path=str(tmp_path / "arabic-poll.png"))

        await write(page, "/help")
        await expect(bot_messages(page).last).to_contain_text("/forgetme")
        await assert_right_aligned(bot_messages(page).last)
        slashes = await bot_messages(page).last.locator(".text").evaluate(SLASHES_FIRST)
        assert len(slashes) >= 11 and all(slashes), slashes  # "/help", never "help/"
        await page.screenshot(path=str(tmp_path / "arabic-help.png"))

        await write(page, "/mygroups")
        await expect(bot_messages(page).last).to_contain_text("Bildung")
        await assert_right_aligned(bot_messages(page).last)
        await page.screenshot(path=str(tmp_path / "arabic-mygroups.png"))
        await browser.close()
    if target := os.environ.get("GREMIUM_SANDBOX_SCREENSHOTS"):
        for name in ("arabic-poll.png", "arabic-help.png", "arabic-mygroups.png"):
            await asyncio.to_thread(shutil.copy, tmp_path / name, Path(target) / name)

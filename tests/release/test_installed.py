"""The built release, installed outside the checkout, as a user runs it: `gremium --version`,
`gremium db upgrade`, `gremium run` against the emulator greeting members in all six languages,
`gremium sandbox` serving its page, and a missing catalogue refused at start.

`make test-release` runs these (CI does, in .ci/run); `make test` leaves them out (marker
``release``): building and installing takes about a minute.
"""

from __future__ import annotations

import asyncio
import re
import socket
import sqlite3
import subprocess
import time
import tomllib
import urllib.request
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from domain.i18n import SUPPORTED_LANGUAGES, Translator
from handlers.texts import welcome
from sandbox.emulator import Emulator, UserHandle
from sandbox.page.server import STATIC
from storage.migrate import head_revision
from tests.release.conftest import ROOT, Installed

pytestmark = pytest.mark.release

ORGANISATION = "Integrationskonferenz Herne"
GROUP = "Bildung"
#: One member per language, each with that language set in Telegram.
PEOPLE = {"de": "Dana", "en": "Eli", "tr": "Tuna", "ar": "Amal", "uk": "Olena", "ru": "Roma"}
CATALOGUES = Translator("de")


def _config(home: Path, name: str, *, api_root: str, token: str) -> Path:
    path = home / name
    path.write_text(
        f"""
[telegram]
token = "{token}"
api_root = "{api_root}"
timeout = 5

[storage]
data_dir = "{home / name.removesuffix(".toml")}"

[organisation]
name = "{ORGANISATION}"

[outbox]
quiet_hours_start = "00:00"
quiet_hours_end = "00:00"

[[groups]]
slug = "bildung"
name = "{GROUP}"
""",
        encoding="utf-8",
    )
    (home / name.removesuffix(".toml")).mkdir(exist_ok=True)
    return path


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


async def _until(check: Callable[[], bool], what: str, log: Path, timeout: float = 30) -> None:
    for _ in range(int(timeout * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; the bot's log:\n{_text(log)}")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


@asynccontextmanager
async def _running_bot(installed: Installed, emu: Emulator, log: Path) -> AsyncIterator[Path]:
    """The installed `gremium run`, polling the emulator; stopped with SIGTERM afterwards."""
    config = _config(installed.home, "run.toml", api_root=emu.api_root, token=emu.token)
    with log.open("w") as out:
        process = await asyncio.create_subprocess_exec(
            str(installed.bin / "gremium"),
            "run",
            "--config",
            str(config),
            cwd=installed.home,
            env=installed.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        await _until(lambda: emu.core.poll_generation > 0, "the bot to poll", log)
        yield config
    finally:
        if process.returncode is None:
            process.terminate()
        assert await asyncio.wait_for(process.wait(), 30) == 0, _text(log)


async def _greeted_in_own_language(user: UserHandle, code: str, log: Path) -> None:
    """/start, agree, /groups: each answer in ``code``."""
    lang = CATALOGUES.get(code)
    english = CATALOGUES.get("en")
    hello = welcome(lang, first_name=PEOPLE[code], organisation=ORGANISATION)
    header = _plain(lang._("<b>Working groups</b>"))
    join = "➕ " + lang._("Join {group}", group=GROUP)
    agree = "✅ " + lang._("I agree")
    if code != "en":  # the expectations themselves are translated, so English would fail them
        assert hello != welcome(english, first_name=PEOPLE[code], organisation=ORGANISATION)
        assert join != "➕ " + english._("Join {group}", group=GROUP)

    await user.send("/start")
    await _until(lambda: bool(user.bot_messages), f"the greeting for {code}", log)
    greeting = user.bot_messages[0]
    assert greeting.text.startswith(hello), (code, greeting.text)
    assert greeting.button_labels == [agree]
    await user.press(agree)
    await _until(lambda: len(user.bot_messages) >= 2, f"the consent answer for {code}", log)
    await user.send("/groups")
    await _until(lambda: len(user.bot_messages) >= 3, f"the /groups answer for {code}", log)
    groups = user.bot_messages[2]
    assert groups.text.startswith(header), (code, groups.text)
    assert groups.button_labels == [join]


def test_version_is_the_one_in_pyproject(installed: Installed) -> None:
    """`gremium --version` prints pyproject's version (planted: a second, hard-coded version
    string in bot/__main__.py; or pyproject's version not bumped in the wheel)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    done = installed.run("--version")
    assert (done.returncode, done.stdout) == (0, f"gremium {project['version']}\n")
    assert installed.wheel.name == f"gremium-{project['version']}-py3-none-any.whl"


def test_example_config_is_shipped(installed: Installed) -> None:
    """`gremium example-config` prints the commented example, which loads once a token is set
    (planted: example.toml left out of the package data)."""
    done = installed.run("example-config")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (ROOT / "config.example.toml").read_text(encoding="utf-8")
    (installed.home / "example.toml").write_text(done.stdout, encoding="utf-8")
    env = {**installed.env(), "GREMIUM_TOKEN": "1:a", "GREMIUM_API_ROOT": "http://127.0.0.1:9"}
    checked = subprocess.run(
        [str(installed.bin / "gremium"), "--config", "example.toml", "run"],
        cwd=installed.home,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 4, checked.stderr  # the settings are fine; the server is not


def test_db_upgrade_migrates_quietly(installed: Installed) -> None:
    """`gremium db upgrade` brings a new database to the newest revision: one log line saying
    so, one line of result (planted: the migrations left out of the package data; Alembic's
    INFO lines back)."""
    config = _config(installed.home, "upgrade.toml", api_root="http://127.0.0.1:9", token="1:a")
    done = installed.run("db", "upgrade", "--config", str(config))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == f"database is at revision {head_revision()}"
    assert [line.split(" ", 2)[2] for line in lines[:-1]] == [
        f"INFO storage.migrations: migrating the database from empty to {head_revision()}"
    ]
    assert done.stderr == ""


async def test_installed_bot_speaks_all_six_languages(installed: Installed) -> None:
    """Members whose Telegram speaks de, en, tr, ar, uk or ru get the greeting and the /groups
    buttons in their language; the database is migrated (planted: the catalogues left out of
    the wheel, so everyone got English; and the old silent fall-back to English)."""
    emu = Emulator()
    await emu.start()
    log = installed.home / "run.log"
    try:
        async with _running_bot(installed, emu, log) as config:
            for number, code in enumerate(SUPPORTED_LANGUAGES):
                user = emu.user(7001 + number, PEOPLE[code], language_code=code)
                await _greeted_in_own_language(user, code, log)
    finally:
        await emu.stop()
    output = log.read_text()
    assert "Traceback" not in output
    assert " WARNING " not in output and " ERROR " not in output, output
    assert "alembic" not in output, output
    database = config.parent / "run" / "gremium.db"
    with sqlite3.connect(database) as db:
        assert db.execute("select version_num from alembic_version").fetchall() == [
            (head_revision(),)
        ]
        members = db.execute("select telegram_id, language from member order by telegram_id")
        assert members.fetchall() == [(7001 + i, c) for i, c in enumerate(SUPPORTED_LANGUAGES)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def test_installed_sandbox_serves_its_page(installed: Installed) -> None:
    """`gremium sandbox` serves the page and its assets (planted: *.js left out of the
    package data)."""
    port = _free_port()
    log = installed.home / "sandbox.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(installed.bin / "gremium"), "sandbox", "--port", str(port)],
            cwd=installed.home,
            env=installed.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    root = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                status, page = _get(root + "/")
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                time.sleep(0.1)
        else:
            raise AssertionError(f"the sandbox did not answer:\n{log.read_text()}")
        assert status == 200
        assert '<script src="/static/app.js"' in page
        for asset in STATIC:  # every asset the page server knows
            assert _get(f"{root}/static/{asset}")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_missing_catalogue_stops_the_start(installed: Installed) -> None:
    """A language without its catalogue is one line at start and exit code 3, before anything
    else (planted: the old warning and English instead)."""
    site = next((installed.bin.parent / "lib").glob("python3*/site-packages"))
    catalogue = site / "domain" / "locales" / "tr" / "LC_MESSAGES" / "gremium.po"
    aside = catalogue.with_suffix(".aside")
    config = _config(installed.home, "broken.toml", api_root="http://127.0.0.1:9", token="1:a")
    catalogue.rename(aside)
    try:
        done = installed.run("run", "--config", str(config))
    finally:
        aside.rename(catalogue)
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        "gremium: broken installation: no catalogue for language tr: looked for gremium.mo "
        f"and gremium.po in {catalogue.parent}"
    ]

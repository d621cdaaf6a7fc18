"""The first start: each newcomer's mistake ends in one clear line and a non-zero exit code."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.__main__ import EXIT_CONFIG, EXIT_UNREACHABLE, main
from bot.config import ConfigError, load_settings
from bot.logs import HANDLER_NAME
from bot.preflight import check_bot_api
from domain.i18n import SUPPORTED_LANGUAGES, MissingCatalogue, Translator
from sandbox.emulator import Emulator
from storage.migrate import head_revision

TOKEN = "123456:ABC-def_ghi"
LOCALES = Path(__file__).resolve().parents[2] / "locales"


@pytest.fixture(autouse=True)
def _forget_log_handler() -> Iterator[None]:
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The Bot API emulator on its own event loop in a thread (``main`` runs its own loop)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    emu = Emulator()
    asyncio.run_coroutine_threadsafe(emu.start(), loop).result(10)
    yield emu
    asyncio.run_coroutine_threadsafe(emu.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def _config(tmp_path: Path, api_root: str, token: str = TOKEN, level: str = "INFO") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\ntoken = "{token}"\napi_root = "{api_root}"\ntimeout = 5\n'
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n[logging]\nlevel = "{level}"\n'
    )
    return path


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_missing_config_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--config nope.toml` says the file is missing (planted: a missing file read as empty,
    which went on to "no bot token")."""
    monkeypatch.setenv("GREMIUM_TOKEN", TOKEN)
    missing = tmp_path / "nope.toml"
    assert main(["run", "--config", str(missing)]) == EXIT_CONFIG
    assert capsys.readouterr().err.splitlines() == [
        f"gremium: configuration error in {missing}: no such configuration file. "
        f"`gremium example-config > {missing}` writes a commented example to start from; to "
        "try Gremium without Telegram: gremium sandbox (in a checkout: make sandbox)"
    ]


def test_example_config_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    """`gremium example-config` prints config.example.toml, shipped inside the package."""
    assert main(["example-config"]) == 0
    assert capsys.readouterr().out == (LOCALES.parent / "config.example.toml").read_text()


def test_without_config_the_environment_is_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --config and no ./config.toml: the settings come from GREMIUM_* alone."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GREMIUM_TOKEN", TOKEN)
    monkeypatch.setenv("GREMIUM_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "g.db").exists()


def test_unreachable_bot_api_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing listens at api_root: one line naming it and what to check, exit 4, no
    traceback (planted: no check before start, so PTB's retries printed tracebacks)."""
    root = f"http://127.0.0.1:{_closed_port()}"
    assert main(["run", "--config", str(_config(tmp_path, root))]) == EXIT_UNREACHABLE
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"gremium: cannot reach the Bot API server at {root} (Connect call failed "
        f"('127.0.0.1', {root.rsplit(':', 1)[1]})); check telegram.api_root (or "
        "GREMIUM_API_ROOT), the network and any proxy or firewall"
    ]
    assert "Traceback" not in out + err
    assert "Unclosed" not in out + err
    assert not (tmp_path / "data" / "gremium.db").exists()  # stopped before migrating


def test_silent_bot_api_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A server that takes the connection and never answers: one line after the timeout."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        root = f"http://127.0.0.1:{silent.getsockname()[1]}"
        config = _config(tmp_path, root)
        config.write_text(config.read_text().replace("timeout = 5", "timeout = 0.5"))
        assert main(["run", "--config", str(config)]) == EXIT_UNREACHABLE
    assert capsys.readouterr().err.splitlines() == [
        f"gremium: cannot reach the Bot API server at {root} (no answer within 0.5 s); check "
        "telegram.api_root (or GREMIUM_API_ROOT), the network and any proxy or firewall"
    ]


def test_refused_token_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], emulator: Emulator
) -> None:
    """A token the server does not know: one line, the token not shown, exit 4."""
    config = _config(tmp_path, emulator.api_root, token="999:WRONG")
    assert main(["run", "--config", str(config)]) == EXIT_UNREACHABLE
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"gremium: the Bot API server at {emulator.api_root} refused the bot token (401 "
        "Unauthorized); check telegram.token (or GREMIUM_TOKEN): copy it again from @BotFather"
    ]
    assert "999:WRONG" not in out + err
    assert "Traceback" not in out


def test_details_only_at_debug(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With [logging] level = "DEBUG" the traceback of the failed request is logged, token
    redacted; at INFO it is not (see the test above)."""
    root = f"http://127.0.0.1:{_closed_port()}"
    assert main(["run", "--config", str(_config(tmp_path, root, level="DEBUG"))]) == 4
    out, err = capsys.readouterr()
    assert f"DEBUG bot.preflight: getMe at {root} failed" in out
    assert "Traceback" in out
    assert TOKEN not in out + err
    assert len(err.splitlines()) == 1


async def test_preflight_names_the_bot() -> None:
    """The right token at the emulator: the bot's username comes back."""
    async with Emulator() as emu:
        assert await check_bot_api(emu.api_root, emu.token, 5) == "gremium_bot"


def test_no_alembic_chatter_at_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`gremium db upgrade` at INFO prints its one line, none of Alembic's (planted: Alembic's
    logger left at INFO, seven "setup plugin" lines and one per migration)."""
    config = _config(tmp_path, "https://api.telegram.org")
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    head = head_revision()
    assert lines[-1] == f"database is at revision {head}"
    assert [line.split(" ", 2)[2] for line in lines[:-1]] == [
        f"INFO storage.migrations: migrating the database from empty to {head}"
    ]
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"database is at revision {head}"]


@pytest.mark.parametrize("written", ["2026-11-17", '"2026-11-17"', '" 2026-11-17 "'])
def test_dates_quoted_or_not(tmp_path: Path, written: str) -> None:
    """`last_meeting` as a TOML date or the same date quoted (planted: the strict TOML-date
    check that refused "2026-11-17")."""
    path = tmp_path / "c.toml"
    path.write_text(f"[cadence]\nlast_meeting = {written}\n")
    settings = load_settings(path, env={"GREMIUM_TOKEN": TOKEN})
    assert settings.cadence_counted_from == date(2026, 11, 17)


@pytest.mark.parametrize("written", ['"17.11.2026"', '"2026-02-30"', "2026-11-17T10:00:00", "5"])
def test_other_dates_are_refused(tmp_path: Path, written: str) -> None:
    """Anything else is refused, naming the key."""
    path = tmp_path / "c.toml"
    path.write_text(f"[cadence]\nlast_meeting = {written}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={"GREMIUM_TOKEN": TOKEN})
    assert (info.value.key, info.value.problem) == (
        "cadence.last_meeting",
        "must be a date like 2026-11-17",
    )


@pytest.mark.parametrize(("written", "expected"), [("", "sie"), ('"sie"', "sie"), ('"du"', "du")])
def test_german_address(tmp_path: Path, written: str, expected: str) -> None:
    """`[organisation] german_address`: formal "sie" unless "du" is chosen."""
    path = tmp_path / "c.toml"
    path.write_text(f"[organisation]\n{'german_address = ' + written if written else ''}\n")
    assert load_settings(path, env={"GREMIUM_TOKEN": TOKEN}).german_address == expected


def test_german_address_is_checked(tmp_path: Path) -> None:
    """Any other form of address names the key and the two choices."""
    path = tmp_path / "c.toml"
    path.write_text('[organisation]\ngerman_address = "ihr"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={"GREMIUM_TOKEN": TOKEN})
    assert (info.value.key, info.value.problem) == (
        "organisation.german_address",
        'must be "sie" or "du"',
    )


def test_a_missing_catalogue_is_an_error(tmp_path: Path) -> None:
    """A supported language without a catalogue raises, naming it and the folder (planted:
    the old warning and English instead)."""
    for code in SUPPORTED_LANGUAGES:
        if code != "uk":
            target = tmp_path / code / "LC_MESSAGES"
            target.mkdir(parents=True)
            po = LOCALES / code / "LC_MESSAGES" / "gremium.po"
            (target / "gremium.po").write_bytes(po.read_bytes())
    translator = Translator("de", locale_dir=tmp_path)
    assert translator.get("tr")._("I agree") != "I agree"
    with pytest.raises(MissingCatalogue) as info:
        translator.load_all()
    assert str(info.value) == (
        f"no catalogue for language uk: looked for gremium.mo and gremium.po in "
        f"{tmp_path / 'uk' / 'LC_MESSAGES'}"
    )
    with pytest.raises(MissingCatalogue):
        translator.get("uk")


def test_the_packaged_catalogues_are_the_checkouts() -> None:
    """The catalogues are read from inside the package; there they are the checkout's."""
    from domain.i18n import DEFAULT_LOCALE_DIR

    assert DEFAULT_LOCALE_DIR.parts[-2:] == ("domain", "locales")
    assert DEFAULT_LOCALE_DIR.resolve() == LOCALES.resolve()
    Translator().load_all()

"""Configuration: the example file loads; every mistake names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]
TOKEN = {"GREMIUM_TOKEN": "123456:ABC-def_ghi"}


def test_example_config_loads_with_token_from_environment() -> None:
    """config.example.toml is valid; the token comes from the environment."""
    settings = load_settings(ROOT / "config.example.toml", env=TOKEN)
    assert settings.token == "123456:ABC-def_ghi"
    assert settings.timezone.key == "Europe/Berlin"
    assert settings.default_language == "de"
    assert settings.german_address == "sie"
    assert [g.slug for g in settings.groups] == [
        "ausbildung-arbeit",
        "bildung",
        "gesundheit",
        "kultur",
        "wohnen",
        "interkulturelle-oeffnung",
    ]
    assert settings.database_url == "sqlite+aiosqlite:///data/gremium.db"
    assert settings.bot_base_url == "https://api.telegram.org/bot"
    assert (settings.inactive_member_months, settings.vote_retention_months) == (12, 6)


def test_environment_overrides_file(tmp_path: Path) -> None:
    """GREMIUM_DATABASE_URL and GREMIUM_API_ROOT win over the file."""
    path = tmp_path / "c.toml"
    path.write_text('[telegram]\ntoken = "1:file"\napi_root = "http://127.0.0.1:1"\n')
    settings = load_settings(
        path,
        env={
            "GREMIUM_API_ROOT": "http://127.0.0.1:8081/",
            "GREMIUM_DATABASE_URL": "postgresql+asyncpg://u@h/db",
        },
    )
    assert settings.token == "1:file"
    assert settings.bot_base_url == "http://127.0.0.1:8081/bot"
    assert settings.database_url == "postgresql+asyncpg://u@h/db"


@pytest.mark.parametrize(
    ("content", "key", "fragment"),
    [
        ("", "telegram.token", "@BotFather"),
        ('[telegram]\ntoken = "nonsense"', "telegram.token", "does not look like"),
        ('[telegram]\ntoken = "1:a"\ncolour = "red"', "telegram.colour", "unknown key"),
        ('[telegrm]\ntoken = "1:a"', "telegrm", "unknown section"),
        (
            '[telegram]\ntoken = "1:a"\n[organisation]\ntimezone = "Mars/Base"',
            "organisation.timezone",
            "not a time zone",
        ),
        (
            '[telegram]\ntoken = "1:a"\n[organisation]\ndefault_language = "fr"',
            "organisation.default_language",
            "not supported",
        ),
        (
            '[telegram]\ntoken = "1:a"\n[organisation]\ngerman_address = "ihr"',
            "organisation.german_address",
            'must be "sie" or "du"',
        ),
        (
            '[telegram]\ntoken = "1:a"\n[organisation]\nadmins = ["bob"]',
            "organisation.admins",
            "not a Telegram user id",
        ),
        ('[telegram]\ntoken = "1:a"\n[webhook]\nport = "80"', "webhook.port", "whole number"),
        ('[telegram]\ntoken = "1:a"\nmode = "push"', "telegram.mode", "polling"),
        (
            '[telegram]\ntoken = "1:a"\n[database]\nurl = "mysql://x"',
            "database.url",
            "sqlite+aiosqlite",
        ),
        (
            '[telegram]\ntoken = "1:a"\n[[groups]]\nslug = "Bad Slug"\nname = "X"',
            "groups[0].slug",
            "a-z",
        ),
        (
            '[telegram]\ntoken = "1:a"\n[[groups]]\nslug = "a"\nname = "A"\n[[groups]]\nslug = "a"\nname = "B"',
            "groups[1].slug",
            "used twice",
        ),
        ('[telegram]\ntoken = "1:a"\nmode = "webhook"', "webhook.url", "https"),
        ("[telegram\ntoken = 1", "", "not valid TOML"),
        (
            '[telegram]\ntoken = "1:a"\n[privacy]\ninactive_member_months = 0',
            "privacy.inactive_member_months",
            "from 1 to 120",
        ),
        (
            '[telegram]\ntoken = "1:a"\n[privacy]\nvote_retention_months = "six"',
            "privacy.vote_retention_months",
            "whole number",
        ),
        # [cadence] is checked even when no group uses it yet.
        ('[telegram]\ntoken = "1:a"\n[cadence]\ntime = "16-19"', "cadence.time", "16:00-19:00"),
        ('[telegram]\ntoken = "1:a"\n[cadence]\nmeetings_per_year = 0', "cadence", "between 1"),
        (
            '[telegram]\ntoken = "1:a"\n[cadence]\nlast_meeting = "17.11."',
            "cadence.last_meeting",
            "2026-11-17",
        ),
        ("telegram = 5", "telegram", "must be a table, like [telegram]"),
        ('[telegram]\ntoken = "1:a"\ntimeout = true', "telegram.timeout", "must be a number"),
        (
            '[telegram]\ntoken = "1:a"\n[[groups]]\nslug = "a"\nname = "A"\nfloor = 2',
            "groups[0].floor",
            "unknown key",
        ),
        ('groups = [5]\n[telegram]\ntoken = "1:a"', "groups[0]", "a table with slug and name"),
        ('[telegram]\ntoken = "1:a"\n[outbox]\nrate = 100', "outbox.rate", "at most 30"),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, content: str, key: str, fragment: str) -> None:
    """Each mistake raises ConfigError naming the key and what is wrong."""
    path = tmp_path / "config.toml"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert info.value.key == (key or str(path))
    assert fragment in info.value.problem


def test_cli_prints_one_line_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gremium run` with a broken config exits 2 with one clear line."""
    monkeypatch.delenv("GREMIUM_TOKEN", raising=False)
    path = tmp_path / "config.toml"
    path.write_text('[organisation]\ntimezone = "Nowhere/Town"\n[telegram]\ntoken = "1:a"\n')
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        'gremium: configuration error in organisation.timezone: "Nowhere/Town" is not a time '
        'zone (try "Europe/Berlin")'
    ]


@pytest.mark.parametrize(("written", "address"), [("", "sie"), ('german_address = "du"', "du")])
def test_german_address_is_sie_unless_du_is_chosen(
    tmp_path: Path, written: str, address: str
) -> None:
    """Without the key German is formal; "du" chooses the informal catalogue."""
    path = tmp_path / "config.toml"
    path.write_text(f'[telegram]\ntoken = "1:a"\n[organisation]\n{written}\n')
    assert load_settings(path, env={}).german_address == address

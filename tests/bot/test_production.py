"""Production settings: log formats, the cluster check, and the backup commands' messages."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import ConfigError, load_settings
from bot.logs import HANDLER_NAME, configure_logging

TOKEN = "123456:ABC-def_ghi"


def _settings(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[telegram]\ntoken = "{TOKEN}"\n{body}')
    return path


def test_defaults_and_chosen_values(tmp_path: Path) -> None:
    """Text logs and a 5 s check unless configured otherwise."""
    assert load_settings(_settings(tmp_path, ""), env={}).log_format == "text"
    settings = load_settings(
        _settings(tmp_path, '[logging]\nformat = "json"\n[cluster]\ncheck_seconds = 2\n'), env={}
    )
    assert (settings.log_format, settings.leader_check_seconds) == ("json", 2.0)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[logging]\nformat = "xml"\n', "logging.format"),
        ("[cluster]\ncheck_seconds = 0\n", "cluster.check_seconds"),
        ("[cluster]\ncheck_seconds = 30\n", "cluster.check_seconds"),
        ('[cluster]\nlock = "x"\n', "cluster.lock"),
    ],
)
def test_mistakes_name_their_key(tmp_path: Path, body: str, key: str) -> None:
    """A wrong log format or check interval names its key."""
    with pytest.raises(ConfigError) as info:
        load_settings(_settings(tmp_path, body), env={})
    assert info.value.key == key


def _forget_handler() -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)


def _log_line(fmt: str) -> str:
    stream = io.StringIO()
    configure_logging("INFO", fmt, secrets=[TOKEN], stream=stream)
    log = logging.getLogger("gremium.test")
    try:
        raise ValueError(f"bad request to /bot{TOKEN}/sendMessage")
    except ValueError:
        log.exception("outbox: delivery %s failed", 12)
    _forget_handler()
    return stream.getvalue()


def test_json_logs_are_one_object_per_line_without_the_token() -> None:
    """JSON: one line per event, the traceback inside it, the token replaced."""
    out = _log_line("json")
    assert out.count("\n") == 1
    event = json.loads(out)
    assert event["level"] == "ERROR"
    assert event["logger"] == "gremium.test"
    assert event["msg"] == "outbox: delivery 12 failed"
    assert "ValueError: bad request to /bot[secret]/sendMessage" in event["exc"]
    assert TOKEN not in out


def test_keyvalue_logs_are_one_line_with_quoted_values() -> None:
    """key=value: one line, values with spaces quoted, newlines escaped, the token replaced."""
    out = _log_line("keyvalue")
    assert out.count("\n") == 1
    assert ' level=ERROR logger=gremium.test msg="outbox: delivery 12 failed" exc="' in out
    assert out.startswith("ts=")
    assert "\\n" in out
    assert TOKEN not in out


def test_text_logs_redact_the_token() -> None:
    """Text: the familiar format, the token replaced here too."""
    out = _log_line("text")
    assert " ERROR gremium.test: outbox: delivery 12 failed\n" in out
    assert TOKEN not in out


def test_backup_on_postgresql_names_pg_dump(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`gremium db backup` on PostgreSQL says how pg_dump does it, without the password."""
    config = _settings(
        tmp_path, '[database]\nurl = "postgresql+asyncpg://gremium:pw@db.example/gremium"\n'
    )
    assert main(["db", "backup", "/var/backups/g.dump", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "pg_dump --format=custom --file=/var/backups/g.dump" in err
    assert "'postgresql://gremium@db.example/gremium'" in err
    assert "pw" not in err.replace("pwd", "")
    _forget_handler()


def test_backup_and_restore_commands_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`gremium db backup` then `restore` on SQLite; a missing database is a clear error."""
    config = _settings(tmp_path, f'[storage]\ndata_dir = "{tmp_path / "data"}"\n')
    assert main(["db", "backup", str(tmp_path / "b.db"), "--config", str(config)]) == 1
    assert "there is no database at" in capsys.readouterr().err
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert main(["db", "backup", str(tmp_path / "b.db"), "--config", str(config)]) == 0
    assert "backup written to" in capsys.readouterr().out
    assert main(["db", "restore", str(tmp_path / "b.db"), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "restored" in out
    assert "gremium.db.before-restore" in out
    _forget_handler()


def test_the_production_example_loads() -> None:
    """deploy/config.production.toml is valid: webhook mode, JSON logs, secrets from the env."""
    root = Path(__file__).resolve().parents[2]
    env = {
        "GREMIUM_TOKEN": TOKEN,
        "GREMIUM_DATABASE_URL": "postgresql+asyncpg://gremium:pw@127.0.0.1:5432/gremium",
    }
    settings = load_settings(root / "deploy" / "config.production.toml", env=env)
    assert (settings.mode, settings.log_format) == ("webhook", "json")
    assert settings.webhook.url == "https://gremium.example.org"
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert len(settings.groups) == 6
    unit = (root / "deploy" / "gremium.service").read_text()
    assert "ExecStart=/opt/gremium/.venv/bin/gremium run --config /etc/gremium/config.toml" in unit
    assert "EnvironmentFile=/etc/gremium/gremium.env" in unit

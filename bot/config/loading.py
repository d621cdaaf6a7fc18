"""Reading the configuration: TOML file, then ``GREMIUM_*`` overrides, then the schema."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError

from bot.config.errors import ConfigError, from_validation
from bot.config.groups import initial_groups
from bot.config.schema import ConfigFile, Outbox, Webhook
from bot.config.settings import GermanAddress, Settings, WebhookSettings

SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
#: Environment variables that win over the file: variable -> (section, key).
OVERRIDES = {
    "GREMIUM_TOKEN": ("telegram", "token"),
    "GREMIUM_API_ROOT": ("telegram", "api_root"),
    "GREMIUM_DATABASE_URL": ("database", "url"),
}


def load_settings(path: Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """Read ``path`` (None: no file), apply ``GREMIUM_*`` overrides and validate."""
    env = os.environ if env is None else env
    raw = read_toml(path) if path is not None else {}
    for variable, (section, key) in OVERRIDES.items():
        if env.get(variable) and isinstance(raw.setdefault(section, {}), dict):
            raw[section][key] = env[variable]
    try:
        config = ConfigFile.model_validate(raw)
    except ValidationError as exc:
        raise from_validation(exc, ConfigFile) from None
    return to_settings(config)


def read_toml(path: Path) -> dict[str, Any]:
    """The file's tables; a missing or unreadable file is a :class:`ConfigError` naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            str(path),
            f"no such configuration file. `gremium example-config > {path}` writes a commented "
            "example to start from; to try Gremium without Telegram: gremium sandbox "
            "(in a checkout: make sandbox)",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"cannot be read ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"is not valid TOML ({exc})") from None


def example_config() -> str:
    """The commented example configuration shipped with the package."""
    return files("bot.config").joinpath("example.toml").read_text(encoding="utf-8")


def to_settings(config: ConfigFile) -> Settings:
    """The checked file as :class:`Settings`, after the checks that span several keys."""
    tg, org, out, polls = config.telegram, config.organisation, config.outbox, config.polls
    data_dir = Path(config.storage.data_dir)
    return Settings(
        token=tg.token,
        database_url=config.database.url or f"sqlite+aiosqlite:///{data_dir / 'gremium.db'}",
        api_root=tg.api_root,
        mode=tg.mode,
        request_timeout=tg.timeout,
        webhook=_webhook(config.webhook, tg.mode),
        timezone=org.timezone,
        default_language=org.default_language,
        german_address=cast(GermanAddress, org.german_address),
        organisation_name=org.name,
        organisation_contact=org.contact,
        privacy_version=org.privacy_version,
        admins=frozenset(org.admins),
        groups=initial_groups(config.groups, config.cadence),
        data_dir=data_dir,
        log_level=config.logging.level,
        log_format=config.logging.format,
        leader_check_seconds=config.cluster.check_seconds,
        outbox_rate=_rate(out),
        per_chat_interval=out.per_chat_interval,
        paid_broadcast=out.paid_broadcast,
        quiet_hours=(out.quiet_hours_start, out.quiet_hours_end),
        holiday_state=polls.holiday_state,
        community_holidays=tuple(polls.community_holidays),
        tally_edit_seconds=polls.tally_edit_seconds,
        cadence_counted_from=config.cadence.last_meeting,
        inactive_member_months=config.privacy.inactive_member_months,
        vote_retention_months=config.privacy.vote_retention_months,
    )


def _webhook(hook: Webhook, mode: str) -> WebhookSettings:
    if mode == "webhook":
        if not hook.url.startswith(("https://", "http://127.")):
            raise ConfigError("webhook.url", "must be the public https:// URL Telegram calls")
        if not SECRET_RE.fullmatch(hook.secret_token):
            raise ConfigError(
                "webhook.secret_token", "must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )
    return WebhookSettings(**hook.model_dump())


def _rate(outbox: Outbox) -> float:
    limit = 1000 if outbox.paid_broadcast else 30
    if not 0 < outbox.rate <= limit:
        raise ConfigError("outbox.rate", f"must be more than 0 and at most {limit} messages/s")
    return outbox.rate

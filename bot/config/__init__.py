"""Settings: read from TOML, overridden by the environment, checked before anything starts.

- :mod:`bot.config.settings`: the :class:`Settings` the rest of the bot is handed;
- :mod:`bot.config.schema`: the file's shape, one pydantic model per section;
- :mod:`bot.config.values`: the checks of single values;
- :mod:`bot.config.groups`: the initial groups and their meeting rhythms;
- :mod:`bot.config.loading`: file + environment -> schema -> :class:`Settings`;
- :mod:`bot.config.errors`: :class:`ConfigError`, one line naming the key.
"""

from bot.config.errors import ConfigError
from bot.config.loading import OVERRIDES, example_config, load_settings
from bot.config.settings import (
    DEFAULT_API_ROOT,
    GermanAddress,
    InitialGroup,
    Settings,
    WebhookSettings,
)
from bot.config.values import COMMUNITY_CALENDARS, LOG_FORMATS, TOKEN_RE

__all__ = [
    "COMMUNITY_CALENDARS",
    "DEFAULT_API_ROOT",
    "LOG_FORMATS",
    "OVERRIDES",
    "TOKEN_RE",
    "ConfigError",
    "GermanAddress",
    "InitialGroup",
    "Settings",
    "WebhookSettings",
    "example_config",
    "load_settings",
]

"""Configuration errors: one line that names the key and says what is wrong."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the key and what is wrong."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


#: What a value of the wrong type should have been, by pydantic's error type.
EXPECTED = {
    "string_type": "a string",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
}
#: Errors of shape (a wrong type, an unknown key) are reported before wrong values.
SHAPE = {"extra_forbidden", "model_type", "dict_type", *EXPECTED}


def dotted(loc: Iterable[int | str]) -> str:
    """``("groups", 1, "slug")`` as ``groups[1].slug``."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else part)
    return key


def from_validation(exc: ValidationError, model: type[BaseModel]) -> ConfigError:
    """The first problem pydantic found, as a :class:`ConfigError` that names its key."""
    errors = exc.errors()
    first = min(errors, key=lambda e: (e["type"] not in SHAPE, errors.index(e)))
    return ConfigError(dotted(first["loc"]), _problem(first, model))


def _problem(error: ErrorDetails, model: type[BaseModel]) -> str:
    kind, loc = error["type"], error["loc"]
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind == "list_type" and loc == ("groups",):
        return "must be a list of [[groups]] tables"
    if kind in EXPECTED:
        return f"must be {EXPECTED[kind]}"
    if kind == "extra_forbidden":
        known = ", ".join(sorted(_fields_at(model, loc[:-1])))
        return f"unknown {'section' if len(loc) == 1 else 'key'} (known: {known})"
    if kind in ("model_type", "dict_type"):
        if loc and loc[0] == "groups":
            return "must be a table with slug and name"
        return f"must be a table, like [{dotted(loc)}]"
    return str(error["msg"])


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> Mapping[str, Any]:
    """The fields of the model found at ``loc`` (list indexes step into the item type)."""
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        args = getattr(annotation, "__args__", ())
        model = next(
            a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)
        )
    return model.model_fields

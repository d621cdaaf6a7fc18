"""The Bot API as data: methods, object types and their fields, read from ``api.json``.

``api.json`` has the format of PaulSonOfLars/telegram-bot-api-spec:
``methods{name: {fields, returns}}`` and ``types{name: {fields, subtypes}}``. A field's
constant value ("always “creator”", "must be chat", "Always 0") is read from its description;
it tells the subtypes of an abstract type apart. :mod:`.spec` checks values against this data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_CONST_PATTERNS = (
    re.compile(r"always [“\"]([^”\"]+)[”\"]"),
    re.compile(r"must be ([a-z_]+)$"),
)
_CONST_INT = re.compile(r"^Always (\d+)\b")


@dataclass(frozen=True)
class UploadedFile:
    """A file sent in a multipart request: what the spec calls ``InputFile``."""

    file_name: str
    mime_type: str
    content: bytes


@dataclass(frozen=True)
class Field:
    """A method parameter or an object field."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class TypeSpec:
    """An object type: its fields, or the subtypes of an abstract type."""

    name: str
    fields: Mapping[str, Field] = field(default_factory=dict)
    subtypes: tuple[str, ...] = ()
    consts: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class MethodSpec:
    """A method: its parameters and what it returns."""

    name: str
    params: Mapping[str, Field]
    returns: tuple[str, ...]


def parse_field(entry: Mapping[str, Any]) -> Field:
    """A Field from one spec entry ``{name, types, required}``."""
    return Field(str(entry["name"]), tuple(entry["types"]), bool(entry.get("required", False)))


def _consts(fields: Iterable[Mapping[str, Any]]) -> dict[str, object]:
    found: dict[str, object] = {}
    for entry in fields:
        description = str(entry.get("description", ""))
        types = tuple(entry.get("types", ()))
        if types == ("Integer",) and (number := _CONST_INT.search(description)):
            found[str(entry["name"])] = int(number.group(1))
        elif types == ("String",):
            for pattern in _CONST_PATTERNS:
                if match := pattern.search(description):
                    found[str(entry["name"])] = match.group(1)
                    break
    return found


def read_schema(data: Mapping[str, Any]) -> tuple[dict[str, MethodSpec], dict[str, TypeSpec]]:
    """The methods and types of the parsed ``api.json`` structure."""
    methods = {
        name: MethodSpec(
            name,
            {f["name"]: parse_field(f) for f in entry.get("fields", [])},
            tuple(entry.get("returns", ())),
        )
        for name, entry in data["methods"].items()
    }
    types = {
        name: TypeSpec(
            name,
            {f["name"]: parse_field(f) for f in entry.get("fields", [])},
            tuple(entry.get("subtypes", ())),
            _consts(entry.get("fields", [])),
        )
        for name, entry in data["types"].items()
    }
    return methods, types

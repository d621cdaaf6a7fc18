"""Reading a Bot API request: query string, form, JSON or multipart, coerced to typed values.

Like Telegram, every transport is accepted and values sent as text (forms, query strings,
multipart fields) are read by the parameter's documented type; complex values arrive as JSON
text. An empty value counts as absent. ``attach://name`` refers to a multipart file part.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from sandbox.emulator.errors import ApiError, bad_request
from sandbox.emulator.schema import UploadedFile
from sandbox.emulator.spec import SpecValidator

_INTEGER = re.compile(r"[+-]?\d+")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
_SCALAR = {"Integer", "Float", "Boolean", "String", "InputFile"}
_JSON_LABELS = {
    "reply_markup": "reply keyboard markup",
    "reply_parameters": "reply parameters",
    "link_preview_options": "link preview options",
    "commands": "commands",
    "scope": "BotCommandScope",
}
_IGNORED_WHEN_BROKEN = {"entities", "caption_entities", "allowed_updates"}


async def read_params(request: web.Request) -> dict[str, Any]:
    """All parameters of ``request``: strings, parsed JSON values and UploadedFile parts."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.read()
        if body.strip():
            try:
                data = json.loads(body)
            except ValueError as error:
                raise bad_request("can't parse JSON object") from error
            if not isinstance(data, dict):
                raise bad_request("JSON object expected as request body")
            params.update(data)
    elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                with value.file:
                    content = value.file.read()
                params[key] = UploadedFile(value.filename, value.content_type, content)
            else:
                params[key] = value
    return _resolve_attachments(params)


def _resolve_attachments(params: dict[str, Any]) -> dict[str, Any]:
    used: set[str] = set()
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            name = value.removeprefix("attach://")
            part = params.get(name)
            if isinstance(part, UploadedFile):
                params[key] = part
                used.add(name)
    return {k: v for k, v in params.items() if k not in used}


def coerce(validator: SpecValidator, method: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed parameters: text read by the documented type, unknown names kept as they are."""
    spec = validator.method(method)
    typed: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None or value == "":
            continue
        param = spec.params.get(name) if spec is not None else None
        if param is None:
            typed[name] = value
        elif isinstance(value, str):
            parsed = _from_text(name, param.types, value)
            if parsed is not None:
                typed[name] = parsed
        elif (
            param.types == ("String",)
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            typed[name] = str(value)
        else:
            typed[name] = value
    return typed


def _from_text(name: str, types: tuple[str, ...], value: str) -> Any:
    numeric = _INTEGER.fullmatch(value.strip()) is not None
    if "String" in types and not ("Integer" in types and numeric):
        return value
    for type_name in types:
        if type_name == "Integer" and numeric:
            return int(value.strip())
        if type_name == "Float":
            try:
                return float(value)
            except ValueError:
                continue
        if type_name == "Boolean" and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
    if any(t not in _SCALAR for t in types):
        try:
            return json.loads(value)
        except ValueError as error:
            if name in _IGNORED_WHEN_BROKEN:
                return None
            label = _JSON_LABELS.get(name, name)
            raise bad_request(f"can't parse {label} JSON object") from error
    raise bad_request(f"invalid {name} specified")


class Params:
    """Typed access to a call's parameters (already coerced and type-checked)."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def has(self, name: str) -> bool:
        """Whether ``name`` was given."""
        return name in self.values

    def text(self, name: str) -> str | None:
        """A String parameter."""
        value = self.values.get(name)
        return None if value is None else str(value)

    def integer(self, name: str) -> int | None:
        """An Integer parameter."""
        value = self.values.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def flag(self, name: str) -> bool:
        """A Boolean parameter (absent is False)."""
        return self.values.get(name) is True

    def obj(self, name: str) -> dict[str, Any] | None:
        """An object parameter."""
        value = self.values.get(name)
        return value if isinstance(value, dict) else None

    def array(self, name: str) -> list[Any] | None:
        """An Array parameter."""
        value = self.values.get(name)
        return value if isinstance(value, list) else None

    def file(self, name: str) -> UploadedFile | str | None:
        """An ``InputFile or String`` parameter."""
        value = self.values.get(name)
        return value if isinstance(value, UploadedFile | str) else None

    def require(self, name: str, message: str) -> Any:
        """The value of ``name``, or 400 "Bad Request: <message>"."""
        if name not in self.values:
            raise bad_request(message)
        return self.values[name]


def check_types(validator: SpecValidator, method: str, params: Mapping[str, Any]) -> None:
    """400 for wrong types or (with the full spec) unknown names; missing ones are left to the
    method, which answers with Telegram's own wording."""
    issues = [
        i
        for i in validator.call_issues(method, params)
        if not (i.kind == "missing" and i.path.count(".") == 1)
    ]
    if issues:
        raise ApiError(400, "Bad Request: " + "; ".join(str(i) for i in issues[:3]))

"""Check Bot API calls and objects against a machine-readable spec.

``SpecValidator.load(path)`` reads ``api.json`` (see :mod:`.schema` for its format).
``builtin_validator()`` in :mod:`sandbox.emulator.table` builds one from the emulator's own
compact table, so the emulator works without the file.

Type expressions are the spec's: ``Integer``, ``Float``, ``Boolean``, ``String``, ``InputFile``,
a type name, ``Array of X`` (nestable) and unions given as several entries (``Integer or String``).
Abstract types (``ChatMember``, ``BotCommandScope``, ``MaybeInaccessibleMessage`` ...) are matched
against their subtypes; a subtype whose constant field ("always “creator”", "must be chat",
"Always 0") fits the object is preferred, so errors name the subtype that was meant.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.emulator.schema import MethodSpec, TypeSpec, UploadedFile, read_schema


@dataclass(frozen=True)
class Issue:
    """One finding; ``kind`` is "unknown", "missing" or "type"."""

    kind: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Object"
    if isinstance(value, UploadedFile):
        return "InputFile"
    return type(value).__name__


_SCALARS = {"Integer", "Float", "Boolean", "String", "InputFile"}


class SpecValidator:
    """Validates calls, results and objects; ``strict`` also rejects unknown names."""

    def __init__(
        self,
        methods: Mapping[str, MethodSpec],
        types: Mapping[str, TypeSpec],
        *,
        version: str = "",
        strict: bool = True,
    ) -> None:
        self.methods = dict(methods)
        self.types = dict(types)
        self.version = version
        self.strict = strict
        self._by_lower = {name.lower(): spec for name, spec in self.methods.items()}

    @classmethod
    def load(cls, path: str | Path) -> SpecValidator:
        """Read an ``api.json`` file."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls.from_json(data)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SpecValidator:
        """Build from the parsed ``api.json`` structure."""
        methods, types = read_schema(data)
        return cls(methods, types, version=str(data.get("version", "")))

    def method(self, name: str) -> MethodSpec | None:
        """The method named ``name`` (case-insensitive, as Telegram), or None."""
        return self._by_lower.get(name.lower())

    def check_call(self, method: str, params: Mapping[str, Any]) -> list[str]:
        """Problems with calling ``method`` with typed ``params`` (files as UploadedFile)."""
        return [str(issue) for issue in self.call_issues(method, params)]

    def check_result(self, method: str, result: object) -> list[str]:
        """Problems with ``result`` as the answer of ``method``."""
        spec = self.method(method)
        if spec is None:
            return [f"{method}: unknown method"]
        return [str(i) for i in self._value(spec.returns, result, f"{spec.name}()")]

    def check_object(self, type_name: str, obj: object) -> list[str]:
        """Problems with ``obj`` as an instance of ``type_name``, recursively."""
        return [str(issue) for issue in self._value((type_name,), obj, type_name)]

    def check_value(self, types: Sequence[str], value: object, path: str = "value") -> list[str]:
        """Problems with ``value`` as any of the type expressions ``types``."""
        return [str(issue) for issue in self._value(tuple(types), value, path)]

    def call_issues(self, method: str, params: Mapping[str, Any]) -> list[Issue]:
        """Like :meth:`check_call`, but structured."""
        spec = self.method(method)
        if spec is None:
            return [Issue("unknown", method, "unknown method")]
        issues: list[Issue] = []
        for name, value in params.items():
            param = spec.params.get(name)
            if param is None:
                if self.strict:
                    issues.append(Issue("unknown", f"{spec.name}.{name}", "unknown parameter"))
                continue
            issues.extend(self._value(param.types, value, f"{spec.name}.{name}"))
        for name, param in spec.params.items():
            if param.required and name not in params:
                issues.append(
                    Issue("missing", f"{spec.name}.{name}", "required parameter missing")
                )
        return issues

    def _value(self, types: tuple[str, ...], value: object, path: _Path) -> list[Issue]:
        if value is None:
            return [Issue("type", _text(path), "null is not allowed")]
        if len(types) == 1:  # the common case: nothing to choose between
            return self._one(types[0], value, path)
        attempts = [(t, self._one(t, value, path)) for t in types]
        if any(not found for _, found in attempts):
            return []
        plausible = sorted(
            ((t, found) for t, found in attempts if self._shape_fits(t, value)),
            key=lambda entry: len(entry[1]),
        )
        if len(plausible) == 1 or (
            len(plausible) > 1 and len(plausible[0][1]) < len(plausible[1][1])
        ):
            return plausible[0][1]
        expected = " or ".join(types)
        return [Issue("type", _text(path), f"expected {expected}, got {_kind(value)}")]

    def _shape_fits(self, type_expr: str, value: object) -> bool:
        if type_expr.startswith("Array of "):
            return isinstance(value, list)
        if type_expr in _SCALARS:
            return _kind(value) == type_expr or (
                type_expr == "Float" and _kind(value) == "Integer"
            )
        return isinstance(value, dict)

    def _one(self, type_expr: str, value: object, path: _Path) -> list[Issue]:
        if type_expr.startswith("Array of "):
            if not isinstance(value, list):
                return [Issue("type", _text(path), f"expected {type_expr}, got {_kind(value)}")]
            inner = (type_expr.removeprefix("Array of "),)
            issues: list[Issue] = []
            for index, item in enumerate(value):
                issues.extend(self._value(inner, item, (path, f"[{index}]")))
            return issues
        if type_expr in _SCALARS:
            kind = _kind(value)
            if kind == type_expr or (type_expr == "Float" and kind == "Integer"):
                return []
            return [Issue("type", _text(path), f"expected {type_expr}, got {kind}")]
        return self._object(type_expr, value, path)

    def _object(self, type_name: str, value: object, path: _Path) -> list[Issue]:
        spec = self.types.get(type_name)
        if spec is None:
            if self.strict:
                return [Issue("type", _text(path), f"unknown type {type_name}")]
            return (
                []
                if isinstance(value, dict)
                else [Issue("type", _text(path), f"expected {type_name}")]
            )
        if spec.subtypes:
            return self._abstract(spec, value, path)
        if not isinstance(value, dict):
            return [Issue("type", _text(path), f"expected {type_name}, got {_kind(value)}")]
        issues: list[Issue] = []
        for name, item in value.items():
            fld = spec.fields.get(name)
            if fld is None:
                if self.strict and spec.fields:
                    issues.append(
                        Issue("unknown", f"{_text(path)}.{name}", f"unknown field of {type_name}")
                    )
                continue
            issues.extend(self._value(fld.types, item, (path, f".{name}")))
            const = spec.consts.get(name)
            if const is not None and item != const:
                issues.append(
                    Issue("type", f"{_text(path)}.{name}", f"must be {const!r} in {type_name}")
                )
        for name, fld in spec.fields.items():
            if fld.required and name not in value:
                issues.append(
                    Issue("missing", f"{_text(path)}.{name}", f"required field of {type_name}")
                )
        return issues

    def _abstract(self, spec: TypeSpec, value: object, path: _Path) -> list[Issue]:
        ranked: list[tuple[bool, int, str, list[Issue]]] = []
        for subtype in spec.subtypes:
            issues = self._value((subtype,), value, path)
            if not issues:
                return []
            sub = self.types.get(subtype)
            consts = sub.consts if sub is not None else {}
            matches = (
                isinstance(value, dict)
                and bool(consts)
                and all(value.get(k) == v for k, v in consts.items())
            )
            ranked.append((not matches, len(issues), subtype, issues))
        ranked.sort(key=lambda entry: (entry[0], entry[1]))
        _, _, best, issues = ranked[0]
        return [Issue(i.kind, i.path, f"{i.message} (as {best} of {spec.name})") for i in issues]


#: Where a value sits: a string, or (the parent's path, ".field" or "[index]"); turned into
#: text only when something is wrong there (most values are fine).
_Path = str | tuple[Any, str]


def _text(path: _Path) -> str:
    """``path`` as text: "sendMessage.reply_markup.inline_keyboard[0][1].text"."""
    parts: list[str] = []
    while isinstance(path, tuple):
        path, part = path
        parts.append(part)
    return path + "".join(reversed(parts))

"""JSON round-trip for the frozen records of :mod:`storyline.model`.

The store keeps each annotated article and each story digest as JSON, so a later
run (or the web app) rebuilds the exact records without re-running spaCy.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_data(value: Any) -> Any:
    """A record (or nested records) as plain JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


def dumps(value: Any) -> str:
    return json.dumps(to_data(value), ensure_ascii=False, separators=(",", ":"))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_data(kind: Any, data: Any) -> Any:
    """Rebuild a value of type ``kind`` from :func:`to_data` output."""
    if data is None:
        return None
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return from_data(options[0], data) if len(options) == 1 else data
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)  # type: ignore[arg-type]
        names = {f.name for f in dataclasses.fields(kind)}
        return kind(**{k: from_data(hints[k], v) for k, v in data.items() if k in names})
    if kind is date:
        return date.fromisoformat(data)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_data(args[0], v) for v in data)
        return tuple(from_data(a, v) for a, v in zip(args, data, strict=False))
    if origin is list:
        return [from_data(args[0], v) for v in data]
    if origin is dict:
        return {k: from_data(args[1], v) for k, v in data.items()}
    return data


def loads(kind: type[T], text: str) -> T:
    return from_data(kind, json.loads(text))  # type: ignore[no-any-return]

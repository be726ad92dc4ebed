"""Go ``encoding/json`` decoding into a fixed struct, for parity with Flux's payload checks.

Flux decodes some bodies into small Go structs and answers 400 when that fails. The rules copied
here are the ones that change the outcome:

* :func:`decode_first` is ``json.NewDecoder(body).Decode(&v)``: only the first JSON value is read,
  bytes after it are ignored; an empty body is an error (EOF).
* :func:`unmarshal` is ``json.Unmarshal``: the whole input must be one value plus whitespace.
* Object keys match struct fields exactly or else case-insensitively (Go's ``foldName``), unknown
  keys are ignored, ``null`` leaves a field at its zero value, a value of the wrong JSON type for
  a known field is an error, and for repeated keys every value is checked.
* ``NaN``/``Infinity`` are not JSON in Go; invalid UTF-8 is replaced, not rejected.

Known gap: a ``time.Time`` field is parsed from the *unescaped* string here, whereas Go parses the
raw bytes (a timestamp written with ``\\u`` escapes fails in Go, passes here).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Union

from tagpilot.errors import TagpilotError
from tagpilot.golang.strings import fold
from tagpilot.golang.time import is_rfc3339


class DecodeError(TagpilotError):
    """The body does not decode the way Go decodes it (the receivers answer 400)."""


#: A field type: ``"string"``, ``"strings"`` ([]string), ``"time"`` (time.Time) or a struct.
FieldType = Union[str, "Schema"]
Schema = Mapping[str, FieldType]

_WHITESPACE = " \t\n\r"


class _Object(tuple):  # type: ignore[type-arg]
    """A JSON object as its ordered (key, value) pairs, to see repeated keys like Go does."""


def decode_first(body: bytes, schema: Schema, what: str) -> dict[str, Any]:
    """Decode like ``json.Decoder.Decode``: first value only, trailing bytes ignored.

    Parameters
    ----------
    body : bytes
        Raw request body.
    schema : Schema
        The Go struct, e.g. ``{"push_data": {"tag": "string"}}``.
    what : str
        Payload name for the error message (``"DockerHub webhook payload"``).

    Returns
    -------
    dict
        The struct's fields with Go zero values for absent ones.

    Raises
    ------
    DecodeError
        Empty body, syntax error in the first value, or a wrong JSON type for a known field.
    """
    value, _ = _parse(body, what)
    return _struct(value, schema, what, "")


def unmarshal(body: bytes, schema: Schema, what: str) -> dict[str, Any]:
    """Decode like ``json.Unmarshal``: anything but whitespace after the value is an error."""
    value, rest = _parse(body, what)
    if rest.strip(_WHITESPACE):
        raise DecodeError(f"cannot decode {what}: invalid character after top-level value")
    return _struct(value, schema, what, "")


def parse_value(body: bytes) -> Any:
    """Parse a whole body leniently for hints; returns ``None`` when it is not JSON."""
    try:
        value, _ = _parse(body, "body")
    except DecodeError:
        return None
    return _plain(value)


def _parse(body: bytes, what: str) -> tuple[Any, str]:
    text = body.decode("utf-8", errors="replace")
    start = len(text) - len(text.lstrip(_WHITESPACE))
    if start == len(text):
        raise DecodeError(f"cannot decode {what}: empty body (EOF)")
    decoder = json.JSONDecoder(object_pairs_hook=_Object, parse_constant=_reject_constant)
    try:
        value, end = decoder.raw_decode(text, start)
    except (ValueError, RecursionError) as exc:
        # RecursionError: Python nests less deeply than Go (10000); both end in a 400.
        raise DecodeError(f"cannot decode {what}: invalid JSON ({type(exc).__name__})") from None
    return value, text[end:]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _struct(value: Any, schema: Schema, what: str, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {name: _zero(kind) for name, kind in schema.items()}
    if value is None:
        return out
    if not isinstance(value, _Object):
        raise _type_error(what, path or "payload", "object", value)
    folded = {fold(name): name for name in schema}
    for key, item in value:
        name = key if key in schema else folded.get(fold(key))
        if name is None:
            continue
        field_path = f"{path}.{name}" if path else name
        decoded = _field(item, schema[name], what, field_path)
        if decoded is not None:
            out[name] = decoded
    return out


def _field(item: Any, kind: FieldType, what: str, path: str) -> Any:
    if item is None:
        return None
    if isinstance(kind, Mapping):
        return _struct(item, kind, what, path)
    if kind == "string":
        if not isinstance(item, str):
            raise _type_error(what, path, "string", item)
        return item
    if kind == "strings":
        if not isinstance(item, list):
            raise _type_error(what, path, "array of strings", item)
        for element in item:
            if element is not None and not isinstance(element, str):
                raise _type_error(what, path, "array of strings", item)
        return ["" if element is None else element for element in item]
    if kind == "time":
        if not isinstance(item, str) or not is_rfc3339(item):
            raise DecodeError(f"cannot decode {what}: {path} is not an RFC 3339 time")
        return item
    raise AssertionError(f"unknown field type {kind!r}")


def _zero(kind: FieldType) -> Any:
    if isinstance(kind, Mapping):
        return {name: _zero(sub) for name, sub in kind.items()}
    return {"string": "", "strings": [], "time": None}[kind]


def _type_error(what: str, path: str, expected: str, value: Any) -> DecodeError:
    return DecodeError(f"cannot decode {what}: {path} must be {expected}, not {_json_type(value)}")


def _json_type(value: Any) -> str:
    if isinstance(value, _Object):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    return "number"


def _plain(value: Any) -> Any:
    if isinstance(value, _Object):
        result: dict[str, Any] = {}
        for key, item in value:
            result[key] = _plain(item)
        return result
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value

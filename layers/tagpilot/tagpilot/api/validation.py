"""Small helpers that check manifest fields like a CRD's OpenAPI schema does.

A :class:`Checker` walks one object, records :class:`FieldError` values with their full path and
never raises, so a user sees every problem of a document at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from tagpilot.api.errors import FieldError
from tagpilot.golang.duration import DurationError, parse_duration

DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

_TYPE_NAMES = {str: "string", bool: "boolean", int: "integer", dict: "object", list: "array"}


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    for kind, name in _TYPE_NAMES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


class Checker:
    """Collects field errors for one object."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def mapping(self, value: Any, path: str, *, allowed: Iterable[str]) -> dict[str, Any]:
        """Check ``value`` is a mapping with only ``allowed`` keys; return it (or ``{}``)."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(path, f"must be an object, not {type_name(value)}")
            return {}
        allowed_set = set(allowed)
        for key in value:
            if key not in allowed_set:
                self.fail(_join(path, key), "unknown field")
        return dict(value)

    def string(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        pattern: re.Pattern[str] | None = None,
        max_length: int | None = None,
        enum: Iterable[str] | None = None,
    ) -> str | None:
        value = obj.get(key)
        where = _join(path, key)
        if value is None:
            if required:
                self.fail(where, "required field is missing")
            return None
        if not isinstance(value, str):
            self.fail(where, f"must be a string, not {type_name(value)}")
            return None
        if required and value == "":
            self.fail(where, "must not be empty")
            return None
        if max_length is not None and len(value) > max_length:
            self.fail(where, f"must be at most {max_length} characters")
        if enum is not None:
            choices = list(enum)
            if value not in choices:
                self.fail(
                    where, f"unsupported value {value!r}: must be one of {', '.join(choices)}"
                )
                return None
        if pattern is not None and value and not pattern.fullmatch(value):
            self.fail(where, f"invalid value {value!r}: must match {pattern.pattern}")
            return None
        return value

    def boolean(self, obj: Mapping[str, Any], key: str, path: str) -> bool | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(_join(path, key), f"must be a boolean, not {type_name(value)}")
            return None
        return value

    def duration(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        allow_hours: bool = True,
    ) -> float | None:
        text = self.string(obj, key, path, required=required)
        if text is None:
            return None
        try:
            return parse_duration(text, allow_hours=allow_hours)
        except DurationError as exc:
            self.fail(_join(path, key), str(exc))
            return None

    def string_list(
        self, obj: Mapping[str, Any], key: str, path: str, *, max_items: int | None = None
    ) -> list[str] | None:
        value = obj.get(key)
        if value is None:
            return None
        where = _join(path, key)
        if not isinstance(value, list):
            self.fail(where, f"must be an array, not {type_name(value)}")
            return None
        if max_items is not None and len(value) > max_items:
            self.fail(where, f"must have at most {max_items} items")
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(f"{where}[{i}]", f"must be a string, not {type_name(item)}")
            else:
                out.append(item)
        return out

    def string_map(self, obj: Mapping[str, Any], key: str, path: str) -> dict[str, str] | None:
        value = obj.get(key)
        if value is None:
            return None
        where = _join(path, key)
        if not isinstance(value, Mapping):
            self.fail(where, f"must be an object, not {type_name(value)}")
            return None
        out: dict[str, str] = {}
        for k, v in value.items():
            if not isinstance(v, str):
                self.fail(_join(where, k), f"must be a string, not {type_name(v)}")
            else:
                out[str(k)] = v
        return out

    def local_ref(
        self, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> str | None:
        """A ``{name: ...}`` reference to an object in the same namespace."""
        if obj.get(key) is None:
            if required:
                self.fail(_join(path, key), "required field is missing")
            return None
        ref = self.mapping(obj.get(key), _join(path, key), allowed=("name",))
        return self.string(ref, "name", _join(path, key), required=True, pattern=DNS1123_SUBDOMAIN)

    def labels(self, value: Any, path: str) -> dict[str, str]:
        """Kubernetes label map: qualified names and label values."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(path, f"must be an object, not {type_name(value)}")
            return {}
        out: dict[str, str] = {}
        for key, val in value.items():
            key_s = str(key)
            name = key_s.rsplit("/", 1)[-1]
            prefix = key_s[: -len(name) - 1] if "/" in key_s else ""
            if (
                not name
                or len(name) > 63
                or not LABEL_NAME.fullmatch(name)
                or (prefix and (len(prefix) > 253 or not DNS1123_SUBDOMAIN.fullmatch(prefix)))
            ):
                self.fail(_join(path, key_s), "invalid label key")
                continue
            if not isinstance(val, str):
                self.fail(_join(path, key_s), f"must be a string, not {type_name(val)}")
                continue
            if len(val) > 63 or not LABEL_VALUE.fullmatch(val):
                self.fail(_join(path, key_s), f"invalid label value {val!r}")
                continue
            out[key_s] = val
        return out

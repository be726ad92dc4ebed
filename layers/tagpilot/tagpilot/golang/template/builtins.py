"""The predefined functions of Go ``text/template`` (``funcs.go``).

``and`` and ``or`` short-circuit and are evaluated by the executor itself; the callables here only
fix their arity. Errors are raised as :class:`FuncError` and reported as
``error calling <name>: <message>``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

from tagpilot.golang.template.errors import FuncError
from tagpilot.golang.template.gofmt import Spec as _Spec
from tagpilot.golang.template.gofmt import format_arg, sprint, sprintf, sprintln
from tagpilot.golang.template.signature import GoValue
from tagpilot.golang.template.values import (
    MISSING,
    GoMap,
    is_struct,
    struct_fields,
    truth,
    type_name,
)


def _and(arg0: GoValue, *args: GoValue) -> Any:
    raise AssertionError("and is evaluated lazily by the executor")


def _or(arg0: GoValue, *args: GoValue) -> Any:
    raise AssertionError("or is evaluated lazily by the executor")


def _not(arg: GoValue) -> bool:
    return not truth(arg)


def _len(item: GoValue) -> int:
    if item is MISSING or item is None:
        raise FuncError("len of nil pointer")
    if isinstance(item, str):
        return len(item.encode())
    if isinstance(item, list | tuple | dict):
        return len(item)
    raise FuncError(f"len of type {type_name(item)}")


def _index_arg(index: Any, cap: int) -> int:
    if index is MISSING or index is None:
        raise FuncError("cannot index slice/array with nil")
    if not isinstance(index, int) or isinstance(index, bool):
        raise FuncError(f"cannot index slice/array with type {type_name(index)}")
    if index < 0 or index > cap:
        raise FuncError(f"index out of range: {index}")
    return index


def _index(item: GoValue, *indexes: GoValue) -> Any:
    if item is MISSING or item is None:
        raise FuncError("index of untyped nil")
    for index in indexes:
        if item is MISSING or item is None:
            raise FuncError("index of nil pointer")
        if isinstance(item, str | list | tuple):
            seq: bytes | list[Any] | tuple[Any, ...] = (
                item.encode() if isinstance(item, str) else item
            )
            x = _index_arg(index, len(seq))
            if x == len(seq):
                # Go checks against the capacity, then reflect panics on Index(len).
                kind = "string" if isinstance(item, str) else "slice"
                raise FuncError(f"reflect: {kind} index out of range")
            item = seq[x]
        elif isinstance(item, dict):
            key_type = _key_type(item)
            if key_type is not None and not isinstance(index, key_type):
                raise FuncError(
                    f"value has type {type_name(index)}; should be {type_name(next(iter(item)))}"
                )
            item = (
                item[index] if index in item else (item.zero if isinstance(item, GoMap) else None)
            )
        else:
            raise FuncError(f"can't index item of type {type_name(item)}")
    return item


def _key_type(mapping: dict[Any, Any]) -> type | None:
    for key in mapping:
        return type(key)
    return None


def _slice(item: GoValue, *indexes: GoValue) -> Any:
    if item is MISSING or item is None:
        raise FuncError("slice of untyped nil")
    if len(indexes) > 3:
        raise FuncError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise FuncError("cannot 3-index slice a string")
        data: bytes | list[Any] = item.encode()
    elif isinstance(item, list | tuple):
        data = list(item)
    else:
        raise FuncError(f"can't slice item of type {type_name(item)}")
    idx = [0, len(data), len(data)]
    for i, index in enumerate(indexes):
        idx[i] = _index_arg(index, len(data))
    if idx[0] > idx[1]:
        raise FuncError(f"invalid slice index: {idx[0]} > {idx[1]}")
    if len(indexes) == 3 and idx[1] > idx[2]:
        raise FuncError(f"invalid slice index: {idx[1]} > {idx[2]}")
    part = data[idx[0] : idx[1]]
    return part.decode("utf-8", errors="replace") if isinstance(part, bytes) else part


def _basic_kind(v: Any) -> str | None:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    return None


def _is_nil(v: Any) -> bool:
    return v is MISSING or v is None


def _eq(arg1: GoValue, *arg2: GoValue) -> bool:
    if not arg2:
        raise FuncError("missing argument for comparison")
    k1 = _basic_kind(arg1)
    for arg in arg2:
        k2 = _basic_kind(arg)
        if k1 != k2:
            if not _is_nil(arg1) and not _is_nil(arg):
                raise FuncError("incompatible types for comparison")
            continue
        if k1 is None:
            if _is_nil(arg1) or _is_nil(arg):
                if _is_nil(arg1) and _is_nil(arg):
                    return True
                continue
            if isinstance(arg1, list | dict) or isinstance(arg, list | dict):
                bad = arg if isinstance(arg, list | dict) else arg1
                raise FuncError(f"non-comparable type {format_arg(bad, _Spec())}: {type_name(bad)}")
            if is_struct(arg1) and is_struct(arg):
                fields = struct_fields(arg1)
                same = type(arg1) is type(arg) and all(
                    getattr(arg1, a) == getattr(arg, a) for a in fields.values()
                )
                if same:
                    return True
                continue
            if arg1 is arg:
                return True
            continue
        if arg1 == arg:
            return True
    return False


def _lt(arg1: GoValue, arg2: GoValue) -> bool:
    k1 = _basic_kind(arg1)
    k2 = _basic_kind(arg2)
    if k1 is None or k2 is None:
        raise FuncError("invalid type for comparison")
    if k1 != k2:
        raise FuncError("incompatible types for comparison")
    if k1 == "bool":
        raise FuncError("invalid type for comparison")
    result: bool = arg1 < arg2
    return result


def _ne(arg1: GoValue, arg2: GoValue) -> bool:
    return not _eq(arg1, arg2)


def _le(arg1: GoValue, arg2: GoValue) -> bool:
    return _lt(arg1, arg2) or _eq(arg1, arg2)


def _gt(arg1: GoValue, arg2: GoValue) -> bool:
    return not _le(arg1, arg2)


def _ge(arg1: GoValue, arg2: GoValue) -> bool:
    return not _lt(arg1, arg2)


def _eval_args(args: tuple[Any, ...]) -> str:
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return sprint(list(args))


_HTML = {"\0": "\ufffd", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;"}
_JS = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026"}


def html_escape(s: str) -> str:
    """Go ``template.HTMLEscapeString``."""
    return "".join(_HTML.get(c, c) for c in s)


def js_escape(s: str) -> str:
    """Go ``template.JSEscapeString`` (Go 1.19 rules)."""
    out = []
    for c in s:
        if c in _JS:
            out.append(_JS[c])
        elif c == "=":
            out.append("\\u003D")
        elif ord(c) < 0x20 or (ord(c) >= 0x80 and not c.isprintable()):
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return "".join(out)


def _html(*args: Any) -> str:
    return html_escape(_eval_args(args))


def _js(*args: Any) -> str:
    return js_escape(_eval_args(args))


def _urlquery(*args: Any) -> str:
    return urllib.parse.quote_plus(_eval_args(args), safe="-_.~")


def _print(*args: Any) -> str:
    return sprint(list(args))


def _printf(format: str, *args: Any) -> str:
    return sprintf(format, list(args))


def _println(*args: Any) -> str:
    return sprintln(list(args))


def _call(fn: GoValue, *args: GoValue) -> Any:
    if fn is MISSING or fn is None:
        raise FuncError("call of nil")
    if not callable(fn) or is_struct(fn):
        raise FuncError(f"non-function of type {type_name(fn)}")
    return fn(*[None if a is MISSING else a for a in args])


BUILTINS: dict[str, Callable[..., Any]] = {
    "and": _and,
    "call": _call,
    "html": _html,
    "index": _index,
    "slice": _slice,
    "js": _js,
    "len": _len,
    "not": _not,
    "or": _or,
    "print": _print,
    "printf": _printf,
    "println": _println,
    "urlquery": _urlquery,
    "eq": _eq,
    "ge": _ge,
    "gt": _gt,
    "le": _le,
    "lt": _lt,
    "ne": _ne,
}
"""Go's builtin template functions by name."""

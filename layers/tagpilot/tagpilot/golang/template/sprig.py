"""A subset of Sprig v3's hermetic text functions (``sprig.HermeticTxtFuncMap()``), as Flux uses.

Argument orders follow Sprig so pipelines work (``{{ .Tag | trimPrefix "v" }}``). String
functions that Sprig implements with Go byte slicing (``substr``, ``trunc``) slice UTF-8 bytes
too. Functions not listed in :data:`SPRIG_FUNCS` are not defined: a template using them fails to
parse with ``function "<name>" not defined``.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from typing import Any

from tagpilot.golang.template.errors import FuncError
from tagpilot.golang.template.gofmt import Spec, format_arg
from tagpilot.golang.template.quote import go_quote
from tagpilot.golang.template.values import MISSING, is_struct, stringer, type_name
from tagpilot.limits import MAX_TEMPLATE_OUTPUT_BYTES

_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0")


def _is_space(c: str) -> bool:
    """Go ``unicode.IsSpace``."""
    return c in _GO_SPACE or (ord(c) > 0xFF and c.isspace())


def _map_runes(s: str, fn: Callable[[str], str]) -> str:
    # Go maps rune by rune (simple case mapping): keep runes whose mapping is not one rune.
    out = []
    for c in s:
        m = fn(c)
        out.append(m if len(m) == 1 else c)
    return "".join(out)


def strval(v: Any) -> str:
    """Sprig ``strval``/``toString``: strings as is, Stringers via ``String()``, else ``%v``."""
    if isinstance(v, str):
        return v
    text = stringer(v)
    if text is not None:
        return text
    return format_arg(None if v is MISSING else v, Spec())


def _strslice(v: Any) -> list[str]:
    if isinstance(v, list | tuple):
        return [strval(e) for e in v if e is not None and e is not MISSING]
    if v is None or v is MISSING:
        return []
    return [strval(v)]


def _bytes_cut(s: str, start: int, end: int) -> str:
    data = s.encode()
    if not 0 <= start <= end <= len(data):
        raise FuncError(f"runtime error: slice bounds out of range [{start}:{end}]")
    return data[start:end].decode("utf-8", errors="replace")


def _is_separator(c: str) -> bool:
    if ord(c) <= 0x7F:
        return not (c.isascii() and (c.isalnum() or c == "_"))
    if c.isalpha() or c.isdecimal():
        return False
    return _is_space(c)


def title(s: str) -> str:
    """Go ``strings.Title``: upper-case the first letter of every word."""
    out = []
    prev = " "
    for c in s:
        out.append(_map_runes(c, str.title) if _is_separator(prev) else c)
        prev = c
    return "".join(out)


def _trim(s: str) -> str:
    start, end = 0, len(s)
    while start < end and _is_space(s[start]):
        start += 1
    while end > start and _is_space(s[end - 1]):
        end -= 1
    return s[start:end]


def _trim_all(cutset: str, s: str) -> str:
    return s.strip(cutset) if cutset else s


def _trim_prefix(prefix: str, s: str) -> str:
    return s[len(prefix) :] if s.startswith(prefix) else s


def _trim_suffix(suffix: str, s: str) -> str:
    return s[: len(s) - len(suffix)] if suffix and s.endswith(suffix) else s


def _upper(s: str) -> str:
    return _map_runes(s, str.upper)


def _lower(s: str) -> str:
    return _map_runes(s, str.lower)


def _replace(old: str, new: str, src: str) -> str:
    return src.replace(old, new)


def _repeat(count: int, s: str) -> str:
    if count < 0:
        raise FuncError("strings: negative Repeat count")
    _check_size(count * len(s), "repeat")
    return s * count


def _check_size(size: int, name: str) -> None:
    if size > MAX_TEMPLATE_OUTPUT_BYTES:
        limit = MAX_TEMPLATE_OUTPUT_BYTES // 1024
        raise FuncError(f"{name}: result exceeds {limit} KiB (tagpilot's template output limit)")


def _substr(start: int, end: int, s: str) -> str:
    n = len(s.encode())
    if start < 0:
        return _bytes_cut(s, 0, end)
    if end < 0 or end > n:
        return _bytes_cut(s, start, n)
    return _bytes_cut(s, start, end)


def _trunc(c: int, s: str) -> str:
    n = len(s.encode())
    if c < 0 and n + c > 0:
        return _bytes_cut(s, n + c, n)
    if c >= 0 and n > c:
        return _bytes_cut(s, 0, c)
    return s


def _nospace(s: str) -> str:
    return "".join(c for c in s if not _is_space(c))


def _split_list(sep: str, orig: str) -> list[Any]:
    if sep == "":
        return list(orig)
    return list(orig.split(sep))


def _indent(spaces: int, v: str) -> str:
    _check_size(spaces * (v.count("\n") + 1) + len(v), "indent")
    pad = " " * spaces
    return pad + v.replace("\n", "\n" + pad)


def _nindent(spaces: int, v: str) -> str:
    return "\n" + _indent(spaces, v)


def empty(given: Any) -> bool:
    """Sprig ``empty``: zero values, empty containers and nil are empty; structs never are."""
    if given is None or given is MISSING:
        return True
    if isinstance(given, bool | int | float | str | list | tuple | dict):
        return not given
    return False


def _default(d: Any, *given: Any) -> Any:
    if not given or empty(given[0]):
        return d
    return given[0]


def _coalesce(*v: Any) -> Any:
    for val in v:
        if not empty(val):
            return val
    return None


def _quote(*strs: Any) -> str:
    return " ".join(go_quote(strval(s)) for s in strs if s is not None)


def _squote(*strs: Any) -> str:
    return " ".join(f"'{format_arg(s, Spec())}'" for s in strs if s is not None)


def _cat(*v: Any) -> str:
    return " ".join(format_arg(x, Spec()) for x in v if x is not None)


def _contains(substr: str, s: str) -> bool:
    return substr in s


def _has_prefix(prefix: str, s: str) -> bool:
    return s.startswith(prefix)


def _has_suffix(suffix: str, s: str) -> bool:
    return s.endswith(suffix)


def _join(sep: str, v: Any) -> str:
    return sep.join(_strslice(v))


def _list(*v: Any) -> list[Any]:
    return list(v)


def _dict(*v: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(0, len(v), 2):
        out[strval(v[i])] = v[i + 1] if i + 1 < len(v) else ""
    return out


def _require_list(name: str, v: Any) -> list[Any]:
    if isinstance(v, list | tuple):
        return list(v)
    if v is None or v is MISSING:
        raise FuncError("reflect: call of reflect.Value.Type on zero Value")
    kind = "struct" if is_struct(v) else type_name(v).split(".")[-1]
    raise FuncError(f"Cannot find {name} on type {kind}")


def _first(v: Any) -> Any:
    items = _require_list("first", v)
    return items[0] if items else None


def _last(v: Any) -> Any:
    items = _require_list("last", v)
    return items[-1] if items else None


def _uniq(v: Any) -> list[Any]:
    out: list[Any] = []
    for item in _require_list("uniq", v):
        if item not in out:
            out.append(item)
    return out


def _slice(v: Any, *indices: Any) -> Any:
    # Sprig's slice (it replaces Go's builtin in Flux's function map): lists only.
    if not isinstance(v, list | tuple):
        kind = "ptr" if v is None or v is MISSING else type_name(v).split(".")[-1]
        raise FuncError(f"list should be type of slice or array but {kind}")
    if not v:
        return None
    bounds = [i if isinstance(i, int) and not isinstance(i, bool) else 0 for i in indices[:2]]
    start = bounds[0] if bounds else 0
    end = bounds[1] if len(bounds) > 1 else len(v)
    if not 0 <= start <= end <= len(v):
        raise FuncError(f"reflect: slice index out of range [{start}:{end}]")
    return list(v[start:end])


def _sort_alpha(v: Any) -> list[Any]:
    if isinstance(v, list | tuple):
        # Go's sort.Strings compares bytes; UTF-8 byte order equals code point order.
        return list(sorted(_strslice(v)))
    return [strval(v)]


def _plural(one: str, many: str, count: int) -> str:
    return one if count == 1 else many


def _ternary(vt: Any, vf: Any, v: bool) -> Any:
    return vt if v else vf


def _has_key(d: dict[str, Any], key: str) -> bool:
    return key in d


def _get(d: dict[str, Any], key: str) -> Any:
    return d.get(key, "")


def _go_clean(p: str) -> str:
    if p == "":
        return "."
    cleaned = posixpath.normpath(p)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _base(p: str) -> str:
    if p == "":
        return "."
    stripped = p.rstrip("/")
    return "/" if stripped == "" else stripped.rsplit("/", 1)[-1]


def _dir(p: str) -> str:
    return _go_clean(p[: p.rfind("/") + 1])


def _ext(p: str) -> str:
    name = p.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:] if dot >= 0 else ""


def _sha256sum(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


def _sha1sum(s: str) -> str:
    return hashlib.sha1(s.encode(), usedforsecurity=False).hexdigest()


SPRIG_FUNCS: dict[str, Callable[..., Any]] = {
    "base": _base,
    "cat": _cat,
    "clean": _go_clean,
    "coalesce": _coalesce,
    "contains": _contains,
    "default": _default,
    "dict": _dict,
    "dir": _dir,
    "empty": empty,
    "ext": _ext,
    "first": _first,
    "get": _get,
    "hasKey": _has_key,
    "hasPrefix": _has_prefix,
    "hasSuffix": _has_suffix,
    "indent": _indent,
    "join": _join,
    "last": _last,
    "list": _list,
    "lower": _lower,
    "nindent": _nindent,
    "nospace": _nospace,
    "plural": _plural,
    "quote": _quote,
    "repeat": _repeat,
    "replace": _replace,
    "sha1sum": _sha1sum,
    "sha256sum": _sha256sum,
    "slice": _slice,
    "sortAlpha": _sort_alpha,
    "splitList": _split_list,
    "squote": _squote,
    "substr": _substr,
    "ternary": _ternary,
    "title": title,
    "toString": strval,
    "trim": _trim,
    "trimAll": _trim_all,
    "trimPrefix": _trim_prefix,
    "trimSuffix": _trim_suffix,
    "trimall": _trim_all,
    "trunc": _trunc,
    "tuple": _list,
    "uniq": _uniq,
    "upper": _upper,
}
"""Sprig functions by name (merge over the builtins, as ``Funcs(sprig.HermeticTxtFuncMap())``)."""

"""Go-like parameter types of template functions, read from Python annotations.

Template functions are plain Python callables. Their annotations stand for the Go parameter
types, which decide how arguments are checked and converted, as Go's ``evalArg``/``validateType``
do: ``str`` -> ``string``, ``int`` -> ``int``, ``float`` -> ``float64``, ``bool`` -> ``bool``,
``list``/``tuple`` -> a slice, ``dict`` -> a map, :data:`GoValue` -> ``reflect.Value`` (receives
:data:`~tagpilot.golang.template.values.MISSING` untouched), anything else -> ``interface{}``
(a missing value arrives as ``None``). A ``*args`` parameter makes the function variadic.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

_REFLECT_VALUE = "reflect.Value"
GoValue = Annotated[Any, _REFLECT_VALUE]
"""Annotation for parameters that take the raw value, like Go's ``reflect.Value`` parameters."""

STRING = "string"
INT = "int"
FLOAT = "float64"
BOOL = "bool"
SLICE = "[]interface {}"
MAP = "map[string]interface {}"
ANY = "interface {}"
VALUE = "reflect.Value"

_SIMPLE = {str: STRING, int: INT, float: FLOAT, bool: BOOL, list: SLICE, tuple: SLICE, dict: MAP}


@dataclass(frozen=True)
class Signature:
    """Parameter kinds of a function; ``variadic`` is the kind of ``*args`` (or None)."""

    fixed: tuple[str, ...]
    variadic: str | None


def _kind(annotation: Any) -> str:
    if typing.get_origin(annotation) is Annotated and _REFLECT_VALUE in annotation.__metadata__:
        return VALUE
    origin = typing.get_origin(annotation) or annotation
    if isinstance(origin, type) and origin in _SIMPLE:
        return _SIMPLE[origin]
    return ANY


@functools.lru_cache(maxsize=512)
def _signature_of(fn: Callable[..., Any]) -> Signature:
    try:
        sig = inspect.signature(fn, eval_str=True)
    except (TypeError, ValueError, NameError):
        return Signature((), ANY)
    fixed: list[str] = []
    variadic = None
    for param in sig.parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            variadic = _kind(param.annotation)
        elif (
            param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD)
            and param.default is param.empty
        ):
            fixed.append(_kind(param.annotation))
    return Signature(tuple(fixed), variadic)


def signature(fn: Callable[..., Any]) -> Signature:
    """The Go-like signature of ``fn`` (cached; bound methods use their function)."""
    target = getattr(fn, "__func__", None)
    if target is not None:
        sig = _signature_of(target)
        # Drop ``self``.
        return Signature(sig.fixed[1:], sig.variadic)
    try:
        return _signature_of(fn)
    except TypeError:  # unhashable callable object
        return _signature_of.__wrapped__(fn)


def can_be_nil(kind: str) -> bool:
    """Whether Go's untyped ``nil`` may be assigned to a parameter of this kind."""
    return kind in (ANY, SLICE, MAP, VALUE)

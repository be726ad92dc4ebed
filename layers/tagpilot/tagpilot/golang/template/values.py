"""How Python values stand in for Go values inside templates.

Mapping
-------
=====================  ==========================================================
Python                 Go
=====================  ==========================================================
``MISSING``            the invalid ``reflect.Value`` (missing map key; prints ``<no value>``)
``None``               ``nil`` (an empty interface)
``bool``               ``bool``
``int``                ``int``
``float``              ``float64``
``str``                ``string`` (``len``/``index``/``slice`` work on its UTF-8 bytes)
``list``/``tuple``     a slice
``dict``               a map; :class:`GoMap` adds the element type's zero value
struct protocol        a struct (see :class:`GoStruct`)
=====================  ==========================================================

Struct protocol: a class declares ``__go_fields__`` (Go field name -> Python attribute, in Go
declaration order, which is also the order used to sort struct map keys and to print the struct)
and/or ``__go_methods__`` (Go method name -> Python method name). It may define ``__go_str__``
(Go's ``String()``: used when printing) and ``__go_type__`` (type name shown in errors).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class _Missing:
    """Singleton standing for Go's invalid ``reflect.Value``."""

    _instance: ClassVar[_Missing | None] = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


class GoMap(dict[K, V]):
    """A ``dict`` that knows its Go element type's zero value (``index`` of a missing key).

    ``GoMap(values, zero="")`` behaves like a Go ``map[string]string``.
    """

    def __init__(self, data: Mapping[K, V] | None = None, *, zero: Any = None) -> None:
        super().__init__(data or {})
        self.zero = zero


def is_struct(value: object) -> bool:
    """True if ``value`` follows the struct protocol."""
    return hasattr(type(value), "__go_fields__") or hasattr(type(value), "__go_methods__")


def struct_fields(value: object) -> Mapping[str, str]:
    """Go field name -> Python attribute of a struct-like value."""
    fields: Mapping[str, str] = getattr(type(value), "__go_fields__", {})
    return fields


def struct_method(value: object, name: str) -> Callable[..., Any] | None:
    """The bound Python method implementing Go method ``name``, if any."""
    methods: Mapping[str, str] = getattr(type(value), "__go_methods__", {})
    attr = methods.get(name)
    if attr is None:
        return None
    method: Callable[..., Any] = getattr(value, attr)
    return method


def stringer(value: object) -> str | None:
    """Result of Go's ``String()`` method for values that have one."""
    fn = getattr(value, "__go_str__", None)
    if fn is None or isinstance(value, type):
        return None
    result: str = fn()
    return result


def type_name(value: object) -> str:
    """Go-like type name used in error messages."""
    if value is MISSING or value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if isinstance(value, dict):
        return "map[string]interface {}"
    explicit = getattr(type(value), "__go_type__", None)
    if isinstance(explicit, str):
        return explicit
    if callable(value):
        return "func"
    return type(value).__name__


def truth(value: object) -> bool:
    """Go template truthiness (``isTrue``): zero values and empty containers are false."""
    if value is MISSING or value is None:
        return False
    if isinstance(value, bool | int | float | str | list | tuple | dict):
        return bool(value)
    return True


def sort_key(value: object) -> tuple[Any, ...]:
    """Ordering of map keys like Go's ``internal/fmtsort`` (structs field by field)."""
    if value is None or value is MISSING:
        return (0,)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, int | float):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    if is_struct(value):
        return (4, tuple(sort_key(getattr(value, attr)) for attr in struct_fields(value).values()))
    return (5, repr(value))


def sorted_items(mapping: Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    """Map entries in Go's sorted key order."""
    return sorted(mapping.items(), key=lambda kv: sort_key(kv[0]))

"""Objects serialised as ``flux create --export`` and ``flux export`` print them.

flux marshals with sigs.k8s.io/yaml (JSON, then go-yaml v2): keys sorted at every level, two-space
indentation, sequence items at their parent key's indentation, strings plain when safe,
single-quoted when they start with an indicator or hold ``: `` / `` #``, double-quoted when plain
would read as another type (``"1.10"``, ``"true"``, ``""``), literal blocks for several lines.
The scalar rules are the setters' (:mod:`tagpilot.update.scalar_style`), which follow the same
go-yaml emitter.
"""

from __future__ import annotations

from typing import Any


def scalar(value: Any) -> str:
    from tagpilot.update.scalar_style import (
        double_quoted,
        plain_allowed,
        single_quote_allowed,
        single_quoted,
    )
    from tagpilot.update.yaml11 import resolves_to_non_string

    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if resolves_to_non_string(text):
        return double_quoted(text)
    if plain_allowed(text, False):
        return text
    if single_quote_allowed(text):
        return single_quoted(text)
    return double_quoted(text)


def _block(text: str, indent: int) -> list[str]:
    chomp = "-" if not text.endswith("\n") else ("+" if text.endswith("\n\n") else "")
    body = text[:-1] if text.endswith("\n") and chomp == "" else text
    if chomp == "+":
        body = text[:-1]
    pad = " " * indent
    return [f"|{chomp}"] + [(pad + ln) if ln else "" for ln in body.split("\n")]


def _value_lines(key_prefix: str, value: Any, indent: int) -> list[str]:
    """Lines for ``<prefix><value>`` where the prefix is ``key:`` or ``-``."""
    if isinstance(value, dict):
        if not value:
            return [f"{key_prefix} {{}}"]
        return [key_prefix, *_mapping(value, indent + 2)]
    if isinstance(value, list):
        if not value:
            return [f"{key_prefix} []"]
        return [key_prefix, *_sequence(value, indent)]
    if isinstance(value, str) and "\n" in value:
        first, *rest = _block(value, indent + 2)
        return [f"{key_prefix} {first}", *rest]
    return [f"{key_prefix} {scalar(value)}"]


def _mapping(data: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key in sorted(data):
        value = data[key]
        sub = _value_lines(f"{pad}{scalar(key)}:", value, indent)
        if isinstance(value, list) and value:
            sub = [sub[0], *_sequence(value, indent)]
        lines += sub
    return lines


def _sequence(items: list[Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for item in items:
        if isinstance(item, dict) and item:
            inner = _mapping(item, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines += inner[1:]
        elif isinstance(item, list) and item:
            inner = _sequence(item, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines += inner[1:]
        else:
            lines += _value_lines(f"{pad}-", item, indent)
    return lines


def dump(obj: dict[str, Any]) -> str:
    """One document: ``---`` then the object, ending with a single newline."""
    return "---\n" + "\n".join(_mapping(obj, 0)) + "\n"


def export_shape(manifest: dict[str, Any]) -> dict[str, Any]:
    """Only what ``flux export`` keeps: apiVersion, kind, metadata name/namespace/labels/
    annotations, spec."""
    meta = manifest.get("metadata") or {}
    out_meta = {k: meta[k] for k in ("name", "namespace", "labels", "annotations") if meta.get(k)}
    out: dict[str, Any] = {
        "apiVersion": manifest["apiVersion"],
        "kind": manifest["kind"],
        "metadata": out_meta,
    }
    if manifest.get("spec") is not None:
        out["spec"] = manifest["spec"]
    return out

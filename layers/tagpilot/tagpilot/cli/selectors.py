"""``-l/--label-selector`` strings (``app=web,tier!=db,env in (a,b),!legacy``) as the Kubernetes
API server parses them, turned into the ``matchExpressions`` form of
:mod:`tagpilot.reconcile.selectors` so one matcher serves both."""

from __future__ import annotations

import re
from typing import Any

from tagpilot.cli.common import CliError

_SET = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([A-Za-z0-9./_-]+)\s*$")


def _split(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def parse_selector(text: str) -> dict[str, Any]:
    """Parse a selector; an invalid one raises :class:`CliError` naming the bad requirement."""
    exprs: list[dict[str, Any]] = []
    if not text.strip():
        return {}
    for part in _split(text):
        if m := _SET.match(part):
            values = [v.strip() for v in m.group(3).split(",") if v.strip()]
            op = "In" if m.group(2) == "in" else "NotIn"
            exprs.append({"key": m.group(1), "operator": op, "values": values})
        elif m := _EQ.match(part):
            op = "NotIn" if m.group(2) == "!=" else "In"
            exprs.append({"key": m.group(1), "operator": op, "values": [m.group(3)]})
        elif m := _EXISTS.match(part):
            op = "DoesNotExist" if m.group(1) else "Exists"
            exprs.append({"key": m.group(2), "operator": op})
        else:
            raise CliError(f"unable to parse requirement: {part.strip()!r}")
    return {"matchExpressions": exprs}


def parse_status_selector(text: str) -> tuple[str, str, bool]:
    """``Ready=True`` -> ``("ready", "true", True)``; ``!=`` gives ``False`` (flux's format)."""
    for sep, equal in (("!=", False), ("=", True)):
        if sep in text:
            ctype, _, status = text.partition(sep)
            if ctype and status:
                return ctype.lower(), status.lower(), equal
    raise CliError(
        f"expected status selector in type=status or type!=status format, but found: {text}"
    )

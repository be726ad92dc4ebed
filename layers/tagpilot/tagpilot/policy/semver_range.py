"""Masterminds semver v3 constraints (``NewConstraint`` and ``Check``), as Flux uses them.

A port of ``constraints.go`` as of v3.4/v3.5 (the release Flux pins):

- the range text is first rewritten for hyphen ranges (``1.2 - 2.3`` becomes
  ``>= 1.2, <= 2.3 ``), split on ``||`` and each AND-group validated with Masterminds' own
  regular expressions (run here through the Go regexp emulation, so they behave as in Go);
- operators ``= != > < >= => <= =< ~ ~> ^`` or none, wildcards ``x X *``, partial versions;
- a prerelease version is only considered when the **AND-group** holds a constraint with a
  prerelease (v3.4 behaviour; up to v3.3 each single constraint had to carry one).

Examples
--------
>>> from tagpilot.policy.version import coerce
>>> r = parse_range("^1.x-0")
>>> r.check(coerce("1.3.0-rc.1")), r.check(coerce("2.0.0"))
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tagpilot.golang import regexp as goregexp
from tagpilot.policy.errors import InvalidPolicyError
from tagpilot.policy.version import Key, coerce

__all__ = ["Constraint", "Range", "parse_range"]

_OPS = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^"
_CV = (
    r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_CONSTRAINT = goregexp.compile(rf"^\s*({_OPS})\s*({_CV})\s*$")
_RANGE = goregexp.compile(rf"\s*({_CV})\s+-\s+({_CV})\s*")
_FIND = goregexp.compile(rf"({_OPS})\s*({_CV})")
_VALID = goregexp.compile(rf"^(\s*({_OPS})\s*({_CV})\s*)((?:\s+|,\s*)({_OPS})\s*({_CV})\s*)*$")


@dataclass(frozen=True, slots=True)
class Constraint:
    """One comparison, e.g. ``>=1.2`` (``op`` ``>=``, ``orig`` ``1.2``)."""

    op: str
    orig: str
    con: Key
    dirty: bool
    minor_dirty: bool
    patch_dirty: bool

    def check(self, v: Key, include_pre: bool) -> bool:
        """Masterminds ``constraint.check`` for version key ``v``."""
        if v[3] == 0 and not include_pre:
            return False
        return _OPS_FUNCS[self.op](v, self)


@dataclass(frozen=True, slots=True)
class Range:
    """A parsed constraint: OR of AND-groups, with the per-group prerelease opt-in."""

    text: str
    groups: tuple[tuple[Constraint, ...], ...]
    allows_pre: tuple[bool, ...]

    def check(self, v: Key) -> bool:
        """Masterminds ``Constraints.Check``."""
        for group, pre in zip(self.groups, self.allows_pre, strict=True):
            if all(c.check(v, pre) for c in group):
                return True
        return False

    def prerelease_excluded(self, v: Key) -> bool:
        """True when ``v`` is a prerelease and no AND-group opts in to prereleases."""
        return v[3] == 0 and not any(self.allows_pre)


def _is_x(part: str) -> bool:
    return part in ("x", "X", "*")


def _parse_constraint(text: str) -> Constraint:
    m = _CONSTRAINT.search(text)
    if m is None:
        raise InvalidPolicyError(f"improper constraint: {text}")
    major, minor, patch, pre = m.text(3), m.text(4), m.text(5), m.text(6)
    ver = m.text(2)
    dirty = minor_dirty = patch_dirty = False
    if _is_x(major):
        ver, dirty = f"0.0.0{pre}", True
    elif _is_x(minor[1:]) or not minor:
        ver, dirty, minor_dirty = f"{major}.0.0{pre}", True, True
    elif _is_x(patch[1:]) or not patch:
        ver, dirty, patch_dirty = f"{major}{minor}.0{pre}", True, True
    con = coerce(ver)
    if con is None:
        raise InvalidPolicyError("constraint parser error")
    return Constraint(m.text(1), m.text(2), con, dirty, minor_dirty, patch_dirty)


def _rewrite_range(text: str) -> str:
    out = text
    for m in _RANGE.find_all(text):
        out = out.replace(m.text(0), f">= {m.text(1)}, <= {m.text(11)} ", 1)
    return out


def parse_range(text: str) -> Range:
    """Parse a semver range like Masterminds ``NewConstraint``.

    Parameters
    ----------
    text
        The ``spec.policy.semver.range`` string.

    Raises
    ------
    InvalidPolicyError
        ``improper constraint: <segment>`` (Masterminds' message) for anything it refuses,
        including the empty string, ``latest``, ``V1.x``, ``1x`` and a trailing ``||``.
    """
    groups: list[tuple[Constraint, ...]] = []
    allows_pre: list[bool] = []
    for segment in _rewrite_range(text).split("||"):
        if not _VALID.match_string(segment):
            raise InvalidPolicyError(f"improper constraint: {segment}")
        parts = [m.text(0) for m in _FIND.find_all(segment)] or [segment]
        group = tuple(_parse_constraint(p) for p in parts)
        groups.append(group)
        allows_pre.append(any(c.con[3] == 0 for c in group))
    return Range(text, tuple(groups), tuple(allows_pre))


# -- the constraint functions of constraints.go; the prerelease gate is in Constraint.check ----


def _not_equal(v: Key, c: Constraint) -> bool:
    con = c.con
    if c.dirty:
        if con[0] != v[0]:
            return True
        if con[1] != v[1] and not c.minor_dirty:
            return True
        if c.minor_dirty:
            return False
        if con[2] != v[2] and not c.patch_dirty:
            return True
        if c.patch_dirty:
            if v[3] == 0 or con[3] == 0:
                return v[4] != con[4]
            return False
    return v[:5] != con


def _greater_than(v: Key, c: Constraint) -> bool:
    if not c.dirty:
        return v > c.con
    if v[0] != c.con[0]:
        return v[0] > c.con[0]
    if c.minor_dirty:
        return False
    if c.patch_dirty:
        return v[1] > c.con[1]
    return v > c.con


def _less_than_equal(v: Key, c: Constraint) -> bool:
    if not c.dirty:
        return v <= c.con
    if v[0] > c.con[0]:
        return False
    return not (v[0] == c.con[0] and v[1] > c.con[1] and not c.minor_dirty)


def _tilde(v: Key, c: Constraint) -> bool:
    con = c.con
    if v < con:
        return False
    if con[:3] == (0, 0, 0) and not c.minor_dirty and not c.patch_dirty:
        return True
    if v[0] != con[0]:
        return False
    return not (v[1] != con[1] and not c.minor_dirty)


def _tilde_or_equal(v: Key, c: Constraint) -> bool:
    if c.dirty:
        return _tilde(v, c)
    return v == c.con


def _caret(v: Key, c: Constraint) -> bool:
    con = c.con
    if v < con:
        return False
    if con[0] > 0 or c.minor_dirty:
        return v[0] == con[0]
    if v[0] > 0:
        return False
    if con[1] > 0 or c.patch_dirty:
        return v[1] == con[1]
    if v[1] > 0:
        return False
    return v[2] == con[2]


_OPS_FUNCS: dict[str, Callable[[Key, Constraint], bool]] = {
    "": _tilde_or_equal,
    "=": _tilde_or_equal,
    "!=": _not_equal,
    ">": _greater_than,
    "<": lambda v, c: v < c.con,
    ">=": lambda v, c: v >= c.con,
    "=>": lambda v, c: v >= c.con,
    "<=": _less_than_equal,
    "=<": _less_than_equal,
    "~": _tilde,
    "~>": _tilde,
    "^": _caret,
}

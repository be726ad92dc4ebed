"""Build a policer from ``spec.policy`` (IRC ``internal/policy/factory.go``).

The choice is a union without one-of validation: ``semver`` is checked first, then
``alphabetical``, then ``numerical``. Orders are the CRD's lowercase ``asc``/``desc``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tagpilot.policy.alphabetical import Alphabetical
from tagpilot.policy.errors import NO_POLICY, InvalidPolicyError
from tagpilot.policy.numerical import Numerical
from tagpilot.policy.policer import Policer
from tagpilot.policy.semver import SemVer

__all__ = ["Policer", "build_policer"]

_CHOICES = ("semver", "alphabetical", "numerical")


def _order(choice: str, spec: Any) -> str:
    if not isinstance(spec, Mapping):
        raise InvalidPolicyError(f"spec.policy.{choice} must be an object")
    order = spec.get("order")
    if order is None:
        return "asc"
    if order not in ("asc", "desc"):
        raise InvalidPolicyError(
            f"invalid order argument provided: '{order}', must be one of: asc, desc"
        )
    return str(order)


def build_policer(policy: Mapping[str, Any] | None) -> Policer:
    """Return the policer for ``spec.policy``.

    Parameters
    ----------
    policy
        The manifest's ``spec.policy`` mapping.

    Raises
    ------
    InvalidPolicyError
        No choice set (``given ImagePolicyChoice object is invalid``), an invalid range or
        order, or a field of the wrong type.

    Examples
    --------
    >>> build_policer({"semver": {"range": ">=1.0.0"}}).latest(["0.9.0", "1.1.0"])
    '1.1.0'
    """
    if not isinstance(policy, Mapping):
        raise InvalidPolicyError(NO_POLICY)
    unknown = sorted(set(policy) - set(_CHOICES))
    if unknown:
        raise InvalidPolicyError(f"spec.policy: unknown field '{unknown[0]}'")
    semver = policy.get("semver")
    if semver is not None:
        if not isinstance(semver, Mapping) or not isinstance(semver.get("range"), str):
            raise InvalidPolicyError("spec.policy.semver.range is required and must be a string")
        return SemVer(semver["range"])
    if policy.get("alphabetical") is not None:
        return Alphabetical(_order("alphabetical", policy["alphabetical"]))
    if policy.get("numerical") is not None:
        return Numerical(_order("numerical", policy["numerical"]))
    raise InvalidPolicyError(NO_POLICY)

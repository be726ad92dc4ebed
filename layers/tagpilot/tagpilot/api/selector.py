"""Typed Kubernetes label selectors: ``policySelector`` (ImageUpdateAutomation) and the
``accessFrom.namespaceSelectors`` of an ImageRepository (fluxcd/pkg ``runtime/acl``).

Parsed from what validation accepted (:func:`tagpilot.api.imageupdateautomation.validate_spec`,
:func:`tagpilot.api.imagerepository.validate_spec`); matching follows
``metav1.LabelSelectorAsSelector``.

Examples
--------
>>> selector = LabelSelector.from_dict(
...     {"matchLabels": {"team": "web"},
...      "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]})
>>> selector.matches({"team": "web", "tier": "front"})
True
>>> selector.matches({"team": "web", "tier": "db"})
False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Requirement:
    """One ``matchExpressions`` entry: ``In``, ``NotIn``, ``Exists`` or ``DoesNotExist``."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            return not (present and labels[self.key] in self.values)
        if self.operator == "Exists":
            return present
        return not present  # DoesNotExist


@dataclass(frozen=True)
class LabelSelector:
    """``matchLabels`` and ``matchExpressions``, all of which must hold."""

    match_labels: Mapping[str, str] = field(default_factory=dict)
    match_expressions: tuple[Requirement, ...] = ()

    @classmethod
    def from_dict(cls, selector: Mapping[str, Any]) -> LabelSelector:
        return cls(
            match_labels={str(k): str(v) for k, v in (selector.get("matchLabels") or {}).items()},
            match_expressions=tuple(
                Requirement(
                    str(expr["key"]),
                    str(expr["operator"]),
                    tuple(str(v) for v in expr.get("values") or ()),
                )
                for expr in selector.get("matchExpressions") or ()
            ),
        )

    @property
    def empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy the selector; an empty selector matches everything."""
        return all(labels.get(k) == v for k, v in self.match_labels.items()) and all(
            expr.matches(labels) for expr in self.match_expressions
        )


@dataclass(frozen=True)
class AccessFrom:
    """An ImageRepository's ``accessFrom``: namespaces whose labels match any selector."""

    namespace_selectors: tuple[LabelSelector, ...] = ()

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> AccessFrom | None:
        """``None`` when the spec has no ``accessFrom`` (only the own namespace has access)."""
        access = spec.get("accessFrom")
        if access is None:
            return None
        return cls(
            tuple(LabelSelector.from_dict(s) for s in access.get("namespaceSelectors") or ())
        )

    def admits(self, namespace_labels: Mapping[str, str]) -> bool:
        return any(s.matches(namespace_labels) for s in self.namespace_selectors)

"""Kubernetes label selectors (``matchLabels`` and ``matchExpressions``) given as dicts (the
CLI's ``--selector``); the typed form is :class:`tagpilot.api.selector.LabelSelector`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tagpilot.api.selector import LabelSelector


def matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """An absent or empty selector matches everything, as ``metav1.LabelSelectorAsSelector``."""
    return not selector or LabelSelector.from_dict(selector).matches(labels)

"""Receiver (``notification.toolkit.fluxcd.io/v1`` and ``/v1beta2``): schema checks, delegated to
:mod:`tagpilot.receiver.spec` so ``apply`` and the webhook share one definition."""

from __future__ import annotations

from typing import Any

from tagpilot.api.validation import Checker


def validate_spec(spec: Any, check: Checker, path: str = "spec") -> None:
    from tagpilot.receiver.errors import ReceiverSpecError
    from tagpilot.receiver.spec import validate_receiver_spec

    if not isinstance(spec, dict):
        check.fail(path, "must be an object")
        return
    try:
        validate_receiver_spec(spec)
    except ReceiverSpecError as exc:
        field, _, message = str(exc).partition(": ")
        check.fail(field if field.startswith("spec") else path, message or str(exc))

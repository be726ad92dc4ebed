"""An App that records events (DynamoDB Local) and delivers them in-process."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.functional.cli.conftest import cli  # noqa: F401 - the in-process CLI fixture


@pytest.fixture
def events_app(app: Any) -> Any:
    from tagpilot.runtime.app import wire_events

    app.settings = app.settings.with_overrides(events_table=f"events-{uuid.uuid4().hex[:12]}")
    wire_events(app)
    delivery = app.notifications
    delivery.retry_base = 0.05
    yield app
    delivery.close()


ALERT = """\
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {{name: {name}, namespace: flux-system}}
spec:
  type: {type}
  address: {address}
{extra}---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {{name: {name}, namespace: flux-system}}
spec:
  providerRef: {{name: {name}}}
  eventSeverity: {severity}
  eventSources:
    - {{kind: ImageRepository, name: '*'}}
    - {{kind: ImagePolicy, name: '*'}}
    - {{kind: ImageUpdateAutomation, name: '*'}}
"""


@pytest.fixture
def add_alert(events_app: Any, tmp_path: Any) -> Any:
    from tagpilot.api.loader import load
    from tagpilot.reconcile.apply import apply_documents

    def add(
        name: str, address: str, *, type: str = "generic", severity: str = "info", extra: str = ""
    ) -> None:
        path = tmp_path / f"alert-{name}.yaml"
        path.write_text(
            ALERT.format(name=name, type=type, address=address, severity=severity, extra=extra)
        )
        docs = load([str(path)])
        assert all(d.valid for d in docs), [d.error_lines() for d in docs]
        apply_documents(events_app, docs)

    return add

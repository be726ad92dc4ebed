"""Fixtures for the tagpilot.dev extensions: the shared App plus the extension adapters."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from tagpilot.api.resource import Resource
from tagpilot.registry.budget import RequestMeter
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.pushtimes import PushSources
from tagpilot.store.budgets import BudgetStore
from tagpilot.store.models import build_models
from tagpilot.store.pushtimes import PushTimeStore

from tests.support.registry import RegistryServer


class Clock:
    """A settable wall clock shared by the App and the stores."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(1_800_000_000.0)


@pytest.fixture
def xapp(app: Any, clock: Clock) -> Any:
    """The test App with push times, budgets and the request meter wired like ``build_app``."""
    models = build_models(app.settings)
    session = requests.Session()
    meter = RequestMeter(clock)
    meter.install(session)
    app.registry = RegistryClient(session)
    app.clock = clock
    app.pushtimes = PushTimeStore(models)
    app.budgets = BudgetStore(models, clock=clock)
    app.meter = meter
    app.push_sources = PushSources(session=requests.Session())
    return app


@pytest.fixture
def registry():
    with RegistryServer() as server:
        yield server


def apply(app: Any, kind: str, name: str, spec: dict, annotations: dict | None = None) -> Resource:
    group = {
        "ImageRepository": "image.toolkit.fluxcd.io/v1",
        "ImagePolicy": "image.toolkit.fluxcd.io/v1",
        "ImageUpdateAutomation": "image.toolkit.fluxcd.io/v1",
    }[kind]
    resource = Resource(group, kind, name, "apps", spec=spec, annotations=annotations or {})
    return app.objects.apply(resource).resource


def condition(resource: Resource, ctype: str) -> dict | None:
    return next((c for c in resource.status.get("conditions", []) if c["type"] == ctype), None)


def next_due(app: Any, kind: str, name: str) -> float:
    item = build_models(app.settings).objects.get(kind, f"apps/{name}")
    return float(item.next_due_at)

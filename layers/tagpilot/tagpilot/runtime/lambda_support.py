"""Glue between Lambda handlers and the domain: one :class:`App` per execution environment,
and metrics for reconcile outcomes.

Handlers call :func:`current_app` inside the handler (not at import), so importing a handler never
reads the environment or opens connections; the first invocation builds the adapters and later
invocations reuse them. Tests install their own app with :func:`use_app`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from tagpilot.config import load_settings
from tagpilot.reconcile import runner
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome
from tagpilot.runtime.app import build_app
from tagpilot.store.queues import WorkItem

_APP: Any = None


def current_app() -> Any:
    global _APP
    if _APP is None:
        _APP = build_app(load_settings())
    return _APP


def use_app(app: App) -> None:
    """Install ``app`` (tests, ``tagpilot serve``); ``None`` resets to lazy building."""
    global _APP
    _APP = app


def run_work_record(body: str, metrics: Any, logger: Any) -> None:
    """Handle one queue message (scan or automation worker): reconcile, then log and measure."""
    record_outcomes(metrics, logger, runner.run(current_app(), WorkItem.from_body(body)))


def record_outcomes(metrics: Any, logger: Any, outcomes: Iterable[Outcome]) -> None:
    """Emit one log line and the metrics of each outcome (names and numbers only)."""
    for out in outcomes:
        logger.info(
            "reconciled",
            extra={
                "kind": out.kind,
                "object": f"{out.namespace}/{out.name}",
                "ready": out.ready,
                "reason": out.reason,
                "skipped": out.skipped,
                "detail": out.message,
            },
        )
        if out.skipped:
            continue
        for name, value in out.metrics.items():
            unit = MetricUnit.Seconds if name.endswith("_seconds") else MetricUnit.Count
            metrics.add_metric(name=f"{out.kind}.{name}", unit=unit, value=value)
        if out.failed:
            metrics.add_metric(name=f"{out.kind}.failures", unit=MetricUnit.Count, value=1)

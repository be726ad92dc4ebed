"""The ImageRepository reconciler's hooks for registry budgets and push times.

:func:`before_scan` takes the scan's estimated requests from the host's shared token bucket and
defers the scan (reported as ``tagpilot.dev/Deferred``, reason ``RegistryBudgetExhausted``, with
the time it will run; Ready is left as it was) when the bucket cannot pay. :func:`settle` charges
what the scan really cost, as counted by the registry session's :class:`RequestMeter`, and applies
the limits the registry announced. :func:`record_push_times` refreshes the push times after a scan
(``tagpilot.dev/push-times``); a failure there is reported as ``tagpilot.dev/PushTimes`` False and
does not fail the scan.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from tagpilot.api import conditions
from tagpilot.api.extensions import (
    PREFIX,
    Budget,
    ExtensionError,
    push_time_source,
    registry_budget,
)
from tagpilot.api.resource import Resource
from tagpilot.golang.duration import format_duration
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome
from tagpilot.registry.budget import DEFAULT_BUDGETS
from tagpilot.registry.ecr import parse_ecr_host
from tagpilot.registry.errors import RegistryError
from tagpilot.registry.names import ImageName
from tagpilot.registry.pushtimes import (
    PushSources,
    PushTimes,
    Refreshed,
    RegistryContentReader,
    choose_source,
    from_config,
    from_docker_hub,
    from_ecr,
)
from tagpilot.store.errors import StoreError

DEFERRED = PREFIX + "Deferred"
BUDGET_EXHAUSTED = "RegistryBudgetExhausted"
PUSH_TIMES = PREFIX + "PushTimes"
PUSH_TIMES_FAILED = "PushTimesFailed"
PAGE = 1000


def _budget(resource: Resource, host: str) -> Budget | None:
    own = registry_budget(resource.annotations)
    if own is not None:
        return own
    default = DEFAULT_BUDGETS.get(host)
    return Budget(*default) if default else None


def _estimate(resource: Resource) -> int:
    count = int((resource.status.get("lastScanResult") or {}).get("tagCount") or 0)
    return 1 + count // PAGE


def before_scan(
    app: App, resource: Resource, image: ImageName, status: dict[str, Any], out: Outcome
) -> float | None:
    """``None`` to scan now, else the epoch second to scan at (the status says so)."""
    if app.budgets is None:
        return None
    host = image.api_host.lower()
    try:
        budget = _budget(resource, host)
    except ExtensionError as exc:
        out.metrics["budget_errors"] = 1
        conditions.set_condition(
            status, DEFERRED, "False", "InvalidExtension", str(exc), generation=resource.generation
        )
        return None
    if budget is None:
        return None
    cost = _estimate(resource)
    grant = app.budgets.acquire(host, cost, budget.requests, budget.per_seconds)
    if grant.granted:
        out.metrics["budget_estimate"] = cost
        if conditions.get(status, DEFERRED) is not None:
            conditions.delete(status, DEFERRED)
        return None
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(grant.retry_at))
    message = (
        f"scan deferred until {when}: the request budget of {host} "
        f"({budget.requests} per {format_duration(budget.per_seconds)}) is spent"
    )
    conditions.set_condition(
        status, DEFERRED, "True", BUDGET_EXHAUSTED, message, generation=resource.generation
    )
    out.skipped = message
    out.metrics["deferred"] = 1
    return float(grant.retry_at)


def settle(app: App, resource: Resource, image: ImageName, out: Outcome) -> None:
    """Charge the requests the meter counted beyond the estimate; apply announced limits."""
    if app.meter is None:
        return
    host = image.api_host.lower()
    usage = app.meter.take(host)
    out.metrics["registry_requests"] = out.metrics.get("registry_requests", 0) + usage.requests
    if app.budgets is None:
        return
    estimate = out.metrics.pop("budget_estimate", 0)
    try:
        budget = _budget(resource, host)
    except ExtensionError:
        return
    if budget is None or (
        usage.requests == estimate and usage.remaining is None and not usage.wait
    ):
        return
    try:
        app.budgets.settle(
            host,
            usage.requests - estimate,
            budget.requests,
            budget.per_seconds,
            remaining=usage.remaining,
            wait=usage.wait,
        )
    except StoreError as exc:  # the scan itself worked; the next acquire re-reads the bucket
        out.metrics["budget_errors"] = 1
        out.message = str(exc)


def _refresh(
    app: App,
    image: ImageName,
    auth: Any,
    timeout: float,
    tags: Sequence[str],
    source: str,
    previous: PushTimes,
) -> Refreshed:
    sources: PushSources = app.push_sources or PushSources()
    kind = choose_source(source, image)
    if kind == "ecr":
        _, region = parse_ecr_host(image.registry)
        if sources.ecr_client is None:
            raise RegistryError("no ECR client configured for push times")
        return from_ecr(sources.ecr_client(region), image, tags)
    if kind == "dockerhub":
        return from_docker_hub(
            sources.session, image, tags, api=sources.docker_hub_api, timeout=timeout
        )
    reader = (sources.reader or RegistryContentReader)(app.registry, image, auth, timeout)
    return from_config(reader, tags, previous)


def record_push_times(
    app: App,
    resource: Resource,
    image: ImageName,
    auth: Any,
    timeout: float,
    tags: Sequence[str],
    status: dict[str, Any],
    out: Outcome,
) -> None:
    """Refresh and store the push times of ``tags`` (when the repository asks for them)."""
    try:
        source = push_time_source(resource.annotations)
        if source is None or app.pushtimes is None:
            return
        previous = app.pushtimes.get(resource.key)
        refreshed = _refresh(app, image, auth, timeout, tags, source, previous)
        if refreshed.record != previous:
            out.metrics["push_time_items_written"] = app.pushtimes.put(
                resource.key, refreshed.record
            )
        out.metrics["push_time_reads"] = refreshed.reads
        if conditions.get(status, PUSH_TIMES) is not None:
            conditions.delete(status, PUSH_TIMES)
    except (RegistryError, StoreError, ExtensionError) as exc:
        conditions.set_condition(
            status,
            PUSH_TIMES,
            "False",
            PUSH_TIMES_FAILED,
            f"push times not recorded: {exc}",
            generation=resource.generation,
        )
        out.metrics["push_time_failures"] = 1
    finally:
        settle(app, resource, image, out)

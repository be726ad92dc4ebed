"""Reconcile an ImageRepository: decide whether to scan, list tags, store them, set status.

Follows image-reflector-controller's ``imagerepository_controller.go`` (reference section 2.3):
the same ``shouldScan`` reasons, conditions, reasons and messages, with two tagpilot additions: a
new generation always scans, and a failed scan is retried with Flux's exponential backoff (at least
the ``Retry-After`` a registry asked for).

A periodic run comes at the object's slot (:mod:`tagpilot.store.slots`): it always lists the
tags, and when nothing changed it writes nothing (no status, no event): the status's
``lastScanResult.scanTime`` is refreshed only every :data:`SCAN_TIME_REFRESH` seconds.
"""

from __future__ import annotations

import calendar
import time
from typing import Any

from tagpilot.api import conditions
from tagpilot.api.conditions import now_rfc3339
from tagpilot.api.imagerepository import ImageRepositorySpec
from tagpilot.api.resource import Resource
from tagpilot.golang.regexp import RegexpSyntaxError
from tagpilot.limits import valid_tag
from tagpilot.policy.tags import stored_order
from tagpilot.reconcile import events, scanext
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome, backoff, bounded_timeout, handled_request
from tagpilot.reconcile.registryauth import build_registry_auth
from tagpilot.registry.errors import (
    AuthConfigError,
    ImageURLInvalidError,
    RateLimitedError,
    RegistryError,
)
from tagpilot.registry.names import ImageName, parse_image_reference
from tagpilot.store.queues import WorkItem
from tagpilot.store.tags import revision_of

KIND = "ImageRepository"
LATEST_TAGS_COUNT = 10
IMAGE_URL_INVALID = "ImageURLInvalid"
AUTHENTICATION_FAILED = "AuthenticationFailed"
READ_OPERATION_FAILED = "ReadOperationFailed"
_TRACE = "tags did not change"
#: An unchanged periodic rescan rewrites its status (``scanTime``) at most this often.
SCAN_TIME_REFRESH = 3600.0
#: A periodic rescan checks that the stored tags still exist every this many slots.
TAG_CHECK_SLOTS = 12


def should_scan(
    resource: Resource,
    spec: ImageRepositorySpec,
    image: ImageName,
    has_tags: Any,
    now: float,
    slot: int | None = None,
) -> str | None:
    """Flux's ``shouldScan``: the reason to list tags now, or ``None``.

    At its ``slot`` the interval has come by construction; the tags' presence is checked every
    :data:`TAG_CHECK_SLOTS` slots only (a query per scan would cost more than the scan).
    """
    status = resource.status
    last = status.get("lastScanResult") or {}
    if not last.get("scanTime"):
        return "first scan"
    if resource.generation != status.get("observedGeneration"):
        return "new generation"
    if resource.requested_at and resource.requested_at != status.get("lastHandledReconcileAt"):
        return "reconcile requested"
    if image.canonical != status.get("canonicalImageName"):
        return "new image name"
    if set(spec.exclusion_list) != set(status.get("observedExclusionList") or []):
        return "updated exclusion list"
    if slot is not None:
        if (slot // max(round(spec.interval), 1)) % TAG_CHECK_SLOTS == 0 and not has_tags():
            return "no tags in database"
        return "triggered by interval"
    if not has_tags():
        return "no tags in database"
    if spec.interval - (now - _parse_time(last["scanTime"])) < 1.0:
        return "triggered by interval"
    return None


def _parse_time(text: str) -> float:
    return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))


def reconcile(app: App, namespace: str, name: str, slot: int | None = None) -> Outcome:
    """Reconcile one ImageRepository and persist its status; never raises for scan problems.

    ``slot``: the periodic slot this run was sent for (``None``: a run made due by an event).
    """
    out = Outcome(KIND, namespace, name)
    resource = app.objects.get(KIND, namespace, name, consistent=slot is None)
    if resource is None:
        out.skipped = "not found"
        return out
    if resource.suspended:
        out.skipped = "suspended"
        return out
    if slot is not None and resource.next_due_at is not None:
        # Retrying with backoff, stalled, or about to run for a request: not the slot's turn.
        out.skipped, out.quiet = "off its slot until the next run on schedule", True
        return out
    now = app.clock()
    status = dict(resource.status)
    spec = ImageRepositorySpec.from_dict(resource.spec)
    handled_request(resource, status)
    try:
        image = parse_image_reference(spec.image)
    except ImageURLInvalidError as exc:
        conditions.mark_stalled(status, IMAGE_URL_INVALID, str(exc), generation=resource.generation)
        return _finish(app, resource, status, out, next_due=None, failures=0)
    try:
        auth = build_registry_auth(spec, namespace, image, app.secrets, app.ecr)
    except AuthConfigError as exc:
        return _fail(app, resource, status, out, AUTHENTICATION_FAILED, str(exc), now)
    reason = should_scan(resource, spec, image, lambda: app.tags.exists(resource.key), now, slot)
    if reason is None:
        remaining = spec.interval - (now - _parse_time(status["lastScanResult"]["scanTime"]))
        out.skipped = "not due"
        _copy_ready(status, out)
        return _finish(app, resource, status, out, next_due=now + max(remaining, 1.0), failures=0)
    deferred_to = scanext.before_scan(app, resource, image, status, out)
    if deferred_to is not None:
        return _finish(app, resource, status, out, next_due=deferred_to, failures=resource.failures)
    try:
        started = time.perf_counter()
        listed = app.registry.list_tags(image, auth, bounded_timeout(app, spec.timeout))
        # Tags outside the OCI grammar ("1.0.0\\n", "../x", 129+ characters) are never stored.
        valid = [tag for tag in listed if valid_tag(tag)]
        stored = stored_order(valid, list(spec.exclusion_list))
        out.metrics["scan_seconds"] = time.perf_counter() - started
    except RegexpSyntaxError as exc:
        return _fail(app, resource, status, out, READ_OPERATION_FAILED, f"scan failed: {exc}", now)
    except RegistryError as exc:
        delay = exc.retry_after if isinstance(exc, RateLimitedError) else None
        return _fail(app, resource, status, out, _reason(exc), f"scan failed: {exc}", now, delay)
    finally:
        scanext.settle(app, resource, image, out)
    revision = revision_of(stored)
    previous = (status.get("lastScanResult") or {}).get("revision")
    force = reason == "no tags in database"
    written = app.tags.put(resource.key, stored, revision, None if force else previous)
    skipped = len(listed) - len(valid)
    out.metrics.update(tags_found=len(stored), tags_skipped=skipped)
    out.metrics.update(tag_items_written=written.items_written)
    scanext.record_push_times(app, resource, image, auth, spec.timeout, stored, status, out)
    last: dict[str, Any] = {
        "tagCount": len(stored),
        "scanTime": now_rfc3339(),
        "revision": revision,
    }
    if stored:
        last["latestTags"] = stored[:LATEST_TAGS_COUNT]
    if skipped:
        last["skippedTagCount"] = skipped
    status["lastScanResult"] = last
    status["canonicalImageName"] = image.canonical
    status["observedExclusionList"] = list(spec.exclusion_list)
    message = f"successful scan: found {len(stored)} tags with checksum {revision}"
    if skipped:
        message += f" ({skipped} tags skipped: not valid OCI tags)"
    conditions.mark_ready(status, conditions.SUCCEEDED, message, generation=resource.generation)
    if revision != previous:
        out.follow_up = [
            WorkItem("ImagePolicy", key.split("/", 1)[0], key.split("/", 1)[1], reason="new tags")
            for key in app.objects.keys_by_ref(f"{KIND}#{resource.key}")
        ]
    elif slot is not None and _unchanged(resource, status):
        # Nothing but the scan time would change: no event, and no write at all unless the
        # stored scan time is older than SCAN_TIME_REFRESH.
        _copy_ready(status, out)
        out.quiet = True
        scanned = (resource.status.get("lastScanResult") or {}).get("scanTime")
        if scanned and now - _parse_time(scanned) < SCAN_TIME_REFRESH:
            return out
        app.objects.write_status(
            resource, status, next_due_at=now + spec.interval, extra={"failures": 0}, periodic=True
        )
        return out
    return _finish(
        app, resource, status, out, next_due=now + spec.interval, failures=0, periodic=True
    )


def _unchanged(resource: Resource, status: dict[str, Any]) -> bool:
    """The new status differs from the stored one by the scan time only."""
    if resource.failures:
        return False
    old = dict(resource.status)
    old_last = dict(old.get("lastScanResult") or {})
    old_last.pop("scanTime", None)
    new = dict(status)
    new_last = dict(new.get("lastScanResult") or {})
    new_last.pop("scanTime", None)
    old["lastScanResult"], new["lastScanResult"] = old_last, new_last
    return old == new


def _reason(exc: RegistryError) -> str:
    return AUTHENTICATION_FAILED if isinstance(exc, AuthConfigError) else READ_OPERATION_FAILED


def _copy_ready(status: dict[str, Any], out: Outcome) -> None:
    out.ready, out.message = conditions.ready_summary(status)
    cond = conditions.get(status, conditions.READY) or {}
    out.reason = str(cond.get("reason", ""))


def _fail(
    app: App,
    resource: Resource,
    status: dict[str, Any],
    out: Outcome,
    reason: str,
    message: str,
    now: float,
    at_least: float | None = None,
) -> Outcome:
    failures = resource.failures + 1
    conditions.mark_failed(status, reason, message, generation=resource.generation)
    delay = max(backoff(failures), at_least or 0.0)
    out.metrics["failures"] = 1
    return _finish(app, resource, status, out, next_due=now + delay, failures=failures)


def _finish(
    app: App,
    resource: Resource,
    status: dict[str, Any],
    out: Outcome,
    *,
    next_due: float | None,
    failures: int,
    periodic: bool = False,
) -> Outcome:
    app.objects.write_status(
        resource, status, next_due_at=next_due, extra={"failures": failures}, periodic=periodic
    )
    if out.skipped is None:
        _copy_ready(status, out)
        events.notify(app, resource, resource.status, status, trace_message=_TRACE)
    return out

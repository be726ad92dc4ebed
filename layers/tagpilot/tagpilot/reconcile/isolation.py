"""Contain a reconcile that raised: the failure becomes a status on that object, never a crash.

Reconcilers turn the failures they expect into conditions themselves. Anything else that escapes
one (a store outage, a registry or Git error on an unexpected path, a ``RecursionError`` from
hostile input, an object deleted under its reconcile, a spec value the reconciler cannot use) is
caught by the runner and handed to :func:`contain`, which

- writes Ready=False with a reason and message on the object (Stalled for spec errors, which
  only a spec change can fix), and schedules a retry with Flux's backoff, which also releases
  the dispatcher's claim (``next_due_at`` moves from the claim to the retry time);
- records the ``Warning`` event with that reason and message, as Flux's controllers emit one for
  every failed reconcile (repeats are counted in the events table and suppressed downstream);
- returns a failed :class:`Outcome`, so the worker goes on with the next object.

If even the status cannot be written (the store itself is down), the outcome carries an
:class:`~tagpilot.reconcile.common.Unreleased` record of what is still held (the failure status
that releases the claim, and any Git branch lease). The worker keeps it and calls :func:`release`
until the store answers again (``serve`` at every tick; a Lambda worker fails the record, so SQS
delivers it again), so no object waits for its claim to run out once the store is back.
"""

from __future__ import annotations

import logging

from tagpilot.api import conditions
from tagpilot.api.resource import Resource
from tagpilot.errors import TagpilotError
from tagpilot.golang.duration import DurationError
from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome, Unreleased, backoff
from tagpilot.registry.errors import RegistryError
from tagpilot.source.errors import SourceError
from tagpilot.store.errors import LeaseNotReleasedError, NotFoundError, StoreError
from tagpilot.update.errors import UpdateError

logger = logging.getLogger(__name__)

INVALID_SPEC = "InvalidSpec"
STORE_FAILED = "StoreOperationFailed"
READ_FAILED = "ReadOperationFailed"
GIT_FAILED = "GitOperationFailed"
UPDATE_FAILED = "UpdateFailed"
RECONCILE_FAILED = "ReconcileFailed"
MAX_MESSAGE = 1000
DELETED = "deleted during reconcile"

#: Errors in a spec value that passed validation but that the reconciler cannot use.
SPEC_ERRORS: tuple[type[BaseException], ...] = (DurationError,)


def classify(exc: BaseException) -> tuple[str, bool]:
    """The condition reason for ``exc`` and whether it stalls the object."""
    if isinstance(exc, SPEC_ERRORS):
        return INVALID_SPEC, True
    if isinstance(exc, StoreError):
        return STORE_FAILED, False
    if isinstance(exc, RegistryError):
        return READ_FAILED, False
    if isinstance(exc, SourceError):
        return GIT_FAILED, False
    if isinstance(exc, UpdateError):
        return UPDATE_FAILED, False
    return RECONCILE_FAILED, False


def describe(exc: BaseException) -> str:
    """A one-line message: typed errors carry their own text; others add the type name."""
    if isinstance(exc, RecursionError):
        text = "input is nested too deeply (maximum recursion depth exceeded)"
    elif isinstance(exc, TagpilotError | DurationError):
        text = str(exc)
    else:
        detail = str(exc)
        text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def contain(app: App, kind: str, namespace: str, name: str, exc: BaseException) -> Outcome:
    """Record ``exc`` as the object's status and return the failed outcome (never raises).

    What the store refused to record (the status, a lease release) is returned in
    ``Outcome.unreleased`` for the worker to retry with :func:`release`.
    """
    reason, stalled = classify(exc)
    message = describe(exc)
    if isinstance(exc, NotFoundError):
        # write_status found the object gone: it was deleted while we reconciled it.
        return _deleted(kind, namespace, name)
    logger.warning("reconcile of %s %s/%s failed: %s: %s", kind, namespace, name, reason, message)
    logger.debug("reconcile failure detail", exc_info=exc)
    out = Outcome(kind, namespace, name, ready="False", reason=reason, message=message)
    out.metrics["failures"] = 1
    lease = (exc.lease, exc.owner) if isinstance(exc, LeaseNotReleasedError) else None
    pending = Unreleased(kind, namespace, name, reason, message, stalled=stalled, lease=lease)
    try:
        done = release(app, pending)
    except Exception as write_exc:  # noqa: BLE001 - the store may be what failed in the first place
        out.message = f"{message} (status not recorded: {describe(write_exc)})"
        out.unreleased = pending
        logger.warning("status of %s %s/%s not recorded: %s", kind, namespace, name, out.message)
        return out
    return out if done else _deleted(kind, namespace, name)


def release(app: App, pending: Unreleased) -> bool:
    """Write the failure status of ``pending`` (releasing the claim) and release its lease.

    Each step that succeeds is struck off ``pending``, so a retry does only what is left.
    Returns False when the object was deleted meanwhile (nothing left to release).

    Raises
    ------
    Exception
        Whatever the store raised; ``pending`` keeps the steps still to do.
    """
    if pending.lease is not None:
        app.leases.release(*pending.lease)
        pending.lease = None
    if not pending.status:
        return True
    try:
        current = app.objects.get(pending.kind, pending.namespace, pending.name)
        if current is None:
            pending.status = False
            return False
        status = dict(current.status)
        generation = current.generation
        if pending.stalled:
            conditions.mark_stalled(status, pending.reason, pending.message, generation=generation)
            next_due, failures = None, 0
        else:
            conditions.mark_failed(status, pending.reason, pending.message, generation=generation)
            failures = current.failures + 1
            next_due = app.clock() + backoff(failures)
        app.objects.write_status(
            current, status, next_due_at=next_due, extra={"failures": failures}
        )
    except NotFoundError:
        pending.status = False
        return False
    pending.status = False
    _record_warning(app, current, pending)
    return True


def _record_warning(app: App, resource: Resource, pending: Unreleased) -> None:
    """The ``Warning`` event of a contained failure (the recorder's writes are best effort)."""
    if app.events is not None:
        app.events.record(resource, "Warning", pending.reason, pending.message)


def _deleted(kind: str, namespace: str, name: str) -> Outcome:
    out = Outcome(kind, namespace, name)
    out.skipped = DELETED
    return out

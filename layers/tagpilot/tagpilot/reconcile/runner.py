"""Run one work item and everything it chains to, in-process.

A scan whose revision changed is followed at once by its ImagePolicies; a policy whose
``latestRef`` changed is followed by the automations of its namespace, which go to the
automation queue (one writer per Git branch).
"""

from __future__ import annotations

import importlib
from collections import deque
from typing import Any

from tagpilot.reconcile.app import App
from tagpilot.reconcile.common import Outcome
from tagpilot.reconcile.isolation import contain
from tagpilot.store.queues import WorkItem, snapshot_resource
from tagpilot.store.slots import SLOT_KINDS

#: Imported on first use (importlib): the scan worker never loads dulwich or the setters.
_RECONCILERS = {
    "ImageRepository": "tagpilot.reconcile.imagerepository",
    "ImagePolicy": "tagpilot.reconcile.imagepolicy",
    "ImageUpdateAutomation": "tagpilot.reconcile.automation",
    "OCIRepository": "tagpilot.reconcile.ocirepository",
    "GitRepository": "tagpilot.reconcile.gitrepository",
    "Receiver": "tagpilot.reconcile.receiver",
}
#: Kinds that never run inline: they go to their own queue.
QUEUED_KINDS = {"ImageUpdateAutomation"}


def reconcile_one(app: App, item: WorkItem) -> Outcome:
    """Reconcile one object; whatever it raises becomes its status (:mod:`.isolation`)."""
    module = _RECONCILERS.get(item.kind)
    if module is None:
        out = Outcome(item.kind, item.namespace, item.name)
        out.skipped = f"kind {item.kind} is not reconciled by this worker"
        return out
    reconcile = importlib.import_module(module).reconcile
    # A periodic slot's run (slot-scheduled kinds only) may skip its status write.
    extra: dict[str, Any] = (
        {"slot": item.slot} if item.slot is not None and item.kind in SLOT_KINDS else {}
    )
    # The object as the dispatcher claimed it, when the message carries a fresh one.
    claimed = snapshot_resource(item, app.clock())
    if claimed is not None:
        extra["resource"] = claimed
    try:
        result: Outcome = reconcile(app, item.namespace, item.name, **extra)
    except Exception as exc:  # noqa: BLE001 - one object's failure must not stop the worker
        return contain(app, item.kind, item.namespace, item.name, exc)
    return result


def run(app: App, item: WorkItem) -> list[Outcome]:
    """Reconcile ``item``, then inline the follow-ups; queue the automation runs."""
    outcomes: list[Outcome] = []
    pending: deque[WorkItem] = deque([item])
    queued: list[WorkItem] = []
    while pending:
        current = pending.popleft()
        outcome = reconcile_one(app, current)
        outcomes.append(outcome)
        for follow in outcome.follow_up:
            (queued if follow.kind in QUEUED_KINDS else pending).append(follow)
    if queued:
        app.automation_queue.send(queued)
    return outcomes

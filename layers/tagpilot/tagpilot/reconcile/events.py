"""When the image reconcilers emit events (IRC/IAC ``notify``, reference section 1.6).

Ready before/after decides: a failing reconcile emits ``Warning`` with the Ready reason and
message every time (duplicates are suppressed downstream); becoming Ready, or staying Ready with
a new message (IRC) or a push (IAC), emits ``Normal`` ``Succeeded``; anything else is a
``Trace``. Reconcilers call :func:`notify` once, after writing status.

GitRepository follows source-controller's rule instead (:func:`notify_git_source`): an event
only for a new artifact or a recovery, never for a repeat of the same revision.
"""

from __future__ import annotations

from typing import Any

from tagpilot.api import conditions

SUCCEEDED = "Succeeded"


def _ready(status: dict[str, Any]) -> tuple[bool, str, str]:
    cond = conditions.get(status, conditions.READY) or {}
    return cond.get("status") == "True", str(cond.get("reason", "")), str(cond.get("message", ""))


def notify(
    app: Any,
    resource: Any,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    push_message: str | None = None,
    metadata: dict[str, str] | None = None,
    trace_message: str | None = None,
) -> None:
    """Record the event Flux's controller would emit for this reconcile (no-op without a recorder).

    ``push_message`` marks an automation run that pushed (the event's message);
    ``metadata`` is attached to ``Normal`` events (unprefixed keys get the object's group).
    """
    recorder = getattr(app, "events", None)
    if recorder is None or not hasattr(recorder, "record"):
        return
    was_ready, _, old_message = _ready(before)
    ready, reason, message = _ready(after)
    if not ready:
        recorder.record(resource, "Warning", reason or "Failed", message)
        return
    if push_message is not None:
        recorder.record(resource, "Normal", SUCCEEDED, push_message, metadata)
    elif not was_ready or (resource.kind != "ImageUpdateAutomation" and message != old_message):
        recorder.record(resource, "Normal", SUCCEEDED, message, metadata)
    else:
        recorder.record(resource, "Trace", SUCCEEDED, trace_message or message)


NEW_ARTIFACT = "NewArtifact"
GIT_OPERATION_SUCCEEDED = "GitOperationSucceeded"


def notify_git_source(
    app: Any, resource: Any, before: dict[str, Any], after: dict[str, Any]
) -> None:
    """Record source-controller's event for a GitRepository reconcile (SC ``notify``, §1.6).

    - failed (Ready False): ``Warning`` with the Ready reason and message, every time;
    - a revision the object did not have (the first one included): ``Normal`` ``NewArtifact``
      ``stored artifact for commit '<revision>'`` with metadata ``revision``;
    - the same revision after a failure: ``Normal`` ``Succeeded``, same message and metadata;
    - the same revision again: a ``Trace`` (stored, never sent), as SC's no-change reconcile.

    tagpilot builds no artifact: the revision stands for SC's artifact digest, and the message
    names the revision (SC's form for a commit it has not loaded), not the commit's subject.
    """
    recorder = getattr(app, "events", None)
    if recorder is None or not hasattr(recorder, "record"):
        return
    ready, reason, message = _ready(after)
    if not ready:
        recorder.record(resource, "Warning", reason or "Failed", message)
        return
    revision = str((after.get("artifact") or {}).get("revision", ""))
    previous = (before.get("artifact") or {}).get("revision")
    text = f"stored artifact for commit '{revision}'"
    failed_before = (conditions.get(before, conditions.READY) or {}).get("status") == "False"
    if previous != revision:
        recorder.record(resource, "Normal", NEW_ARTIFACT, text, {"revision": revision})
    elif failed_before:
        recorder.record(resource, "Normal", SUCCEEDED, text, {"revision": revision})
    else:
        # SC's wording, typo included ("reconcilation"): gitrepository_controller.go
        recorder.record(
            resource,
            "Trace",
            GIT_OPERATION_SUCCEEDED,
            f"no changes since last reconcilation: observed revision '{revision}'",
        )

"""Flux's Ready summary for sources: priority, polarity groups, a False SourceVerified wins."""

from __future__ import annotations

import pytest
from tagpilot.api import conditions
from tagpilot.reconcile.sourcestatus import summarize

pytestmark = pytest.mark.unit


def _status(*conds: tuple[str, str, str, str]) -> dict:
    status: dict = {}
    for ctype, value, reason, message in conds:
        conditions.set_condition(status, ctype, value, reason, message, generation=1)
    summarize(status, 1)
    ready = conditions.get(status, "Ready") or {}
    return {k: ready.get(k) for k in ("status", "reason", "message")}


def test_clean_run_copies_artifact_in_storage() -> None:
    got = _status(
        ("SourceVerified", "True", "Succeeded", "verified signature of revision r"),
        ("ArtifactInStorage", "True", "Succeeded", "stored artifact for digest 'r'"),
    )
    assert got == {
        "status": "True",
        "reason": "Succeeded",
        "message": "stored artifact for digest 'r'",
    }


def test_negative_true_beats_positive_and_priority_orders() -> None:
    got = _status(
        ("ArtifactInStorage", "True", "Succeeded", "stored"),
        ("Reconciling", "True", "ProgressingWithRetry", "building"),
        ("FetchFailed", "True", "OCIArtifactPullFailed", "pull failed"),
        ("ArtifactOutdated", "True", "NewRevision", "new revision"),
    )
    assert got == {"status": "False", "reason": "OCIArtifactPullFailed", "message": "pull failed"}


def test_false_source_verified_forces_its_reason() -> None:
    got = _status(
        ("ArtifactOutdated", "True", "NewRevision", "new revision"),
        ("SourceVerified", "False", "VerificationError", "failed to verify"),
        ("Reconciling", "True", "ProgressingWithRetry", "building"),
    )
    assert got == {"status": "False", "reason": "VerificationError", "message": "failed to verify"}


def test_storage_failure_first() -> None:
    got = _status(
        ("FetchFailed", "True", "A", "fetch"),
        ("StorageOperationFailed", "True", "ArchiveOperationFailed", "archive"),
    )
    assert got["reason"] == "ArchiveOperationFailed"

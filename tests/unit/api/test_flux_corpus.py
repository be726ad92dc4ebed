"""Real Flux manifests (``tests/data/flux-corpus``): every Flux-valid one is accepted, foreign
kinds are skipped with one line per kind, and any refusal is a documented deliberate difference."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from tagpilot.api.loader import load, skip_summary

pytestmark = pytest.mark.unit

CORPUS = Path(__file__).resolve().parents[2] / "data" / "flux-corpus"
#: ``"<file>#<document>"`` -> the README section that documents the refusal.
#: Flux's Receiver examples ship their Secret with a short token (``12345``-style), which
#: tagpilot refuses at validate and apply (README: Limits).
EXPECTED_REFUSALS: dict[str, str] = {
    "notification-controller/docs/spec/v1/receivers/acr.yaml#1": "Limits: Receiver token",
    "notification-controller/docs/spec/v1/receivers/bitbucket.yaml#1": "Limits: Receiver token",
    "notification-controller/docs/spec/v1/receivers/dockerhub.yaml#1": "Limits: Receiver token",
    "notification-controller/docs/spec/v1/receivers/gcr.yaml#1": "Limits: Receiver token",
    "notification-controller/docs/spec/v1/receivers/generic-hmac.yaml#1": "Limits: Receiver token",
    "notification-controller/docs/spec/v1/receivers/generic.yaml#1": "Limits: Receiver token",
    "notification-controller/docs/spec/v1/receivers/github.yaml#1": "Limits: Receiver token",
    "notification-controller/docs/spec/v1/receivers/gitlab.yaml#1": "Limits: Receiver token",
    "notification-controller/docs/spec/v1/receivers/harbor.yaml#1": "Limits: Receiver token",
    "notification-controller/docs/spec/v1/receivers/nexus.yaml#1": "Limits: Receiver token",
    "notification-controller/docs/spec/v1/receivers/quay.yaml#1": "Limits: Receiver token",
}


def test_every_file_names_its_origin() -> None:
    files = sorted(CORPUS.rglob("*.yaml"))
    assert len(files) >= 30
    for file in files:
        assert file.read_text().startswith("# origin: https://github.com/fluxcd/"), file


def test_flux_valid_manifests_are_accepted() -> None:
    docs = load([str(CORPUS)])
    assert len(docs) >= 30
    refused = {
        f"{Path(d.source).relative_to(CORPUS)}#{d.index}": d.error_lines()
        for d in docs
        if not d.valid
    }
    assert set(refused) == set(EXPECTED_REFUSALS), refused
    handled = Counter(d.kind for d in docs if d.valid and d.skipped is None)
    assert handled == {
        "Receiver": 2,
        "ImagePolicy": 7,
        "Secret": 2,
        "GitRepository": 1,
        "ImageRepository": 1,
        "ImageUpdateAutomation": 1,
        "Namespace": 1,
        "OCIRepository": 1,
    }
    receivers_on_git = [
        d
        for d in docs
        if d.kind == "Receiver"
        and any(r.get("kind") == "GitRepository" for r in d.raw_spec.get("resources", []))
    ]
    assert len(receivers_on_git) == 7
    assert skip_summary(docs) == [
        "skipped 3 HelmRelease (not handled by tagpilot)",
        "skipped 1 HelmRepository (not handled by tagpilot)",
        "skipped 4 Kustomization (not handled by tagpilot)",
    ]


def test_strict_refuses_what_it_would_skip() -> None:
    docs = load([str(CORPUS)], strict=True)
    refused = Counter(d.kind for d in docs if not d.valid)
    assert refused == {
        "HelmRelease": 3,
        "HelmRepository": 1,
        "Kustomization": 4,
        "Receiver": len(EXPECTED_REFUSALS),  # short example tokens, refused in any mode
    }
    assert all(d.skipped is None for d in docs)

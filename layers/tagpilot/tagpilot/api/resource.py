"""The in-memory form of every object tagpilot stores: Kubernetes-style metadata, spec, status."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

REQUESTED_AT_ANNOTATION = "reconcile.fluxcd.io/requestedAt"


@dataclass
class Resource:
    """One object, e.g. an ImageRepository, as applied by a user and reconciled by tagpilot.

    ``spec`` keeps the manifest's own field names (camelCase) so that what a user applied can be
    printed back unchanged; ``status`` uses Flux's status field names.
    """

    api_version: str
    kind: str
    name: str
    namespace: str
    spec: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)
    generation: int = 1
    #: Consecutive failed reconciles (drives the retry backoff); not part of the manifest.
    failures: int = 0
    #: When the dispatcher will next send it (as stored; ``None`` when not scheduled).
    next_due_at: float | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def group(self) -> str:
        return self.api_version.split("/", 1)[0] if "/" in self.api_version else ""

    @property
    def version(self) -> str:
        return self.api_version.rsplit("/", 1)[-1]

    @property
    def suspended(self) -> bool:
        return bool(self.spec.get("suspend"))

    @property
    def requested_at(self) -> str | None:
        return self.annotations.get(REQUESTED_AT_ANNOTATION)

    def spec_digest(self) -> str:
        """A stable digest of the spec: the generation is bumped only when it changes."""
        canonical = json.dumps(self.spec, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def clone(self) -> Resource:
        return copy.deepcopy(self)

    def to_manifest(self) -> dict[str, Any]:
        """The object as a Kubernetes manifest (``kubectl get -o yaml`` shape)."""
        metadata: dict[str, Any] = {"name": self.name, "namespace": self.namespace}
        if self.labels:
            metadata["labels"] = dict(self.labels)
        if self.annotations:
            metadata["annotations"] = dict(self.annotations)
        metadata["generation"] = self.generation
        out: dict[str, Any] = {"apiVersion": self.api_version, "kind": self.kind}
        out["metadata"] = metadata
        if self.spec or self.kind not in ("Namespace",):
            out["spec"] = copy.deepcopy(self.spec)
        if self.status:
            out["status"] = copy.deepcopy(self.status)
        return out

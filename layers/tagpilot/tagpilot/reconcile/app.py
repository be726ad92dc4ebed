"""The dependency container every reconciler receives, and the ports it is typed with.

:class:`App` holds one adapter per port. The ports are :class:`~typing.Protocol` classes, so the
reconcilers depend on what they call, not on DynamoDB, Secrets Manager or HTTP; the real adapters
(:mod:`tagpilot.store`, :mod:`tagpilot.registry`) satisfy them structurally and
:func:`tagpilot.runtime.app.build_app` is the one place that wires them.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tagpilot.api.resource import Resource
from tagpilot.config import Settings
from tagpilot.forge.base import Forge
from tagpilot.receiver.gcr import GcrVerifier
from tagpilot.registry.auth import BasicCredentials, RegistryAuth
from tagpilot.registry.budget import HostUsage
from tagpilot.registry.names import ImageName
from tagpilot.registry.pushtimes import PushSources, PushTimes
from tagpilot.store.artifacts import ArtifactStorage
from tagpilot.store.budgets import Grant
from tagpilot.store.objects import ApplyOutcome
from tagpilot.store.queues import Queue
from tagpilot.store.secrets import SecretData
from tagpilot.store.tags import StoredTags, WriteStats


class Objects(Protocol):
    """Flux objects with Kubernetes-like semantics (:class:`tagpilot.store.objects.ObjectStore`)."""

    def get(
        self, kind: str, namespace: str, name: str, *, consistent: bool = True
    ) -> Resource | None: ...
    def require(self, kind: str, namespace: str, name: str) -> Resource: ...
    def list(self, kind: str, namespace: str | None = None) -> builtins.list[Resource]: ...
    def slot_intervals(self, kind: str) -> builtins.list[int]: ...
    def slotted(
        self, kind: str, interval: int, minute_start: int
    ) -> builtins.list[tuple[str, int]]: ...
    def keys_by_image(self, canonical_image: str) -> builtins.list[str]: ...
    def keys_by_ref(self, ref: str) -> builtins.list[str]: ...
    def key_by_webhook_path(self, path: str) -> str | None: ...
    def due(
        self, kind: str, now: float | None = None, limit: int = 500
    ) -> Sequence[tuple[str, int]]: ...
    def apply(self, resource: Resource) -> ApplyOutcome: ...
    def delete(self, kind: str, namespace: str, name: str) -> bool: ...
    def set_suspend(self, kind: str, namespace: str, name: str, suspend: bool) -> Resource: ...
    def request_reconcile(self, kind: str, namespace: str, name: str, token: str) -> Resource: ...
    def claim(self, kind: str, key: str, *, now: float, hold_seconds: float) -> Resource | None: ...
    def write_status(
        self,
        resource: Resource,
        status: dict[str, Any],
        *,
        next_due_at: float | None,
        extra: dict[str, Any] | None = None,
        periodic: bool = False,
    ) -> None: ...


class Tags(Protocol):
    """Scanned tags per image repository (:class:`tagpilot.store.tags.TagStore`)."""

    def get(self, repo_key: str) -> StoredTags | None: ...
    def exists(self, repo_key: str) -> bool: ...
    def put(
        self,
        repo_key: str,
        tags: Sequence[str],
        revision: str,
        previous_revision: str | None = None,
    ) -> WriteStats: ...
    def delete(self, repo_key: str) -> None: ...


class Leases(Protocol):
    """One writer per Git branch (:class:`tagpilot.store.leases.LeaseStore`)."""

    def acquire(self, lease: str, owner: str, seconds: float) -> bool: ...
    def release(self, lease: str, owner: str) -> None: ...


class Secrets(Protocol):
    """Kubernetes-style Secrets by reference (:class:`tagpilot.store.secrets.SecretStore`)."""

    def secret_id(self, namespace: str, name: str, use: str | None = None) -> str: ...
    def put(
        self,
        namespace: str,
        name: str,
        secret_type: str,
        data: dict[str, str],
        uses: tuple[str, ...] = (),
    ) -> str: ...
    def put_use(self, namespace: str, name: str, use: str) -> str | None: ...
    def get(self, namespace: str, name: str, use: str | None = None) -> SecretData: ...
    def delete(self, namespace: str, name: str) -> bool: ...
    def delete_use(self, namespace: str, name: str, use: str) -> bool: ...
    def list_names(
        self, namespace: str | None = None, use: str | None = None
    ) -> list[tuple[str, str]]: ...


class Registry(Protocol):
    """An OCI distribution client (:class:`tagpilot.registry.client.RegistryClient`)."""

    def list_tags(self, name: ImageName, auth: RegistryAuth, timeout: float) -> list[str]: ...
    def head_digest(self, name: ImageName, tag: str, auth: RegistryAuth, timeout: float) -> str: ...


class EcrCredentials(Protocol):
    """ECR login tokens (:class:`tagpilot.registry.ecr.EcrCredentialProvider`)."""

    def credentials(self, host: str) -> BasicCredentials: ...


class PushTimesPort(Protocol):
    """Push times per image repository (:class:`tagpilot.store.pushtimes.PushTimeStore`)."""

    def get(self, repo_key: str) -> PushTimes: ...
    def put(self, repo_key: str, record: PushTimes) -> int: ...


class Budgets(Protocol):
    """Shared registry token buckets (:class:`tagpilot.store.budgets.BudgetStore`)."""

    def acquire(self, host: str, cost: float, capacity: float, per_seconds: float) -> Grant: ...
    def settle(
        self,
        host: str,
        extra_cost: float,
        capacity: float,
        per_seconds: float,
        *,
        remaining: float | None = None,
        wait: float | None = None,
    ) -> float: ...


class Meter(Protocol):
    """Registry requests seen per host (:class:`tagpilot.registry.budget.RequestMeter`)."""

    def take(self, host: str) -> HostUsage: ...


class EventRecorder(Protocol):
    """Flux's event recorder (:class:`tagpilot.notify.recorder.Recorder`)."""

    def record(
        self,
        resource: Any,
        event_type: str,
        reason: str,
        message: str,
        metadata: dict[str, str] | None = None,
    ) -> Any: ...

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        """A source's event given as an EventBridge detail (OCIRepository's ``NewArtifact``)."""
        ...


class ForgeFactory(Protocol):
    """``(kind, repository, token, api) -> Forge`` (:class:`tagpilot.forge.factory.Forges`)."""

    def __call__(self, kind: str, repository: str, token: str, api: str | None) -> Forge: ...


@dataclass
class App:
    """The adapters a reconciler needs, all injected."""

    settings: Settings
    objects: Objects
    tags: Tags
    leases: Leases
    secrets: Secrets
    registry: Registry
    scan_queue: Queue
    automation_queue: Queue
    ecr: EcrCredentials  # tokens cached across invocations
    clock: Callable[[], float] = time.time
    gcr_verifier: GcrVerifier | None = None
    #: tagpilot.dev extensions; None leaves one out (it then reports itself unavailable).
    pushtimes: PushTimesPort | None = None
    budgets: Budgets | None = None
    meter: Meter | None = None  # counts registry requests (a response hook on its session)
    push_sources: PushSources | None = None
    forges: ForgeFactory | None = None
    #: OCIRepository artifacts (None: ``$TAGPILOT_HOME/artifacts``) and ``NewArtifact`` events.
    artifacts: ArtifactStorage | None = None
    source_queue: Queue | None = None  # OCIRepository work in AWS; None: the scan queue
    #: Records Flux's events (``None``: none recorded).
    events: EventRecorder | None = None
    #: Local mode: the in-process delivery (:class:`tagpilot.notify.delivery.LocalDelivery`).
    notifications: Any = None
    #: Seconds the current record may still use (set per record in Lambda; ``None`` elsewhere).
    time_left: Callable[[], float] | None = None
    #: Local stack only: re-read its endpoints after a store failure; True if they moved and the
    #: adapters now use the new ones (:class:`tagpilot.runtime.follow.StackFollower`).
    reresolve: Callable[[], bool] | None = None

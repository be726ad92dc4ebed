"""Objects (ImageRepository, ImagePolicy, ...) in DynamoDB, with Kubernetes-like semantics.

The CLI writes metadata and spec (``apply``); reconcilers write status and scheduling fields. Each
writes only its own attributes with an update expression, so they never overwrite each other.
The generation is bumped only when the spec actually changes.

The slot half of the scheduling (queries, the directory of intervals) is
:class:`tagpilot.store.slots.SlotTable`.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from tagpilot.api.resource import REQUESTED_AT_ANNOTATION, Resource
from tagpilot.store.errors import ConflictError, NotFoundError, store_operation
from tagpilot.store.models import Models
from tagpilot.store.slots import SLOT_KINDS, SlotTable

#: Kinds the dispatcher schedules, i.e. that have a ``due_shard``.
SCHEDULED_KINDS = ("ImageRepository", "ImagePolicy", "ImageUpdateAutomation", "OCIRepository")
#: ``next_due_at`` of an object with no periodic reconcile.
NEVER = 2**53
#: How much earlier than asked a claimed ``next_due_at`` may be and still be kept (the
#: dispatcher's period: a run that starts within a minute of its claim is on schedule).
SCHEDULE_TOLERANCE = 60.0


def _on_schedule(resource: Resource, next_due_at: float | None) -> bool:
    stored = resource.next_due_at
    if next_due_at is None or stored is None:
        return False
    return 0 < stored <= next_due_at <= stored + SCHEDULE_TOLERANCE


def unchanged_on_schedule(
    resource: Resource,
    status: dict[str, Any],
    next_due_at: float | None,
    extra: dict[str, Any] | None = None,
) -> bool:
    """Whether a run of a kind that is not slot-scheduled can skip :meth:`ObjectStore.write_status`:
    it ends on schedule (the claim already set ``next_due_at``) with the status and ``extra``
    values the object already has."""
    return (
        _on_schedule(resource, next_due_at)
        and status == resource.status
        and all(getattr(resource, attr, None) == v for attr, v in (extra or {}).items())
    )


@dataclass(frozen=True)
class ApplyOutcome:
    resource: Resource
    action: str  # "created", "configured" or "unchanged"


def _set_or_remove(model: Any, values: dict[str, Any]) -> list[Any]:
    """Update actions setting each attribute, or removing it where the value is ``None``."""
    return [
        getattr(model, a).set(v) if v is not None else getattr(model, a).remove()
        for a, v in values.items()
    ]


def _to_resource(item: Any) -> Resource:  # noqa: D103
    return Resource(
        api_version=item.api_version,
        kind=item.kind,
        name=item.name,
        namespace=item.namespace,
        spec=dict(item.spec or {}),
        labels=dict(item.labels or {}),
        annotations=dict(item.annotations or {}),
        status=dict(item.status or {}),
        generation=int(item.generation or 1),
        failures=int(item.failures or 0),
        next_due_at=None if item.next_due_at is None else float(item.next_due_at),
    )


class ObjectStore:
    """CRUD and scheduling queries over the objects table.

    Parameters
    ----------
    models:
        Model classes from :func:`tagpilot.store.models.build_models`.
    derive:
        ``derive(resource) -> dict`` of derived attributes (``canonical_image``, ``ref``,
        ``interval_s``) for a resource; injected so the store does not depend on registry name
        or duration parsing.
    clock:
        Seconds since the epoch; injected for tests.
    """

    def __init__(
        self,
        models: Models,
        derive: Callable[[Resource], dict[str, Any]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._model = models.objects
        self._slots = SlotTable(models.objects, models.slots)
        self._derive = derive or (lambda _r: {})
        self._clock = clock

    # -- reads ---------------------------------------------------------------------------
    @store_operation("get object")
    def get(
        self, kind: str, namespace: str, name: str, *, consistent: bool = True
    ) -> Resource | None:
        """One object; ``consistent=False`` reads half a unit (a slot's rescan: whatever it
        might miss, a spec change or a request, is sent again by the due path)."""
        try:
            item = self._model.get(kind, f"{namespace}/{name}", consistent_read=consistent)
            return _to_resource(item)
        except DoesNotExist:
            return None

    def require(self, kind: str, namespace: str, name: str) -> Resource:
        found = self.get(kind, namespace, name)
        if not isinstance(found, Resource):
            raise NotFoundError(f"{kind} {namespace}/{name} not found")
        return found

    @store_operation("list objects")
    def list(self, kind: str, namespace: str | None = None) -> builtins.list[Resource]:
        cond = self._model.key.startswith(f"{namespace}/") if namespace is not None else None
        return [_to_resource(i) for i in self._model.query(kind, cond, consistent_read=True)]

    @store_operation("query by image")
    def keys_by_image(self, canonical_image: str) -> builtins.list[str]:
        return [i.key for i in self._model.image_index.query(canonical_image)]

    @store_operation("query by reference")
    def keys_by_ref(self, ref: str) -> builtins.list[str]:
        return [i.key for i in self._model.ref_index.query(ref)]

    @store_operation("query by webhook path")
    def key_by_webhook_path(self, path: str) -> str | None:
        for item in self._model.webhook_index.query(path, limit=1):
            return str(item.key)
        return None

    @store_operation("query due objects")
    def due(
        self, kind: str, now: float | None = None, limit: int = 500
    ) -> builtins.list[tuple[str, int]]:
        """``(key, generation)`` of non-suspended objects whose ``next_due_at`` has come."""
        at = self._clock() if now is None else now
        # A list, not a generator: the query must fail inside ``store_operation`` (as a
        # StoreError), not later in the caller's loop as a raw pynamodb QueryError.
        return [
            (item.key, int(item.generation or 1))
            for item in self._model.due_index.query(
                kind, self._model.next_due_at <= at, limit=limit
            )
        ]

    def slot_intervals(self, kind: str) -> builtins.list[int]:
        """The intervals (whole seconds) slot-scheduled ``kind`` objects use."""
        return self._slots.intervals(kind)

    def slotted(self, kind: str, interval: int, minute: int) -> builtins.list[tuple[str, int]]:
        """``(key, slot time)`` of the ``interval`` objects whose slot falls in this minute."""
        return self._slots.slotted(kind, interval, minute)

    # -- writes by the CLI -------------------------------------------------------------
    @store_operation("apply object")
    def apply(self, resource: Resource) -> ApplyOutcome:
        """Create or update metadata and spec; bump the generation only on a spec change."""
        try:
            old_item = self._model.get(resource.kind, resource.key, consistent_read=True)
        except DoesNotExist:
            old_item = None
        digest = resource.spec_digest()
        derived = self._derive(resource)
        if old_item is None:
            item = self._model(resource.kind, resource.key)
            item.api_version = resource.api_version
            item.namespace = resource.namespace
            item.name = resource.name
            item.labels = resource.labels
            item.annotations = resource.annotations
            item.spec = resource.spec
            item.status = {"observedGeneration": -1}
            item.generation = 1
            item.spec_digest = digest
            slot = self._slots.placement(resource, derived)
            for attr, value in {**derived, **slot}.items():
                setattr(item, attr, value)
            if resource.kind in SCHEDULED_KINDS and not resource.suspended:
                item.due_shard = resource.kind
                item.next_due_at = 0
            try:
                item.save(condition=self._model.key.does_not_exist())
            except PutError as exc:
                if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                    raise ConflictError(
                        f"{resource.kind} {resource.key} was created concurrently"
                    ) from exc
                raise
            self._slots.register(resource.kind, slot)
            return ApplyOutcome(_to_resource(item), "created")
        current = _to_resource(old_item)
        spec_changed = old_item.spec_digest != digest
        meta_changed = (
            current.labels != resource.labels
            or current.annotations != resource.annotations
            or current.api_version != resource.api_version
        )
        if not spec_changed and not meta_changed:
            return ApplyOutcome(current, "unchanged")
        m = self._model
        actions = [
            m.api_version.set(resource.api_version),
            m.labels.set(resource.labels),
            m.annotations.set(resource.annotations),
        ]
        slot = {}
        if spec_changed:
            slot = self._slots.placement(resource, derived) if resource.kind in SLOT_KINDS else {}
            actions += [m.spec.set(resource.spec), m.spec_digest.set(digest), m.generation.add(1)]
            actions += _set_or_remove(m, {**derived, **slot})
            actions += self._schedule_actions(resource, due_now=True)
        elif resource.requested_at != current.requested_at and resource.requested_at:
            actions += self._schedule_actions(resource, due_now=True)
        try:
            old_item.update(actions=actions, condition=m.spec_digest == old_item.spec_digest)
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                raise ConflictError(
                    f"{resource.kind} {resource.key} changed concurrently; retry"
                ) from exc
            raise
        self._slots.register(resource.kind, slot)
        return ApplyOutcome(_to_resource(old_item), "configured")  # update() returns ALL_NEW

    def _schedule_actions(self, resource: Resource, *, due_now: bool) -> builtins.list[Any]:
        m = self._model
        if resource.kind not in SCHEDULED_KINDS:
            return []
        if resource.suspended:
            return [m.due_shard.remove(), m.next_due_at.remove()]
        actions = [m.due_shard.set(resource.kind)]
        if due_now:
            actions.append(m.next_due_at.set(0))
        return actions

    @store_operation("delete object")
    def delete(self, kind: str, namespace: str, name: str) -> bool:
        try:
            item = self._model.get(kind, f"{namespace}/{name}")
        except DoesNotExist:
            return False
        item.delete()
        return True

    @store_operation("suspend or resume")
    def set_suspend(self, kind: str, namespace: str, name: str, suspend: bool) -> Resource:
        """``flux suspend``/``flux resume``: set ``spec.suspend`` without bumping the generation.

        Flux patches the spec (which bumps the generation); tagpilot keeps the generation so a
        resume does not look like a spec change, and a resume schedules a reconcile at once.
        """
        current = self.require(kind, namespace, name)
        spec = dict(current.spec)
        if suspend:
            spec["suspend"] = True
        else:
            spec.pop("suspend", None)
        current.spec = spec
        m = self._model
        actions = [m.spec.set(spec), m.spec_digest.set(current.spec_digest())]
        actions += self._schedule_actions(current, due_now=not suspend)
        slot = self._slots.placement(current, self._derive(current)) if kind in SLOT_KINDS else {}
        actions += _set_or_remove(m, slot)
        self._model(kind, current.key).update(actions=actions, condition=m.key.exists())
        self._slots.register(kind, slot)
        return current

    @store_operation("request reconcile")
    def request_reconcile(self, kind: str, namespace: str, name: str, token: str) -> Resource:
        """Record ``reconcile.fluxcd.io/requestedAt = token`` and make the object due now."""
        current = self.require(kind, namespace, name)
        annotations = dict(current.annotations)
        annotations[REQUESTED_AT_ANNOTATION] = token
        m = self._model
        actions = [m.annotations.set(annotations)]
        if kind in SCHEDULED_KINDS and not current.suspended:
            actions.append(m.next_due_at.set(0))
        self._model(kind, current.key).update(actions=actions, condition=m.key.exists())
        current.annotations = annotations
        return current

    # -- writes by reconcilers ---------------------------------------------------------
    @store_operation("claim object")
    def claim(self, kind: str, key: str, *, now: float, hold_seconds: float) -> Resource | None:
        """Schedule the next run if the object is still due, so one dispatcher sends it once.

        ``next_due_at`` moves to ``now`` plus the object's interval (``hold_seconds`` for objects
        without one). That is the one index-key write of a regular cycle: a worker whose run
        ends on schedule keeps it (see :meth:`write_status`), so an unchanged rescan rewrites
        no index key. Returns the claimed object as the update left it (the write returns the
        whole item, so this costs no read), or ``None`` when it was not due any more.
        """
        m = self._model
        item = m(kind, key)
        try:
            item.update(
                actions=[m.next_due_at.set((m.interval_s | hold_seconds) + now)],
                condition=(m.next_due_at <= now) & m.due_shard.exists(),
            )
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                return None
            raise
        return _to_resource(item)

    @store_operation("write status")
    def write_status(
        self,
        resource: Resource,
        status: dict[str, Any],
        *,
        next_due_at: float | None,
        extra: dict[str, Any] | None = None,
        periodic: bool = False,
    ) -> None:
        """Replace the status and schedule the next reconcile (``None``: not periodically).

        If the object was made due again while it was being reconciled (a spec change or a
        reconcile request sets ``next_due_at`` to 0), that request wins and is not overwritten.
        ``periodic`` says ``next_due_at`` is the regular interval: a slot-scheduled object then
        goes back to its slot (``next_due_at`` removed, see :mod:`tagpilot.store.slots`), and
        another object keeps the ``next_due_at`` its claim set when the run ends on schedule
        (at most :data:`SCHEDULE_TOLERANCE` seconds earlier than asked): rewriting it would
        cost the due index a delete and a put on every run.
        """
        m = self._model
        slot = (
            self._slots.placement(resource, self._derive(resource))
            if periodic and resource.kind in SLOT_KINDS
            else {}
        )
        on_schedule = _on_schedule(resource, next_due_at)
        base = [m.status.set(status), *_set_or_remove(m, extra or {})]
        item = m(resource.kind, resource.key)
        if slot.get("slot_shard") is not None:
            if resource.next_due_at is not None:
                try:
                    item.update(
                        actions=[
                            *base,
                            m.next_due_at.remove(),
                            m.slot_shard.set(slot["slot_shard"]),
                            m.slot_offset.set(slot["slot_offset"]),
                        ],
                        condition=m.key.exists() & (m.next_due_at > 0),
                    )
                    self._slots.register(resource.kind, slot)
                    return
                except UpdateError as exc:
                    if getattr(exc, "cause_response_code", "") != "ConditionalCheckFailedException":
                        raise
            self._write_base(item, resource, base)
            return
        if not resource.suspended and resource.kind in SCHEDULED_KINDS and not on_schedule:
            when = next_due_at if next_due_at is not None else NEVER
            try:
                item.update(
                    actions=[*base, m.next_due_at.set(when)],
                    # Not when a request made it due (0) meanwhile; a slot-scheduled object
                    # has no next_due_at until a run goes off schedule.
                    condition=m.key.exists()
                    & (m.next_due_at.does_not_exist() | (m.next_due_at > 0)),
                )
                return
            except UpdateError as exc:
                if getattr(exc, "cause_response_code", "") != "ConditionalCheckFailedException":
                    raise
        self._write_base(item, resource, base)

    def _write_base(self, item: Any, resource: Resource, actions: builtins.list[Any]) -> None:
        m = self._model
        try:
            item.update(actions=actions, condition=m.key.exists())
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                raise NotFoundError(f"{resource.kind} {resource.key} was deleted") from exc
            raise

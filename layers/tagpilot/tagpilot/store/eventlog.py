"""The events table: what ``tagpilot events`` lists, and NC's duplicate-suppression buckets.

Items (see ``EventsTable`` in ``template.yaml``): hash ``object`` = ``<namespace>/<Kind>/<name>``,
range ``sk`` = ``<epoch ms, 15 digits>#<id>``; ``namespace-index`` (``namespace``, ``sk``) lists a
namespace. Like Kubernetes' event recorder, a repeat of the object's latest event (same type,
reason and message) bumps its ``count`` and ``last_seen`` instead of adding an item; each object
keeps at most :data:`MAX_PER_OBJECT` items and every item expires (DynamoDB TTL ``expires_at``).
Rate-limit buckets live under ``object`` = ``ratelimit#<key>``.
"""

from __future__ import annotations

# mypy: disable-error-code="no-untyped-call,assignment"
import builtins
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, PynamoDBException, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from tagpilot.config import Settings
from tagpilot.store.errors import StoreError
from tagpilot.store.models import ensure_table

MAX_PER_OBJECT = 50
TTL_SECONDS = 7 * 24 * 3600.0


@dataclass
class StoredEvent:
    """One row of ``tagpilot events``."""

    namespace: str
    kind: str
    name: str
    type: str  # Normal | Warning
    reason: str
    message: str
    first_seen: float
    last_seen: float
    count: int = 1
    metadata: dict[str, str] = field(default_factory=dict)
    controller: str = ""
    sk: str = ""


@lru_cache(maxsize=8)
def build_event_model(settings: Settings) -> type[Any]:
    from tagpilot.store.models import _meta

    class NamespaceIndex(GlobalSecondaryIndex[Any]):
        Meta = type("Meta", (), {"index_name": "namespace-index", "projection": AllProjection()})
        namespace = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)

    class EventItem(Model):
        Meta = _meta(settings.events_table, settings)
        object = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        namespace = UnicodeAttribute(null=True)
        kind = UnicodeAttribute(null=True)
        name = UnicodeAttribute(null=True)
        type = UnicodeAttribute(null=True)
        reason = UnicodeAttribute(null=True)
        message = UnicodeAttribute(null=True)
        controller = UnicodeAttribute(null=True)
        metadata = JSONAttribute(null=True)
        count = NumberAttribute(default=1)
        first_seen = NumberAttribute(default=0)
        last_seen = NumberAttribute(default=0)
        refill_at = NumberAttribute(null=True)
        first = NumberAttribute(null=True)
        expires_at = NumberAttribute()
        namespace_index = NamespaceIndex()

    return EventItem


def _sort_key(moment: float) -> str:
    return f"{int(moment * 1000):015d}#{uuid.uuid4().hex[:8]}"


class EventStore:
    """Recorded events, bounded per object and expiring."""

    def __init__(
        self,
        model: type[Any],
        *,
        clock: Callable[[], float] = time.time,
        max_per_object: int = MAX_PER_OBJECT,
        ttl: float = TTL_SECONDS,
    ) -> None:
        self._model, self._clock = model, clock
        self.max_per_object, self.ttl = max_per_object, ttl

    def add(
        self,
        namespace: str,
        kind: str,
        name: str,
        type_: str,
        reason: str,
        message: str,
        *,
        metadata: dict[str, str] | None = None,
        controller: str = "",
    ) -> StoredEvent:
        """Record one event, or count it as a repeat of the object's latest one."""
        now = self._clock()
        obj = f"{namespace}/{kind}/{name}"
        try:
            latest = next(iter(self._model.query(obj, scan_index_forward=False, limit=1)), None)
            if (
                latest is not None
                and latest.type == type_
                and latest.reason == reason
                and latest.message == message
            ):
                latest.update(
                    actions=[
                        self._model.count.add(1),
                        self._model.last_seen.set(now),
                        self._model.expires_at.set(int(now + self.ttl)),
                    ]
                )
                return _to_event(latest)
            item = self._model(obj, _sort_key(now))
            item.namespace, item.kind, item.name = namespace, kind, name
            item.type, item.reason, item.message = type_, reason, message
            item.metadata, item.controller = dict(metadata or {}), controller
            item.count, item.first_seen, item.last_seen = 1, now, now
            item.expires_at = int(now + self.ttl)
            item.save()
            self._trim(obj)
            return _to_event(item)
        except PynamoDBException as exc:
            raise StoreError(f"record event failed: {type(exc).__name__}") from exc

    def _trim(self, obj: str) -> None:
        keys = [i.sk for i in self._model.query(obj, attributes_to_get=["sk"])]
        for sk in keys[: max(len(keys) - self.max_per_object, 0)]:
            self._model(obj, sk).delete()

    def list(
        self,
        namespace: str | None,
        *,
        kind: str | None = None,
        name: str | None = None,
    ) -> builtins.list[StoredEvent]:
        """Events oldest first: of one object, one namespace, or (``namespace=None``) all."""
        try:
            if namespace is not None and kind and name:
                items = self._model.query(f"{namespace}/{kind}/{name}")
            elif namespace is not None:
                items = self._model.namespace_index.query(namespace)
            else:
                items = self._model.scan(self._model.namespace.exists())
            now = self._clock()
            out = [
                _to_event(i)
                for i in items
                if i.kind
                and (not kind or i.kind == kind)
                and (not name or i.name == name)
                and (i.expires_at or 0) > now
            ]
        except PynamoDBException as exc:
            raise StoreError(f"list events failed: {type(exc).__name__}") from exc
        return sorted(out, key=lambda e: (e.last_seen, e.sk))


class DynamoRateLimiter:
    """NC's fixed-window duplicate suppression, shared by every delivery function instance."""

    def __init__(self, model: type[Any], interval: float) -> None:
        self._model, self.interval = model, interval

    def allow(self, key: str, now: float) -> bool:
        from tagpilot.notify.ratelimit import next_tick

        m = self._model
        item = m(f"ratelimit#{key}", "0")
        try:
            item.first, item.refill_at = now, now + self.interval
            item.expires_at = int(now + 3 * self.interval)
            item.save(condition=m.object.does_not_exist())
            return True
        except PutError as exc:
            if getattr(exc, "cause_response_code", "") != "ConditionalCheckFailedException":
                raise StoreError(f"rate limit failed: {type(exc).__name__}") from exc
        try:
            current = m.get(f"ratelimit#{key}", "0", consistent_read=True)
            if now < float(current.refill_at or 0):
                return False
            refill = next_tick(float(current.first or now), self.interval, now)
            current.update(
                actions=[
                    m.refill_at.set(refill),
                    m.expires_at.set(int(refill + 2 * self.interval)),
                ],
                condition=m.refill_at == current.refill_at,
            )
            return True
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                return False  # another instance took this window's token
            raise StoreError(f"rate limit failed: {type(exc).__name__}") from exc
        except PynamoDBException as exc:
            raise StoreError(f"rate limit failed: {type(exc).__name__}") from exc


def _to_event(item: Any) -> StoredEvent:
    return StoredEvent(
        namespace=item.namespace or "",
        kind=item.kind or "",
        name=item.name or "",
        type=item.type or "",
        reason=item.reason or "",
        message=item.message or "",
        first_seen=float(item.first_seen or 0),
        last_seen=float(item.last_seen or 0),
        count=int(item.count or 1),
        metadata=dict(item.metadata or {}),
        controller=item.controller or "",
        sk=item.sk,
    )


def create_event_table(model: type[Any]) -> None:
    ensure_table(model)

"""PynamoDB models, built per :class:`~tagpilot.config.Settings` so table names and endpoints are
injected instead of read at import time.

Tables (see ``template.yaml``):

``objects``
    One item per object: hash ``kind``, range ``key`` (``<namespace>/<name>``). Sparse indexes:
    ``due-index`` (``due_shard``, ``next_due_at``) lists what the dispatcher must reconcile
    now (first runs, spec changes, requests, retries); ``slot-index`` (``slot_shard``,
    ``slot_offset``) lists the periodic reconciles by their fixed slot (:mod:`.slots`);
    ``image-index`` maps a canonical image name to its ImageRepositories (ECR events);
    ``ref-index`` maps an ImageRepository to the ImagePolicies that read it;
    ``webhook-index`` maps a Receiver's webhook path to the Receiver.
``tags``
    The tag list of one ImageRepository as compressed chunks: hash ``repo``, range ``chunk``.
``leases``
    Short-lived locks (one automation run per Git repository and branch), with a TTL; also the
    registry budgets' token buckets (``budget#<host>``, :mod:`tagpilot.store.budgets`).
"""

from __future__ import annotations

# PynamoDB declares Meta and attributes with class-level types that dynamic per-settings models
# cannot satisfy statically.
# mypy: disable-error-code="no-untyped-call,assignment"
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    JSONAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import PynamoDBException
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    IncludeProjection,
    KeysOnlyProjection,
)
from pynamodb.models import Model

from tagpilot.config import Settings
from tagpilot.store.errors import StoreError


@dataclass(frozen=True)
class Models:
    """The three model classes bound to one deployment's tables."""

    objects: type[Any]
    tags: type[Any]
    leases: type[Any]
    #: Registry budgets: a second key space (``budget#<host>``) in the leases table.
    budgets: type[Any] | None = None
    #: The slot directory: a second key space (``kind = "_slots"``) in the objects table.
    slots: type[Any] | None = None

    def all(self) -> tuple[type[Any], ...]:
        """One model class per table (what :func:`create_tables` creates)."""
        return (self.objects, self.tags, self.leases)

    def classes(self) -> tuple[type[Any], ...]:
        """Every model class, the second key spaces included: each holds its own endpoint and
        connection (what re-pointing the store at another endpoint must cover)."""
        return tuple(m for m in (*self.all(), self.budgets, self.slots) if m is not None)


def _meta(table: str, settings: Settings) -> type:
    attrs: dict[str, Any] = {"table_name": table, "region": settings.region}
    if settings.dynamodb_endpoint:
        attrs["host"] = settings.dynamodb_endpoint
    if settings.access_key_id:
        attrs["aws_access_key_id"] = settings.access_key_id
        attrs["aws_secret_access_key"] = settings.secret_access_key
    attrs["connect_timeout_seconds"] = 5
    attrs["read_timeout_seconds"] = 10
    attrs["max_retry_attempts"] = 3
    return type("Meta", (), attrs)


def _index(name: str, projection: Any) -> type:
    return type("Meta", (), {"index_name": name, "projection": projection})


@lru_cache(maxsize=8)
def build_models(settings: Settings) -> Models:
    """Create model classes bound to ``settings`` (cached per settings value)."""

    class DueIndex(GlobalSecondaryIndex[Any]):
        Meta = _index("due-index", IncludeProjection(["generation"]))
        due_shard = UnicodeAttribute(hash_key=True)
        next_due_at = NumberAttribute(range_key=True)

    class SlotIndex(GlobalSecondaryIndex[Any]):
        # next_due_at projected: while it is set, the due path owns the object and its slot is
        # skipped. It changes only when a run is off schedule, never on a regular cycle.
        Meta = _index("slot-index", IncludeProjection(["next_due_at"]))
        slot_shard = UnicodeAttribute(hash_key=True)
        slot_offset = NumberAttribute(range_key=True)

    class ImageIndex(GlobalSecondaryIndex[Any]):
        Meta = _index("image-index", KeysOnlyProjection())
        canonical_image = UnicodeAttribute(hash_key=True)
        key = UnicodeAttribute(range_key=True)

    class RefIndex(GlobalSecondaryIndex[Any]):
        Meta = _index("ref-index", KeysOnlyProjection())
        ref = UnicodeAttribute(hash_key=True)
        key = UnicodeAttribute(range_key=True)

    class WebhookIndex(GlobalSecondaryIndex[Any]):
        Meta = _index("webhook-index", KeysOnlyProjection())
        webhook_path = UnicodeAttribute(hash_key=True)

    class ObjectItem(Model):
        Meta = _meta(settings.objects_table, settings)
        kind = UnicodeAttribute(hash_key=True)
        key = UnicodeAttribute(range_key=True)
        api_version = UnicodeAttribute()
        namespace = UnicodeAttribute()
        name = UnicodeAttribute()
        labels = JSONAttribute(default=dict)
        annotations = JSONAttribute(default=dict)
        spec = JSONAttribute(default=dict)
        status = JSONAttribute(default=dict)
        generation = NumberAttribute(default=1)
        spec_digest = UnicodeAttribute(default="")
        due_shard = UnicodeAttribute(null=True)
        next_due_at = NumberAttribute(null=True)
        canonical_image = UnicodeAttribute(null=True)
        ref = UnicodeAttribute(null=True)
        webhook_path = UnicodeAttribute(null=True)
        failures = NumberAttribute(null=True)
        interval_s = NumberAttribute(null=True)
        slot_shard = UnicodeAttribute(null=True)
        slot_offset = NumberAttribute(null=True)
        due_index = DueIndex()
        slot_index = SlotIndex()
        image_index = ImageIndex()
        ref_index = RefIndex()
        webhook_index = WebhookIndex()

    class SlotDirectory(Model):
        # One item per slot-scheduled kind in the objects table: the intervals in use, so the
        # dispatcher knows which slot shards to query. Written only when an object's interval
        # is set (apply, resume, back on schedule), read once a minute.
        Meta = _meta(settings.objects_table, settings)
        kind = UnicodeAttribute(hash_key=True)
        key = UnicodeAttribute(range_key=True)
        intervals = NumberSetAttribute(null=True)

    class TagChunk(Model):
        Meta = _meta(settings.tags_table, settings)
        repo = UnicodeAttribute(hash_key=True)
        chunk = NumberAttribute(range_key=True)
        data = BinaryAttribute(legacy_encoding=False)
        revision = UnicodeAttribute()
        chunks = NumberAttribute()
        count = NumberAttribute()

    class Lease(Model):
        Meta = _meta(settings.leases_table, settings)
        lease = UnicodeAttribute(hash_key=True)
        owner = UnicodeAttribute()
        expires_at = NumberAttribute()

    class BudgetBucket(Model):
        Meta = _meta(settings.leases_table, settings)
        lease = UnicodeAttribute(hash_key=True)
        owner = UnicodeAttribute(default="budget")
        expires_at = NumberAttribute()  # the table's TTL: idle buckets disappear
        tokens = NumberAttribute()
        updated_at = NumberAttribute()
        blocked_until = NumberAttribute(default=0)
        version = VersionAttribute()

    return Models(
        objects=ObjectItem,
        tags=TagChunk,
        leases=Lease,
        budgets=BudgetBucket,
        slots=SlotDirectory,
    )


def create_tables(models: Models) -> None:
    """Create the tables if they do not exist (local stack and tests; SAM creates them in AWS).

    Raises
    ------
    StoreError
        The store did not answer (or refused): the message names the table and the endpoint.
    """
    for model in models.all():
        ensure_table(model)


def ensure_table(model: type[Model]) -> None:
    """Create ``model``'s table unless it exists; a store that fails is a :class:`StoreError`."""
    try:
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    except PynamoDBException as exc:
        meta = model.Meta
        where = getattr(meta, "host", None) or getattr(meta, "region", "")
        detail = " ".join(str(exc.cause or exc).split())
        raise StoreError(
            f"the store is unavailable: table {meta.table_name} at {where}: {detail}"
        ) from None


__all__ = ["AllProjection", "Models", "build_models", "create_tables", "ensure_table"]

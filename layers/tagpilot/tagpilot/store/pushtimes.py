"""Push times of each ImageRepository's tags (the ``tagpilot.dev/push-times`` extension).

Kept in the tags table under their own key space (``pushed#<namespace>/<name>``), as zlib-compressed
JSON chunks like the tag lists: ``{"tags": {tag: [digest, epoch]}, "digests": {digest: epoch}}``.
The digest map is the cache that makes a rescan read nothing new: a tag already recorded, or a new
tag whose digest is known, costs no registry read. Written only when something changed.
"""

from __future__ import annotations

import zlib

from pynamodb.exceptions import PynamoDBException

from tagpilot.registry.pushtimes import PushTimes
from tagpilot.store.errors import StoreError
from tagpilot.store.models import Models

CHUNK_BYTES = 350_000
KEY_PREFIX = "pushed#"


class PushTimeStore:
    """Read and write :class:`PushTimes` per ImageRepository key (``namespace/name``)."""

    def __init__(self, models: Models) -> None:
        self._model = models.tags

    def get(self, repo_key: str) -> PushTimes:
        key = KEY_PREFIX + repo_key
        try:
            items = sorted(self._model.query(key, consistent_read=True), key=lambda i: i.chunk)
        except PynamoDBException as exc:
            raise StoreError(f"read push times of {repo_key} failed: {exc.msg}") from exc
        if not items:
            return PushTimes()
        wanted, revision = int(items[0].chunks), items[0].revision
        usable = [i for i in items if i.revision == revision and int(i.chunk) < wanted]
        if len(usable) != wanted:
            raise StoreError(f"push times of {repo_key} are being rewritten; retry")
        try:
            return PushTimes.from_bytes(zlib.decompress(b"".join(bytes(i.data) for i in usable)))
        except (zlib.error, ValueError, KeyError, TypeError, IndexError) as exc:
            raise StoreError(f"stored push times of {repo_key} are corrupt") from exc

    def put(self, repo_key: str, record: PushTimes) -> int:
        """Store ``record``; returns the number of items written."""
        key = KEY_PREFIX + repo_key
        raw = record.to_bytes()
        blob = zlib.compress(raw, 6)
        revision = str(zlib.adler32(raw))
        parts = [blob[i : i + CHUNK_BYTES] for i in range(0, len(blob), CHUNK_BYTES)] or [b""]
        try:
            existing = {int(i.chunk) for i in self._model.query(key, attributes_to_get=["chunk"])}
            with self._model.batch_write() as batch:
                for n, part in enumerate(parts):
                    batch.save(
                        self._model(
                            key,
                            n,
                            data=part,
                            revision=revision,
                            chunks=len(parts),
                            count=len(record.tags),
                        )
                    )
                for n in sorted(existing - set(range(len(parts)))):
                    batch.delete(self._model(key, n))
        except PynamoDBException as exc:
            raise StoreError(f"write push times of {repo_key} failed: {exc.msg}") from exc
        return len(parts)

    def delete(self, repo_key: str) -> None:
        key = KEY_PREFIX + repo_key
        try:
            with self._model.batch_write() as batch:
                for item in self._model.query(key, attributes_to_get=["repo", "chunk"]):
                    batch.delete(item)
        except PynamoDBException as exc:
            raise StoreError(f"delete push times of {repo_key} failed: {exc.msg}") from exc

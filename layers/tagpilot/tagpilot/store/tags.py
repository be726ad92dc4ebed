"""The tag list of each ImageRepository, stored as compressed chunks with a revision checksum.

Flux keeps one list per repository; so does tagpilot. The list is the JSON array Flux stores
(after exclusion, sorted descending byte-wise), zlib-compressed and split into chunks below
DynamoDB's 400 KB item limit. The revision is Flux's default (Badger) checksum: the decimal
adler32 of that JSON array. A rescan that yields the same revision writes nothing here.

Lists are keyed by ``<namespace>/<name>`` (like Flux's ``FluxStorage`` backend), not by canonical
image name, so two ImageRepositories of one image with different credentials or exclusion lists
never overwrite each other's tags (Flux's default Badger backend shares them; see the README).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from pynamodb.exceptions import PynamoDBException

from tagpilot.store.errors import StoreError
from tagpilot.store.models import Models

CHUNK_BYTES = 350_000


def tags_json(tags: Sequence[str]) -> bytes:
    """The bytes Go's ``json.Marshal`` writes for a list of tags (tags are plain ASCII)."""
    return json.dumps(list(tags), separators=(",", ":"), ensure_ascii=True).encode()


def revision_of(tags: Sequence[str]) -> str:
    """Flux's ``lastScanResult.revision``: decimal adler32 of the stored JSON array."""
    return str(zlib.adler32(tags_json(tags)))


@dataclass(frozen=True)
class StoredTags:
    revision: str
    tags: list[str]


@dataclass(frozen=True)
class WriteStats:
    items_written: int
    bytes_written: int


class TagStore:
    """Read and write tag lists; ``put`` is a no-op when the revision is unchanged."""

    def __init__(self, models: Models) -> None:
        self._model = models.tags

    def get(self, repo_key: str) -> StoredTags | None:
        try:
            items = list(self._model.query(repo_key, consistent_read=True))
        except PynamoDBException as exc:
            raise StoreError(f"read tags of {repo_key} failed: {exc.msg}") from exc
        if not items:
            return None
        first = items[0]
        wanted = int(first.chunks)
        usable = [i for i in items if i.revision == first.revision and int(i.chunk) < wanted]
        if len(usable) != wanted:
            raise StoreError(f"tags of {repo_key} are being rewritten; retry")
        blob = b"".join(bytes(i.data) for i in sorted(usable, key=lambda i: int(i.chunk)))
        try:
            tags = json.loads(zlib.decompress(blob))
        except (zlib.error, ValueError) as exc:
            raise StoreError(f"stored tags of {repo_key} are corrupt") from exc
        return StoredTags(revision=str(first.revision), tags=tags)

    def exists(self, repo_key: str) -> bool:
        try:
            return any(
                True for _ in self._model.query(repo_key, limit=1, attributes_to_get=["chunk"])
            )
        except PynamoDBException as exc:
            raise StoreError(f"read tags of {repo_key} failed: {exc.msg}") from exc

    def put(
        self,
        repo_key: str,
        tags: Sequence[str],
        revision: str,
        previous_revision: str | None = None,
    ) -> WriteStats:
        """Store ``tags`` unless ``previous_revision`` says they are already stored."""
        if previous_revision is not None and previous_revision == revision:
            return WriteStats(0, 0)
        blob = zlib.compress(tags_json(tags), 6)
        parts = [blob[i : i + CHUNK_BYTES] for i in range(0, len(blob), CHUNK_BYTES)] or [b""]
        try:
            # Readers ignore chunks of another revision, so leftovers are harmless; they are
            # only cleaned up when a previous list exists (a first scan has nothing to clean).
            existing = (
                set()
                if previous_revision is None
                else {
                    int(i.chunk)
                    for i in self._model.query(repo_key, attributes_to_get=["repo", "chunk"])
                }
            )
            with self._model.batch_write() as batch:
                for n, part in enumerate(parts):
                    batch.save(
                        self._model(
                            repo_key,
                            n,
                            data=part,
                            revision=revision,
                            chunks=len(parts),
                            count=len(tags),
                        )
                    )
                for n in sorted(existing - set(range(len(parts)))):
                    batch.delete(self._model(repo_key, n))
        except PynamoDBException as exc:
            raise StoreError(f"write tags of {repo_key} failed: {exc.msg}") from exc
        return WriteStats(len(parts), len(blob))

    def delete(self, repo_key: str) -> None:
        try:
            with self._model.batch_write() as batch:
                for item in self._model.query(repo_key, attributes_to_get=["repo", "chunk"]):
                    batch.delete(item)
        except PynamoDBException as exc:
            raise StoreError(f"delete tags of {repo_key} failed: {exc.msg}") from exc

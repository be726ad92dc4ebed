"""Where source artifacts are kept: a local directory (``file://``) or the stack's S3 bucket.

Both keep Flux's layout ``<kind>/<namespace>/<name>/<file>`` (reference §4.2), e.g.
``ocirepository/apps/podinfo/sha256:<hex>.tar.gz``, plus ``latest.tar.gz`` (a symlink locally, a
server-side copy in S3) which ``status.url`` points to. Writes are atomic: a local file is written
to a temporary name and renamed; an S3 object appears whole or not at all. Garbage collection
follows ``fluxcd/pkg artifact/storage/gc.go``: files older than ``ttl`` go, then the oldest until
at most ``keep`` remain; the current artifact is never deleted.

Flux recomputes a stored artifact's SHA-256 on every reconcile. The local storage does so only
when the file's ``stat`` (device, inode, size, modification and change times) differs from
when this process last hashed it, as Git's index does (a file changed less than 2 s before it
was hashed, or while it was, is hashed again next time): any write, rename or
``touch`` changes the change time, which no user program can set back, so a replaced or
edited file is still hashed; silent corruption under an unchanged ``stat`` is not detected.
The S3 storage checks the digest recorded at upload with a ``HeadObject``; its checks are
requests, so :attr:`S3ArtifactStorage.remote` is true and the reconciler runs them less often
(:mod:`tagpilot.reconcile.ocistorage`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from tagpilot.store.errors import StoreError

LATEST = "latest.tar.gz"
RETENTION_TTL = 60.0
RETENTION_RECORDS = 2
_CHUNK = 1 << 20


class ArtifactStorageError(StoreError):
    """An artifact could not be written, read or deleted."""


@dataclass(frozen=True)
class StoredArtifact:
    """What ``status.artifact`` records of a stored file."""

    path: str
    url: str
    digest: str
    size: int


Writer = Callable[[IO[bytes]], Any]


class ArtifactStorage(Protocol):
    #: Whether a check (``verify``, ``gc``) is a network request rather than a local read.
    remote: bool

    def store(self, path: str, write: Writer) -> StoredArtifact: ...
    def verify(
        self, path: str, digest: str, before_delete: Callable[[], None] | None = None
    ) -> bool:
        """Whether the artifact is stored with ``digest``; local storage deletes a file with
        another digest, after ``before_delete`` (whose exception stops the deletion)."""
        ...

    def set_latest(self, path: str) -> str: ...
    def gc(
        self,
        directory: str,
        current: str,
        now: float | None = None,
        before_delete: Callable[[], None] | None = None,
    ) -> list[str]:
        """Flux's GC of ``directory`` (``current`` kept); ``before_delete`` runs first when
        there is something to delete, and its exception stops the deletion."""
        ...

    def delete_dir(self, directory: str) -> int: ...
    def read(self, path: str) -> bytes: ...


def artifact_dir(kind: str, namespace: str, name: str) -> str:
    return f"{kind.lower()}/{namespace}/{name}"


class _Hashing:
    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


#: Files this process hashed or wrote: absolute path -> (stat fingerprint, digest).
_HASHED: OrderedDict[str, tuple[tuple[int, ...], str]] = OrderedDict()
_HASHED_MAX = 4096
_HASHED_LOCK = threading.Lock()
#: A file changed this recently is not remembered (Git's "racily clean" rule): a second write
#: within the file system's timestamp granularity could leave the same ``stat``.
_RACY_NS = 2_000_000_000


def _fingerprint(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _remember(
    target: str, before: os.stat_result, after: os.stat_result, started_ns: int, digest: str
) -> None:
    """Trust ``digest`` for the file while its ``stat`` stays ``before``: only when nothing
    changed while it was hashed, and its last change is older than the racy window (a write
    within the same timestamp tick would leave the same ``stat``)."""
    if _fingerprint(before) != _fingerprint(after):
        return
    if started_ns - before.st_ctime_ns < _RACY_NS:
        return  # hashed again at the next check
    with _HASHED_LOCK:
        _HASHED[target] = (_fingerprint(before), digest)
        _HASHED.move_to_end(target)
        while len(_HASHED) > _HASHED_MAX:
            _HASHED.popitem(last=False)


def _forget(target: str) -> None:
    with _HASHED_LOCK:
        _HASHED.pop(target, None)


class LocalArtifactStorage:
    """Artifacts under ``root`` (``$TAGPILOT_HOME/artifacts``), ``file://`` URLs."""

    remote = False

    def __init__(self, root: Path) -> None:
        self.root = root

    def url(self, path: str) -> str:
        return (self.root / path).absolute().as_uri()

    def store(self, path: str, write: Writer) -> StoredArtifact:
        target = self.root / path
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".tar.gz")
        except OSError as exc:
            raise ArtifactStorageError(f"failed to create artifact directory: {exc}") from None
        try:
            with os.fdopen(fd, "wb") as raw:
                out = _Hashing(raw)
                write(out)  # type: ignore[arg-type]
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        digest = "sha256:" + out.hash.hexdigest()
        return StoredArtifact(path, self.url(path), digest, out.size)

    def verify(
        self, path: str, digest: str, before_delete: Callable[[], None] | None = None
    ) -> bool:
        """Whether the file is there with ``digest`` (hashed again when its ``stat`` changed);
        a file with another digest is deleted (after ``before_delete``)."""
        # Strings, not Paths, on this path: it runs on every reconcile (an unchanged one too).
        target = os.path.join(os.path.abspath(self.root), path)
        try:
            st = os.stat(target, follow_symlinks=False)
        except OSError:
            _forget(target)
            return False
        if not stat.S_ISREG(st.st_mode):
            return False
        with _HASHED_LOCK:
            known = _HASHED.get(target)
        if known == (_fingerprint(st), digest):
            return True
        hasher = hashlib.sha256()
        with open(target, "rb") as f:
            started_ns = time.time_ns()
            before = os.fstat(f.fileno())  # the file being read, whatever the path names now
            for chunk in iter(lambda: f.read(_CHUNK), b""):
                hasher.update(chunk)
            after = os.fstat(f.fileno())
        if "sha256:" + hasher.hexdigest() == digest:
            _remember(target, before, after, started_ns, digest)
            return True
        _forget(target)
        if before_delete is not None:
            before_delete()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        return False

    def set_latest(self, path: str) -> str:
        target = self.root / path
        link = target.parent / LATEST
        tmp = target.parent / f".{LATEST}.tmp"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(target.name)
        os.replace(tmp, link)
        return self.url(str(Path(path).parent / LATEST))

    def gc(
        self,
        directory: str,
        current: str,
        now: float | None = None,
        before_delete: Callable[[], None] | None = None,
    ) -> list[str]:
        folder = self.root / directory
        if not folder.is_dir():
            return []
        files = []
        for entry in os.scandir(folder):
            if entry.is_file(follow_symlinks=False) and not entry.name.startswith("."):
                rel = f"{directory}/{entry.name}"
                if rel != current and not entry.name.endswith(".lock"):
                    files.append((entry.stat().st_mtime, rel))
        doomed = _garbage(files, time.time() if now is None else now)
        if doomed and before_delete is not None:
            before_delete()
        for rel in doomed:
            (self.root / rel).unlink(missing_ok=True)
        return doomed

    def delete_dir(self, directory: str) -> int:
        folder = self.root / directory
        if not folder.exists():
            return 0
        count = sum(1 for _ in folder.iterdir())
        shutil.rmtree(folder)
        return count

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()


def _garbage(files: list[tuple[float, str]], now: float) -> list[str]:
    """Flux's GC: expired first, then oldest until ``RETENTION_RECORDS - 1`` others remain."""
    files.sort()
    expired = [rel for mtime, rel in files if now - mtime > RETENTION_TTL]
    left = [rel for _mtime, rel in files if rel not in expired]
    keep_others = RETENTION_RECORDS - 1  # the current artifact is one of the records
    extra = left[: max(len(left) - keep_others, 0)]
    return expired + extra


class S3ArtifactStorage:
    """Artifacts in ``bucket`` (encrypted, private), ``s3://`` URLs.

    ``client`` is a boto3 S3 client; ``spool_dir`` is where a tarball is written before the
    upload (``/tmp`` in Lambda: its ephemeral storage bounds the artifact size).
    """

    remote = True

    def __init__(self, client: Any, bucket: str, spool_dir: str | None = None) -> None:
        self.client = client
        self.bucket = bucket
        self.spool_dir = spool_dir

    def url(self, path: str) -> str:
        return f"s3://{self.bucket}/{path}"

    def store(self, path: str, write: Writer) -> StoredArtifact:
        with tempfile.TemporaryFile(dir=self.spool_dir) as spool:
            out = _Hashing(spool)
            write(out)  # type: ignore[arg-type]
            spool.seek(0)
            digest = "sha256:" + out.hash.hexdigest()
            try:
                self.client.upload_fileobj(
                    spool,
                    self.bucket,
                    path,
                    ExtraArgs={
                        "ContentType": "application/gzip",
                        "ServerSideEncryption": "AES256",
                        # LastModified has one-second resolution: GC orders by this instead.
                        "Metadata": {"digest": digest, "stored-at": str(time.time_ns())},
                    },
                )
            except (BotoCoreError, ClientError) as exc:
                raise ArtifactStorageError(f"failed to upload {self.url(path)}: {exc}") from None
        return StoredArtifact(path, self.url(path), digest, out.size)

    def _head(self, path: str) -> dict[str, Any] | None:
        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=path))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise ArtifactStorageError(f"failed to stat {self.url(path)}: {exc}") from None

    def verify(
        self, path: str, digest: str, before_delete: Callable[[], None] | None = None
    ) -> bool:
        head = self._head(path)  # nothing is deleted: an object with another digest is replaced
        return head is not None and (head.get("Metadata") or {}).get("digest") == digest

    def set_latest(self, path: str) -> str:
        latest = str(Path(path).parent / LATEST)
        self.client.copy_object(
            Bucket=self.bucket,
            Key=latest,
            CopySource={"Bucket": self.bucket, "Key": path},
            ServerSideEncryption="AES256",
            MetadataDirective="COPY",
        )
        return self.url(latest)

    def _list(self, directory: str) -> list[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        out: list[dict[str, Any]] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=directory + "/"):
            out.extend(page.get("Contents") or [])
        return out

    def gc(
        self,
        directory: str,
        current: str,
        now: float | None = None,
        before_delete: Callable[[], None] | None = None,
    ) -> list[str]:
        files = [
            (self._stored_at(obj), obj["Key"])
            for obj in self._list(directory)
            if obj["Key"] != current and not obj["Key"].endswith(f"/{LATEST}")
        ]
        doomed = _garbage(files, time.time() if now is None else now)
        if doomed and before_delete is not None:
            before_delete()
        self._delete(doomed)
        return doomed

    def _stored_at(self, obj: dict[str, Any]) -> float:
        """When ``obj`` was stored: our metadata (ns), else S3's ``LastModified`` (seconds).

        One HEAD per candidate; with Flux's retention there are one or two per new artifact.
        """
        head = self._head(obj["Key"]) or {}
        stored_at = (head.get("Metadata") or {}).get("stored-at", "")
        if stored_at.isdigit():
            return int(stored_at) / 1e9
        return float(obj["LastModified"].timestamp())

    def delete_dir(self, directory: str) -> int:
        keys = [obj["Key"] for obj in self._list(directory)]
        self._delete(keys)
        return len(keys)

    def _delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})

    def read(self, path: str) -> bytes:
        body = self.client.get_object(Bucket=self.bucket, Key=path)["Body"]
        return bytes(body.read())

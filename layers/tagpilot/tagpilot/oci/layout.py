"""Flux's OCI artifact layout (``fluxcd/pkg oci``, reference §8.1-8.2), as bytes.

``flux push artifact`` writes one OCI image manifest (no ``artifactType``) whose config has media
type ``application/vnd.cncf.flux.config.v1+json`` and whose single layer is the gzip tarball of
the pushed path, ``application/vnd.cncf.flux.content.v1.tar+gzip``; the manifest annotations are
``org.opencontainers.image.created``, ``.source`` and ``.revision``, then the user's.

The tarball differs from the controller's: root entry ``.``, zero ids, epoch mtimes, but the disk
permission bits are kept; symlinks and special files are skipped. Python's deflate is not Go's,
so digests never match a Go-built artifact byte for byte (reference §10.10).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import stat
import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from tagpilot.oci.ignore import EXT_PATTERNS, VCS_PATTERNS, IgnoreRules

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.cncf.flux.config.v1+json"
CONTENT_MEDIA_TYPE = "application/vnd.cncf.flux.content.v1.tar+gzip"
CREATED = "org.opencontainers.image.created"
SOURCE = "org.opencontainers.image.source"
REVISION = "org.opencontainers.image.revision"
#: go-containerregistry >= 0.21.6 writes this config for an empty image (Flux >= 2.9).
EMPTY_CONFIG = (
    b'{"architecture":"","created":"0001-01-01T00:00:00Z","os":"",'
    b'"rootfs":{"type":"layers","diff_ids":null},"config":{}}'
)
DEFAULT_IGNORE_PATHS = VCS_PATTERNS + EXT_PATTERNS


@dataclass(frozen=True)
class Blob:
    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.data).hexdigest()

    def descriptor(self) -> dict[str, object]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": len(self.data)}


@dataclass(frozen=True)
class Artifact:
    """A manifest and the blobs it references, ready to upload."""

    config: Blob
    layer: Blob
    manifest: bytes

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.manifest).hexdigest()


def created_now(reproducible: bool = False) -> str:
    """``created``: the epoch with ``--reproducible``, else now to the second (RFC 3339, UTC)."""
    if reproducible:
        return "1970-01-01T00:00:00Z"
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def annotations_for(
    source: str, revision: str, extra: Mapping[str, str], created: str
) -> dict[str, str]:
    """Flux's manifest annotations, user annotations last (they may override)."""
    out = {CREATED: created, SOURCE: source, REVISION: revision}
    out.update(extra)
    return out


def parse_annotations(items: list[str]) -> dict[str, str]:
    """``k=v`` pairs; a value may not contain ``=`` (flux's own rule)."""
    out: dict[str, str] = {}
    for item in items:
        parts = item.split("=")
        if len(parts) != 2:
            raise ValueError(f"invalid annotation {item}, must be in the format key=value")
        out[parts[0]] = parts[1]
    return out


def ignore_rules(ignore_paths: list[str] | None, add_ignore_paths: list[str]) -> IgnoreRules:
    """``--ignore-paths`` (default: VCS + extension lists) then ``--add-ignore-paths``."""
    base = list(DEFAULT_IGNORE_PATHS) if ignore_paths is None else list(ignore_paths)
    return IgnoreRules([*base, *add_ignore_paths])


def build_tarball(path: Path, rules: IgnoreRules, out: IO[bytes]) -> None:
    """The ``flux build artifact`` tarball of a directory or a single file."""
    gz = gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=6, mtime=0)
    with gz, tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        root_mode = path.stat().st_mode if path.is_dir() else 0o755
        tar.addfile(_header(".", tarfile.DIRTYPE, root_mode & 0o7777, 0))
        if path.is_file():
            _add_file(tar, path.name, path)
            return
        _walk(tar, path, "", lambda rel, d: not rules.excluded(rel, d))


def _walk(tar: tarfile.TarFile, root: Path, rel: str, keep: Callable[[str, bool], bool]) -> None:
    here = root / rel if rel else root
    for name in sorted(os.listdir(here)):
        child_rel = f"{rel}/{name}" if rel else name
        child = root / child_rel
        mode = child.lstat().st_mode
        if stat.S_ISDIR(mode):
            if not keep(child_rel, True):
                continue
            tar.addfile(_header(child_rel, tarfile.DIRTYPE, mode & 0o7777, 0))
            _walk(tar, root, child_rel, keep)
        elif stat.S_ISREG(mode) and keep(child_rel, False):
            _add_file(tar, child_rel, child)


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> None:
    st = path.stat()
    with open(path, "rb") as f:
        tar.addfile(_header(name, tarfile.REGTYPE, st.st_mode & 0o7777, st.st_size), f)


def _header(name: str, kind: bytes, mode: int, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.mtime = kind, mode, size, 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def build_artifact(layer: bytes, annotations: Mapping[str, str]) -> Artifact:
    """The manifest for one Flux content layer."""
    config = Blob(CONFIG_MEDIA_TYPE, EMPTY_CONFIG)
    content = Blob(CONTENT_MEDIA_TYPE, layer)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": config.descriptor(),
        "layers": [content.descriptor()],
        "annotations": dict(annotations),
    }
    return Artifact(config, content, json.dumps(manifest, separators=(",", ":")).encode())


def tarball_bytes(path: Path, rules: IgnoreRules) -> bytes:
    buf = io.BytesIO()
    build_tarball(path, rules, buf)
    return buf.getvalue()

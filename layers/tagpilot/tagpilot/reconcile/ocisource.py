"""The OCIRepository source step: resolve the reference, then pull, select and unpack the layer.

Each failure is an :class:`OCIStepError` carrying the condition type, reason and message that
source-controller writes (reference §2.4), so the reconciler only maps it to status.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import requests

from tagpilot.api.ocirepository import OCIRepositorySpec
from tagpilot.errors import TagpilotError
from tagpilot.golang import regexp
from tagpilot.oci.ignore import IgnoreRules, load_rules
from tagpilot.oci.repack import NeedsDisk, repack
from tagpilot.oci.tarball import Packed, TarballError, extract, pack
from tagpilot.policy.errors import NoCandidateError, PolicyError
from tagpilot.policy.semver import SemVer
from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.content import Manifest, get_manifest, is_digest, iter_blob
from tagpilot.registry.errors import RegistryError, RegistryTimeoutError
from tagpilot.registry.names import ImageName
from tagpilot.store.artifacts import ArtifactStorage, ArtifactStorageError, StoredArtifact

FETCH_FAILED = "FetchFailed"
STORAGE_FAILED = "StorageOperationFailed"
READ_FAILED = "ReadOperationFailed"
PULL_FAILED = "OCIArtifactPullFailed"
LAYER_FAILED = "OCIArtifactLayerOperationFailed"
ARCHIVE_FAILED = "ArchiveOperationFailed"
DIR_FAILED = "DirectoryCreationFailed"
HELM_CHART_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"


class OCIStepError(TagpilotError):
    """A failed step: ``condition`` (FetchFailed or StorageOperationFailed) with a reason."""

    def __init__(self, condition: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.condition = condition
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Resolved:
    """The reference a spec resolves to: ``revision`` and the printed reference."""

    tag: str | None
    digest: str

    @property
    def revision(self) -> str:
        return f"{self.tag}@{self.digest}" if self.tag else self.digest


def select_tag(spec: OCIRepositorySpec, tags: list[str]) -> str:
    """The highest tag in ``spec.semver`` (after ``semverFilter``), as written.

    Raises
    ------
    PolicyError, regexp.RegexpSyntaxError
        Bad range or filter; ``no match found for semver: <range>``.
    """
    assert spec.semver is not None
    if spec.semver_filter:
        pattern = regexp.compile(spec.semver_filter)
        tags = [t for t in tags if pattern.search(t)]
    helm = spec.media_type == HELM_CHART_MEDIA_TYPE
    # Helm charts write build metadata with '_' in tags ('+' is not allowed in a tag).
    candidates = {(t.replace("_", "+") if helm else t): t for t in tags}
    try:
        best = SemVer(spec.semver).latest(list(candidates))
    except NoCandidateError:
        raise OCIStepError(
            FETCH_FAILED, READ_FAILED, f"no match found for semver: {spec.semver}"
        ) from None
    return candidates[best]


def resolve(
    client: RegistryClient,
    image: ImageName,
    spec: OCIRepositorySpec,
    auth: RegistryAuth,
    url: str,
) -> Resolved:
    """digest > semver > tag > ``latest``; a tag is resolved by ``HEAD`` (``GET`` on failure)."""
    if spec.digest:
        if not is_digest(spec.digest):
            raise OCIStepError(
                FETCH_FAILED,
                PULL_FAILED,
                f"failed to determine artifact digest: invalid digest '{spec.digest}'",
            )
        return Resolved(None, spec.digest)
    tag = spec.tag or "latest"
    if spec.semver:
        try:
            tag = select_tag(spec, client.list_tags(image, auth, spec.timeout))
        except OCIStepError as exc:
            raise OCIStepError(
                FETCH_FAILED,
                READ_FAILED,
                f"failed to determine the artifact tag for '{url}': {exc.message}",
            ) from None
        except (RegistryError, PolicyError, regexp.RegexpSyntaxError) as exc:
            raise OCIStepError(
                FETCH_FAILED,
                READ_FAILED,
                f"failed to determine the artifact tag for '{url}': {exc}",
            ) from None
    try:
        digest = client.head_digest(image, tag, auth, spec.timeout)
    except RegistryTimeoutError as exc:
        raise OCIStepError(
            FETCH_FAILED, PULL_FAILED, f"failed to determine artifact digest: {exc}"
        ) from None
    except RegistryError:
        try:
            digest = get_manifest(client, image, tag, auth, spec.timeout).digest
        except RegistryError as exc:
            raise OCIStepError(
                FETCH_FAILED, PULL_FAILED, f"failed to determine artifact digest: {exc}"
            ) from None
    return Resolved(tag, digest)


def pull_manifest(
    client: RegistryClient, image: ImageName, digest: str, auth: RegistryAuth, spec: Any, url: str
) -> Manifest:
    """The image manifest at ``digest``; an index resolves to its linux/amd64 entry."""
    try:
        manifest = get_manifest(client, image, digest, auth, spec.timeout)
        if manifest.is_index:
            entry = _platform_entry(manifest)
            if entry is None:
                # go-containerregistry's remote.Image (Arch/OS order is its own)
                raise OCIStepError(
                    FETCH_FAILED,
                    PULL_FAILED,
                    f"failed to pull artifact from '{url}': no child with platform amd64/linux "
                    f"in index {image.canonical}@{digest}",
                )
            manifest = get_manifest(client, image, entry, auth, spec.timeout)
    except RegistryError as exc:
        raise OCIStepError(
            FETCH_FAILED, PULL_FAILED, f"failed to pull artifact from '{url}': {exc}"
        ) from None
    return manifest


def _platform_entry(index: Manifest) -> str | None:
    """The first entry for linux/amd64, as go-containerregistry's ``remote.Image`` picks it for
    source-controller: any variant or features, and an entry without ``platform`` counts as
    linux/amd64."""
    for entry in index.body.get("manifests") or []:
        platform = entry.get("platform") or {"os": "linux", "architecture": "amd64"}
        if platform.get("os") == "linux" and platform.get("architecture") == "amd64":
            return str(entry.get("digest"))
    return None


def select_layer(manifest: Manifest, media_type: str | None) -> dict[str, Any]:
    """The first layer, or the first with exactly ``media_type``."""
    layers = manifest.layers
    if not layers:
        raise OCIStepError(FETCH_FAILED, LAYER_FAILED, "no layers found in artifact")
    if media_type:
        for layer in layers:
            if layer.get("mediaType") == media_type:
                return layer
        raise OCIStepError(
            FETCH_FAILED,
            LAYER_FAILED,
            f"failed to find layer with media type '{media_type}' in artifact",
        )
    return layers[0]


@contextlib.contextmanager
def workdir(namespace: str, name: str, base: str | None = None) -> Iterator[Path]:
    """``ocirepository-<ns>-<name>-*``, removed afterwards whatever happens."""
    try:
        path = Path(tempfile.mkdtemp(prefix=f"ocirepository-{namespace}-{name}-", dir=base))
    except OSError as exc:
        raise OCIStepError(
            STORAGE_FAILED, DIR_FAILED, f"failed to create temporary working directory: {exc}"
        ) from None
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class Build:
    """Where the layer goes and how (``extract`` or ``copy``)."""

    client: RegistryClient
    image: ImageName
    auth: RegistryAuth
    spec: OCIRepositorySpec
    max_size: int


def build_artifact(
    build: Build,
    layer: dict[str, Any],
    storage: ArtifactStorage,
    path: str,
    tmp: Path,
) -> StoredArtifact:
    """Unpack (or copy) ``layer`` and store the artifact at ``path``; nothing half-written."""
    digest = str(layer.get("digest", ""))
    spec = build.spec

    def chunks() -> Iterator[bytes]:
        return iter_blob(
            build.client, build.image, digest, build.auth, spec.timeout, max_size=build.max_size
        )

    if spec.operation == "copy":
        try:
            return storage.store(path, lambda out: _copy(chunks(), out))
        except RegistryError as exc:
            raise OCIStepError(
                FETCH_FAILED, LAYER_FAILED, f"failed to copy layer from artifact: {exc}"
            ) from None
        except (ArtifactStorageError, OSError) as exc:
            raise OCIStepError(
                STORAGE_FAILED, ARCHIVE_FAILED, f"unable to copy artifact to storage: {exc}"
            ) from None
    if spec.operation != "extract":
        raise OCIStepError(
            FETCH_FAILED, LAYER_FAILED, f"unsupported layer operation: {spec.operation}"
        )
    # One pass (gunzip, check, filter, repack, gzip) unless the layer needs the disk walk.
    rules = IgnoreRules.from_patterns(spec.ignore.splitlines() if spec.ignore else [])
    try:
        return storage.store(
            path, lambda out: repack(chunks(), out, _keeper(rules), max_size=build.max_size)
        )
    except NeedsDisk:
        pass  # e.g. a .sourceignore file, or entries out of order: unpack, then walk
    except (TarballError, RegistryError, requests.RequestException) as exc:
        # (a broken download is a requests error, which is also an OSError: caught first)
        raise OCIStepError(
            FETCH_FAILED, LAYER_FAILED, f"failed to extract layer contents from artifact: {exc}"
        ) from None
    except (ArtifactStorageError, OSError) as exc:
        raise OCIStepError(
            STORAGE_FAILED, ARCHIVE_FAILED, f"unable to archive artifact to storage: {exc}"
        ) from None
    try:
        extract(chunks(), tmp, max_size=build.max_size)
    except (TarballError, RegistryError) as exc:
        raise OCIStepError(
            FETCH_FAILED, LAYER_FAILED, f"failed to extract layer contents from artifact: {exc}"
        ) from None
    rules = load_rules(tmp, spec.ignore)
    try:
        return storage.store(path, lambda out: _pack(tmp, out, _keeper(rules)))
    except (ArtifactStorageError, OSError) as exc:
        raise OCIStepError(
            STORAGE_FAILED, ARCHIVE_FAILED, f"unable to archive artifact to storage: {exc}"
        ) from None


def _keeper(rules: IgnoreRules) -> Any:
    def keep(rel: str, is_dir: bool) -> bool:
        return not rules.excluded(rel, is_dir)

    return keep


def _copy(chunks: Iterator[bytes], out: IO[bytes]) -> None:
    for chunk in chunks:
        out.write(chunk)


def _pack(root: Path, out: IO[bytes], keep: Any) -> Packed:
    return pack(root, out, keep)

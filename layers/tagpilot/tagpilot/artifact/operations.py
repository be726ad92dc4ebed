"""Push, pull, list and tag Flux OCI artifacts (``fluxcd/pkg oci``, reference §8.3-8.7).

Each function takes an injected :class:`RegistryClient` and :class:`RegistryAuth` and returns a
small result; the CLI prints it the way ``flux`` does.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tagpilot.golang import regexp
from tagpilot.oci.ignore import IgnoreRules
from tagpilot.oci.layout import REVISION, SOURCE, build_artifact, tarball_bytes
from tagpilot.oci.tarball import extract
from tagpilot.policy.semver import SemVer
from tagpilot.policy.version import parse_tag
from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.content import get_blob, get_manifest, iter_blob, put_blob, put_manifest
from tagpilot.registry.names import ImageName
from tagpilot.registry.oci_url import ArtifactURL
from tagpilot.verify.cosign import VerificationResult, verify_image

_SKIPPED_SUFFIXES = (".att", ".sbom", ".sig")


@dataclass(frozen=True)
class Pushed:
    repository: str
    tag: str
    digest: str

    @property
    def url(self) -> str:
        return f"oci://{self.repository}@{self.digest}"

    def json(self) -> str:
        body = {
            "url": self.url,
            "repository": self.repository,
            "tag": self.tag,
            "digest": self.digest,
        }
        return json.dumps(body, indent=2) + "\n"


def push(
    client: RegistryClient,
    target: ArtifactURL,
    path: Path,
    *,
    source: str,
    revision: str,
    annotations: Mapping[str, str],
    rules: IgnoreRules,
    auth: RegistryAuth,
    timeout: float,
) -> Pushed:
    """Build the tarball of ``path``, upload config and layer, then the manifest under the tag."""
    layer = tarball_bytes(path, rules)
    artifact = build_artifact(layer, {**annotations})
    name = target.name
    put_blob(client, name, artifact.config.data, auth, timeout)
    put_blob(client, name, artifact.layer.data, auth, timeout)
    tag = target.tag or "latest"
    digest = put_manifest(
        client,
        name,
        tag,
        artifact.manifest,
        "application/vnd.oci.image.manifest.v1+json",
        auth,
        timeout,
    )
    return Pushed(name.canonical, tag, digest)


@dataclass(frozen=True)
class Pulled:
    digest: str
    source: str
    revision: str
    extracted: bool
    files: int
    verification: VerificationResult | None


def pull(
    client: RegistryClient,
    target: ArtifactURL,
    output: Path,
    *,
    auth: RegistryAuth,
    timeout: float,
    max_size: int,
    keys: Mapping[str, str] | None = None,
) -> Pulled:
    """Layer 0 of the artifact: untarred into ``output`` if gzip, else written as a file there.

    With ``keys`` the cosign signature is verified first; nothing is written when it fails.
    """
    name = target.name
    manifest = get_manifest(client, name, target.reference, auth, timeout)
    verification = None
    if keys is not None:
        verification = verify_image(
            client, name, manifest.digest, auth=auth, timeout=timeout, keys=keys
        )
        if not verification.verified:
            return Pulled(manifest.digest, "", "", False, 0, verification)
    if not manifest.layers:
        raise ValueError("no layers found in artifact")
    layer = manifest.layers[0]
    annotations = manifest.annotations or {}
    chunks = iter_blob(client, name, str(layer.get("digest")), auth, timeout, max_size=max_size)
    first, rest = _peek(chunks)
    if first[:2] == b"\x1f\x8b":
        files = extract(_chain(first, rest), output, max_size=max_size)
        extracted = True
    else:
        files, extracted = 1, False
        target_file = output / str(layer.get("digest")).replace(":", "-")
        with open(target_file, "wb") as out:
            for chunk in _chain(first, rest):
                out.write(chunk)
    return Pulled(
        manifest.digest,
        annotations.get(SOURCE, ""),
        annotations.get(REVISION, ""),
        extracted,
        files,
        verification,
    )


def same_content(
    client: RegistryClient,
    target: ArtifactURL,
    path: Path,
    *,
    rules: IgnoreRules,
    auth: RegistryAuth,
    timeout: float,
) -> bool:
    """Whether layer 0 of the artifact holds what ``push`` would build from ``path``.

    Compared: entry names, types, permission bits and file contents (not the gzip bytes, which
    differ between Go and Python for the same content).
    """
    local = tarball_bytes(path, rules)
    name = target.name
    manifest = get_manifest(client, name, target.reference, auth, timeout)
    if not manifest.layers:
        raise ValueError("no layers found in artifact")
    remote = get_blob(client, name, str(manifest.layers[0].get("digest")), auth, timeout)
    try:
        return _entries(local) == _entries(remote)
    except (tarfile.TarError, EOFError, OSError):
        return False  # not a (gzip) tarball: not what a push of the path would upload


def _entries(data: bytes) -> list[tuple[str, bytes, int, str]]:
    out = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
        for member in tar:
            name = member.name.rstrip("/")
            name = name.removeprefix("./") if name not in (".", "./") else "."
            content = ""
            if member.isreg():
                source = tar.extractfile(member)
                assert source is not None
                content = hashlib.sha256(source.read()).hexdigest()
            out.append((name, member.type, member.mode & 0o7777, content))
    return sorted(out)


def _peek(chunks: Iterator[bytes]) -> tuple[bytes, Iterator[bytes]]:
    for chunk in chunks:
        if chunk:
            return chunk, chunks
    return b"", chunks


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


@dataclass(frozen=True)
class Listed:
    artifact: str
    digest: str
    source: str
    revision: str


def list_artifacts(
    client: RegistryClient,
    name: ImageName,
    *,
    auth: RegistryAuth,
    timeout: float,
    filter_semver: str | None = None,
    filter_regex: str | None = None,
) -> list[Listed]:
    """Tags sorted descending (string order), cosign tags dropped, filters applied."""
    tags = sorted(
        (t for t in client.list_tags(name, auth, timeout) if not t.endswith(_SKIPPED_SUFFIXES)),
        reverse=True,
    )
    if filter_semver:
        engine = SemVer(filter_semver)
        tags = [t for t in tags if (key := parse_tag(t)) is not None and engine.range.check(key)]
    if filter_regex:
        pattern = regexp.compile(filter_regex)
        tags = [t for t in tags if pattern.search(t)]
    out = []
    for tag in tags:
        manifest = get_manifest(client, name, tag, auth, timeout)
        annotations = manifest.annotations or {}
        out.append(
            Listed(
                f"{name.canonical}:{tag}",
                manifest.digest,
                annotations.get(SOURCE, ""),
                annotations.get(REVISION, ""),
            )
        )
    return out


def tag(
    client: RegistryClient,
    target: ArtifactURL,
    new_tags: list[str],
    *,
    auth: RegistryAuth,
    timeout: float,
) -> list[str]:
    """PUT the manifest of ``target`` again under each new tag; returns ``registry/repo:tag``s."""
    manifest = get_manifest(client, target.name, target.reference, auth, timeout)
    done = []
    for new in new_tags:
        put_manifest(client, target.name, new, manifest.raw, manifest.media_type, auth, timeout)
        done.append(f"{target.name.canonical}:{new}")
    return done

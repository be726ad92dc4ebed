"""OCI artifacts for the tests, pushed and pulled with ``oras`` (an independent OCI client).

``tarball`` builds gzip tars from a ``{name: bytes}`` mapping with Python's ``tarfile`` and can add
hostile entries (``..`` names, absolute names, symlinks, devices) for the refusal tests.
``oras_push`` uploads one file as the single layer of an OCI manifest with Flux's media type.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import oras.client
import requests

from tests.support.registry import RegistryServer

FLUX_LAYER = "application/vnd.cncf.flux.content.v1.tar+gzip"
FLUX_CONFIG = "application/vnd.cncf.flux.config.v1+json"


def tarball(
    files: Mapping[str, bytes],
    *,
    symlinks: Mapping[str, str] | None = None,
    raw_members: Iterable[tarfile.TarInfo] = (),
    compress: bool = True,
) -> bytes:
    """A tar (gzip unless ``compress`` is false) of ``files``, plus symlinks and raw headers."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
        for info in raw_members:
            tar.addfile(info, io.BytesIO(b"\0" * info.size) if info.size else None)
    data = buf.getvalue()
    return gzip.compress(data, mtime=0) if compress else data


def oras_client(
    server: RegistryServer, auth: tuple[str, str] | None = None
) -> oras.client.OrasClient:
    client = oras.client.OrasClient(
        hostname=server.host,
        insecure=not server.tls,
        tls_verify=server.verify() if server.tls else False,
        auth_backend="basic" if auth else "token",
    )
    if auth:
        client.auth.set_basic_auth(*auth)
    return client


def oras_push(
    server: RegistryServer,
    repo: str,
    tag: str,
    blob: bytes,
    tmp: Path,
    *,
    media_type: str = FLUX_LAYER,
    annotations: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> str:
    """Push ``blob`` as the only layer of ``repo:tag`` with oras; returns the manifest digest."""
    path = tmp / f"layer-{hashlib.sha256(blob).hexdigest()[:12]}.tgz"
    path.write_bytes(blob)
    client = oras_client(server, auth)
    response = client.push(
        target=f"{server.host}/{repo}:{tag}",
        files=[f"{path}:{media_type}"],
        manifest_annotations=dict(annotations or {}),
        disable_path_validation=True,
        quiet=True,
    )
    digest = response.headers.get("Docker-Content-Digest")
    if digest:
        return str(digest)
    head = requests.head(
        f"{server.url}/v2/{repo}/manifests/{tag}",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
        auth=auth,
        verify=server.verify(),
        timeout=10,
    )
    return str(head.headers["Docker-Content-Digest"])

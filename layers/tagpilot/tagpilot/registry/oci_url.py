"""``oci://`` URLs of OCIRepository and the flux artifact verbs (source-controller rules).

``oci://host[:port]/path`` names a repository; a tag or digest in the URL is refused (reference
§2.4.2). Registry and repository follow go-containerregistry (``docker.io`` -> ``index.docker.io``,
Hub ``x`` -> ``library/x``), reusing :mod:`tagpilot.registry.names`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tagpilot.registry.errors import ImageURLInvalidError
from tagpilot.registry.names import (
    _REPOSITORY_CHARS,
    ImageName,
    _new_repository,
    _repository_str,
)

OCI_PREFIX = "oci://"
FORMAT_ERROR = "URL must be in format 'oci://<domain>/<org>/<repo>'"


def parse_oci_url(url: str) -> ImageName:
    """The repository of an ``oci://`` URL.

    Raises
    ------
    ImageURLInvalidError
        Flux's messages: no ``oci://`` prefix, a tag (``URL must not contain a tag; remove
        ':<tag>'``), or a repository go-containerregistry would not parse.

    Examples
    --------
    >>> parse_oci_url("oci://ghcr.io/org/manifests").canonical
    'ghcr.io/org/manifests'
    """
    if not url.startswith(OCI_PREFIX):
        raise ImageURLInvalidError(FORMAT_ERROR)
    rest = url[len(OCI_PREFIX) :]
    registry, _, path = rest.partition("/")
    if "." not in registry and ":" not in registry:
        path = rest  # no registry part: Docker Hub
    if "@" in path:
        raise ImageURLInvalidError(f"URL must not contain a digest; remove '@{path.split('@')[1]}'")
    if ":" in path:
        raise ImageURLInvalidError(f"URL must not contain a tag; remove ':{path.split(':')[1]}'")
    parsed = _new_repository(rest)
    if parsed is None:
        allowed = "".join(sorted(_REPOSITORY_CHARS))
        raise ImageURLInvalidError(
            f"could not parse reference '{rest}': repository can only contain the "
            f"characters `{allowed}`"
        )
    return ImageName(image=rest, registry=parsed[0], repository=_repository_str(*parsed))


@dataclass(frozen=True)
class ArtifactURL:
    """``oci://repo[:tag|@digest]`` as the flux CLI verbs accept it."""

    name: ImageName
    tag: str | None
    digest: str | None

    @property
    def reference(self) -> str:
        return self.digest or self.tag or "latest"


def parse_artifact_url(url: str, *, default_tag: str | None = "latest") -> ArtifactURL:
    """``oci://<repo>:<tag>`` or ``oci://<repo>@sha256:<hex>`` (the CLI's artifact URLs)."""
    if not url.startswith(OCI_PREFIX):
        raise ImageURLInvalidError(FORMAT_ERROR)
    rest = url[len(OCI_PREFIX) :]
    digest = None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
    head, _, last = rest.rpartition("/")
    tag = None
    if ":" in last:
        last, tag = last.split(":", 1)
    repo_url = OCI_PREFIX + (f"{head}/{last}" if head else last)
    name = parse_oci_url(repo_url)
    if digest is None and tag is None:
        tag = default_tag
    return ArtifactURL(name, tag, digest)

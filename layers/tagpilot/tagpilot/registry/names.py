"""Image repository names, parsed exactly as Flux does (IRC ``ParseImageReference``).

Flux parses ``spec.image`` with go-containerregistry ``name.ParseReference`` (v0.21.6, weak
validation), then rejects URL schemes, tags and digests. This module ports that logic without any
I/O so the canonical name (``status.canonicalImageName``) matches Flux byte for byte.

Deliberate difference: ggcr talks plain HTTP to ``localhost:*``, ``127.0.0.1``, ``*.localhost``,
``::1`` and RFC 1918 addresses even without ``insecure``; tagpilot uses HTTPS unless the
ImageRepository sets ``insecure: true`` (see :meth:`ImageName.scheme`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from tagpilot.registry.errors import ImageURLInvalidError

DEFAULT_REGISTRY = "index.docker.io"
_REGISTRY_ALIAS = "docker.io"
_DEFAULT_NAMESPACE = "library"

_REPOSITORY_CHARS = frozenset(string.ascii_lowercase + string.digits + "_-./")
_TAG_CHARS = frozenset(string.ascii_letters + string.digits + "_-.")
_DIGEST_CHARS = frozenset("sh:0123456789abcdef")
# Bytes Go's net/url accepts unescaped in a host (RFC 3986 reg-name, sub-delims, port, IPv6).
_HOST_CHARS = frozenset(string.ascii_letters + string.digits + "!$&'()*+,;=:[]<>\"-_.~")


@dataclass(frozen=True)
class ImageName:
    """A parsed repository address.

    Attributes
    ----------
    image:
        The input, verbatim (Flux writes it unchanged into ``latestRef.name``).
    registry:
        The registry as Flux reports it, e.g. ``index.docker.io`` or ``ghcr.io``.
    repository:
        The repository path, e.g. ``library/alpine``.
    """

    image: str
    registry: str
    repository: str

    @property
    def canonical(self) -> str:
        """``registry/repository``, Flux's ``status.canonicalImageName``."""
        return f"{self.registry}/{self.repository}"

    @property
    def api_host(self) -> str:
        """The host (and port) to contact; ggcr uses the registry string itself."""
        return self.registry

    def scheme(self, insecure: bool) -> str:
        """``http`` only when ``insecure`` is set, else ``https`` (stricter than ggcr)."""
        return "http" if insecure else "https"

    def base_url(self, insecure: bool) -> str:
        """``<scheme>://<api_host>``, the prefix of every ``/v2/`` URL."""
        return f"{self.scheme(insecure)}://{self.api_host}"


def parse_image_reference(image: str) -> ImageName:
    """Parse ``spec.image`` like Flux's ``ParseImageReference``.

    Parameters
    ----------
    image:
        A repository address without scheme, tag or digest.

    Returns
    -------
    ImageName
        The registry and repository Flux would use.

    Raises
    ------
    ImageURLInvalidError
        With Flux's message when the string has a scheme, a tag or digest, or does not parse.

    Examples
    --------
    >>> parse_image_reference("alpine").canonical
    'index.docker.io/library/alpine'
    >>> parse_image_reference("localhost:5000/app").canonical
    'localhost:5000/app'
    """
    scheme_parts = image.split("://")
    if len(scheme_parts) > 1:
        raise ImageURLInvalidError(
            f"image '{image}' should not include URL scheme; remove '{scheme_parts[0]}://'"
        )
    parsed = _new_tag(image)
    if parsed is None:
        parsed = _new_digest(image)
    if parsed is None:
        raise ImageURLInvalidError(f"could not parse reference: {image}")
    registry, repository = parsed
    rest = image.removeprefix(registry)
    rest_parts = rest.split(":")
    if len(rest_parts) > 1:
        raise ImageURLInvalidError(
            f"image '{image}' should not include a tag; remove ':{rest_parts[1]}'"
        )
    return ImageName(image=image, registry=registry, repository=_repository_str(*parsed))


def _repository_str(registry: str, repository: str) -> str:
    if "/" not in repository and registry == DEFAULT_REGISTRY:
        return f"{_DEFAULT_NAMESPACE}/{repository}"
    return repository


def _check(element: str, allowed: frozenset[str], low: int, high: int) -> bool:
    return low <= len(element) <= high and all(c in allowed for c in element)


def _new_tag(name: str) -> tuple[str, str] | None:
    """ggcr ``NewTag`` (weak): split a trailing ``:tag`` unless it contains ``/`` (a port)."""
    base, tag = name, ""
    parts = name.split(":")
    if len(parts) > 1 and "/" not in parts[-1]:
        base, tag = ":".join(parts[:-1]), parts[-1]
    if tag and not _check(tag, _TAG_CHARS, 1, 127):
        return None
    return _new_repository(base)


def _new_digest(name: str) -> tuple[str, str] | None:
    """ggcr ``NewDigest`` (weak): exactly one ``@`` and a 71-character ``sha256:`` digest."""
    parts = name.split("@")
    if len(parts) != 2 or not _check(parts[1], _DIGEST_CHARS, 71, 71):
        return None
    base = parts[0]
    tagged = _new_tag(base)
    if tagged is not None:
        base = f"{tagged[0]}/{_repository_str(*tagged)}"
    return _new_repository(base)


def _new_repository(name: str) -> tuple[str, str] | None:
    """ggcr ``NewRepository`` (weak); returns ``(registry, raw repository)``."""
    if not name:
        return None
    registry, repository = "", name
    parts = name.split("/", 1)
    # The first component is a registry only if it has a '.' or ':' (v0.21.6: not bare localhost).
    if len(parts) == 2 and ("." in parts[0] or ":" in parts[0]):
        registry, repository = parts
    if not _check(repository, _REPOSITORY_CHARS, 2, 255):
        return None
    if not _valid_registry(registry):
        return None
    if registry in ("", _REGISTRY_ALIAS):
        registry = DEFAULT_REGISTRY
    return registry, repository


def _valid_registry(name: str) -> bool:
    """ggcr ``checkRegistry``: Go's ``url.Parse("//" + name).Host`` must equal ``name``."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return False
    if name.startswith("["):
        end = name.rfind("]")
        if end < 0 or not _valid_optional_port(name[end + 1 :]):
            return False
    else:
        colon = name.rfind(":")
        if colon >= 0 and not _valid_optional_port(name[colon:]):
            return False
    # Go leaves bytes >= 0x80 alone; any '%' makes the unescaped host differ from the input.
    return all(ord(c) >= 0x80 or c in _HOST_CHARS for c in name)


def _valid_optional_port(port: str) -> bool:
    if not port:
        return True
    return port[0] == ":" and all(c in string.digits for c in port[1:])

"""Best-effort image hints (which image, which tag) from registry payloads, for logging.

Hints never decide anything: Flux reconciles every selected resource whatever the payload says,
and so does tagpilot. Extraction never raises; an unexpected shape gives no hint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ImageHint:
    """An image named by a payload: ``name`` as the sender wrote it, ``tag`` when known."""

    name: str
    tag: str | None = None


def _get(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def split_reference(reference: str) -> ImageHint:
    """Split ``host/path:tag`` or ``host/path@sha256:...`` into name and tag.

    Examples
    --------
    >>> split_reference("localhost:5000/app:1.2")
    ImageHint(name='localhost:5000/app', tag='1.2')
    >>> split_reference("gcr.io/p/app@sha256:abc")
    ImageHint(name='gcr.io/p/app', tag=None)
    """
    name = reference.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return ImageHint(name[:colon], name[colon + 1 :] or None)
    return ImageHint(name)


def _join(host: str | None, repository: str | None) -> str | None:
    if repository and host:
        return f"{host}/{repository}"
    return repository


def _distribution(payload: Any) -> list[ImageHint]:
    hints = []
    events = _get(payload, "events")
    for event in events if isinstance(events, list) else []:
        name = _join(
            _str(_get(event, "request", "host")), _str(_get(event, "target", "repository"))
        )
        if name:
            hints.append(ImageHint(name, _str(_get(event, "target", "tag"))))
    return hints


def _dockerhub(payload: Any) -> list[ImageHint]:
    name = _str(_get(payload, "repository", "repo_name"))
    return [ImageHint(name, _str(_get(payload, "push_data", "tag")))] if name else []


def _quay(payload: Any) -> list[ImageHint]:
    name = _str(_get(payload, "docker_url")) or _str(_get(payload, "repository"))
    tags = _get(payload, "updated_tags")
    if not name:
        return []
    tags = [tag for tag in tags if _str(tag)] if isinstance(tags, list) else []
    return [ImageHint(name, tag) for tag in tags] or [ImageHint(name)]


def _acr(payload: Any) -> list[ImageHint]:
    name = _join(
        _str(_get(payload, "request", "host")), _str(_get(payload, "target", "repository"))
    )
    return [ImageHint(name, _str(_get(payload, "target", "tag")))] if name else []


def _harbor(payload: Any) -> list[ImageHint]:
    hints = []
    resources = _get(payload, "event_data", "resources")
    for resource in resources if isinstance(resources, list) else []:
        url = _str(_get(resource, "resource_url"))
        if url:
            hints.append(ImageHint(split_reference(url).name, _str(_get(resource, "tag"))))
    name = _str(_get(payload, "event_data", "repository", "repo_full_name"))
    return hints or ([ImageHint(name)] if name else [])


def _github(payload: Any) -> list[ImageHint]:
    package = _get(payload, "package") or _get(payload, "registry_package")
    tag = _str(_get(package, "package_version", "container_metadata", "tag", "name"))
    url = _str(_get(package, "package_version", "package_url"))
    if url:
        return [ImageHint(split_reference(url).name, tag)]
    name = _str(_get(package, "name"))
    owner = _str(_get(package, "namespace")) or _str(_get(package, "owner", "login"))
    return [ImageHint(f"ghcr.io/{owner}/{name}" if owner else name, tag)] if name else []


def _gcr(payload: Any) -> list[ImageHint]:
    reference = _str(_get(payload, "tag")) or _str(_get(payload, "digest"))
    return [split_reference(reference)] if reference else []


def _nexus(payload: Any) -> list[ImageHint]:
    name = _str(_get(payload, "component", "name"))
    return [ImageHint(name, _str(_get(payload, "component", "version")))] if name else []


_EXTRACTORS: dict[str, Callable[[Any], list[ImageHint]]] = {
    "generic": _distribution,
    "generic-hmac": _distribution,
    "gitlab": _distribution,
    "dockerhub": _dockerhub,
    "quay": _quay,
    "acr": _acr,
    "harbor": _harbor,
    "github": _github,
    "gcr": _gcr,
    "nexus": _nexus,
}


def image_hints(receiver_type: str, payload: Any) -> tuple[ImageHint, ...]:
    """Return the images a parsed payload names, or ``()``.

    Examples
    --------
    >>> image_hints("dockerhub", {"repository": {"repo_name": "me/app"},
    ...     "push_data": {"tag": "1.0"}})
    (ImageHint(name='me/app', tag='1.0'),)
    """
    extractor = _EXTRACTORS.get(receiver_type)
    return tuple(extractor(payload)) if extractor else ()


def payload_action(receiver_type: str, payload: Any) -> str | None:
    """Return the payload's own action/type field when it has one (``push``, ``INSERT``...)."""
    if receiver_type == "harbor":
        return _str(_get(payload, "type"))
    if receiver_type in ("generic", "generic-hmac", "gitlab"):
        events = _get(payload, "events")
        first = events[0] if isinstance(events, list) and events else None
        return _str(_get(first, "action")) or _str(_get(payload, "object_kind"))
    return _str(_get(payload, "action"))

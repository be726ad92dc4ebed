"""When was each tag pushed? Three sources, chosen per registry (``tagpilot.dev/push-times``).

``ecr``
    ECR ``DescribeImages`` (paginated, 1,000 images a page): ``imagePushedAt`` of every tagged
    image. One listing's worth of calls per scan.
``dockerhub``
    Docker Hub's ``/v2/namespaces/<ns>/repositories/<repo>/tags`` (100 a page):
    ``tag_last_pushed``. Public repositories (anonymous).
``config``
    Any OCI registry: the image config's ``created``, read once per *new* tag (the manifest, then
    the config blob unless the digest is already known). A rescan with no new tags reads nothing.

Each source returns a fresh :class:`~tagpilot.store.pushtimes.PushTimes` for exactly the listed
tags, reusing the previous record, and counts the registry reads it made.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urljoin

import requests
from botocore.exceptions import BotoCoreError, ClientError

from tagpilot.registry.content import get_blob, get_manifest
from tagpilot.registry.ecr import parse_ecr_host
from tagpilot.registry.errors import MalformedResponseError, RegistryError
from tagpilot.registry.names import ImageName

DOCKER_HUB_API = "https://hub.docker.com"
#: The push time of a tag whose image config has no ``created``: remembered, so it is not re-read.
UNKNOWN = -1.0
DOCKER_HUB_HOSTS = ("index.docker.io", "docker.io", "registry-1.docker.io")


class PushTimeError(RegistryError):
    """A push-time source failed (the scan reports it; the tag list itself is still stored)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="push times")


@dataclass
class PushTimes:
    """``tags``: tag -> (digest or "", epoch seconds); ``digests``: digest -> epoch seconds."""

    tags: dict[str, tuple[str, float]] = field(default_factory=dict)
    digests: dict[str, float] = field(default_factory=dict)

    def times(self) -> dict[str, float]:
        """tag -> push time, without the tags whose time is :data:`UNKNOWN`."""
        return {tag: at for tag, (_, at) in self.tags.items() if at != UNKNOWN}

    def to_bytes(self) -> bytes:
        doc: dict[str, Any] = {"tags": {t: [d, at] for t, (d, at) in sorted(self.tags.items())}}
        doc["digests"] = dict(sorted(self.digests.items()))
        return json.dumps(doc, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> PushTimes:
        doc = json.loads(data)
        tags = {t: (str(v[0]), float(v[1])) for t, v in doc.get("tags", {}).items()}
        return cls(tags, {d: float(at) for d, at in doc.get("digests", {}).items()})


@dataclass(frozen=True)
class Refreshed:
    record: PushTimes
    reads: int  # registry/API requests made


class ContentReader(Protocol):
    """Manifest and blob reads for one repository (see :mod:`tagpilot.registry.content`)."""

    def manifest(self, reference: str) -> tuple[str, dict[str, Any]]:
        """``(digest, parsed manifest)`` of a tag or digest."""
        ...

    def blob(self, digest: str) -> bytes: ...


def choose_source(source: str, name: ImageName) -> str:
    """Resolve ``auto`` from the registry host."""
    if source != "auto":
        return source
    try:
        parse_ecr_host(name.registry)
        return "ecr"
    except RegistryError:
        pass
    return "dockerhub" if name.registry in DOCKER_HUB_HOSTS else "config"


def _epoch(text: Any, what: str) -> float:
    if isinstance(text, datetime):
        return text.timestamp()
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise MalformedResponseError(f"{what}: invalid time {text!r}") from None


def _keep(tags: Sequence[str], found: dict[str, tuple[str, float]]) -> PushTimes:
    record = PushTimes({t: found[t] for t in tags if t in found})
    record.digests = {d: at for d, at in record.tags.values() if d}
    return record


def from_ecr(
    ecr_client: Any, name: ImageName, tags: Sequence[str], *, page_size: int = 1000
) -> Refreshed:
    """``imagePushedAt`` of every tag, from ``DescribeImages`` (all pages)."""
    account, _ = parse_ecr_host(name.registry)
    found: dict[str, tuple[str, float]] = {}
    pages = 0
    try:
        paginator = ecr_client.get_paginator("describe_images")
        for page in paginator.paginate(
            registryId=account,
            repositoryName=name.repository,
            filter={"tagStatus": "TAGGED"},
            PaginationConfig={"PageSize": page_size},
        ):
            pages += 1
            for image in page.get("imageDetails", []):
                at = _epoch(image["imagePushedAt"], "ECR DescribeImages")
                for tag in image.get("imageTags", []):
                    found[tag] = (str(image.get("imageDigest", "")), at)
    except (BotoCoreError, ClientError) as exc:
        raise PushTimeError(f"ECR DescribeImages {name.repository}: {exc}") from exc
    return Refreshed(_keep(tags, found), pages)


def from_docker_hub(
    session: requests.Session,
    name: ImageName,
    tags: Sequence[str],
    *,
    api: str = DOCKER_HUB_API,
    timeout: float = 30.0,
) -> Refreshed:
    """``tag_last_pushed`` of every tag, from Docker Hub's tag listing (all pages)."""
    namespace, _, repo = name.repository.partition("/")
    url: str | None = f"{api}/v2/namespaces/{namespace}/repositories/{repo}/tags?page_size=100"
    found: dict[str, tuple[str, float]] = {}
    pages = 0
    while url:
        try:
            response = session.get(url, timeout=timeout)
        except requests.RequestException as exc:
            raise PushTimeError(f"GET {url}: {exc}") from exc
        pages += 1
        if response.status_code != 200:
            raise PushTimeError(f"GET {url}: HTTP {response.status_code}")
        try:
            body = response.json()
            for item in body.get("results") or []:
                if item.get("tag_last_pushed"):
                    at = _epoch(item["tag_last_pushed"], f"GET {url}")
                    found[str(item["name"])] = (str(item.get("digest") or ""), at)
        except (ValueError, AttributeError, KeyError) as exc:
            raise PushTimeError(f"GET {url}: unexpected answer: {exc}") from exc
        nxt = body.get("next")
        url = urljoin(url, nxt) if nxt else None
    return Refreshed(_keep(tags, found), pages)


def _config_digest(reader: ContentReader, body: dict[str, Any]) -> tuple[str, int]:
    """The config digest of a manifest, descending into the first image of an index."""
    reads = 0
    if isinstance(body.get("manifests"), list):
        children = [m for m in body["manifests"] if isinstance(m, dict) and m.get("digest")]
        platform_ok = [
            m for m in children if (m.get("platform") or {}).get("os", "linux") != "unknown"
        ]
        if not platform_ok:
            raise MalformedResponseError("image index without an image manifest")
        _, body = reader.manifest(str(platform_ok[0]["digest"]))
        reads += 1
    config = body.get("config")
    if not isinstance(config, dict) or not config.get("digest"):
        raise MalformedResponseError("manifest has no config descriptor")
    return str(config["digest"]), reads


def from_config(reader: ContentReader, tags: Sequence[str], previous: PushTimes) -> Refreshed:
    """The config ``created`` of each tag not in ``previous``; known tags cost nothing."""
    record = PushTimes({}, dict(previous.digests))
    reads = 0
    for tag in tags:
        if tag in previous.tags:
            record.tags[tag] = previous.tags[tag]
            continue
        digest, body = reader.manifest(tag)
        reads += 1
        if digest in record.digests:
            record.tags[tag] = (digest, record.digests[digest])
            continue
        config_digest, extra = _config_digest(reader, body)
        reads += extra + 1
        try:
            created = json.loads(reader.blob(config_digest)).get("created")
        except (ValueError, AttributeError) as exc:
            raise PushTimeError(f"config of {tag} is not a JSON object: {exc}") from exc
        # No build time: the tag's age stays unknown (soak waits for it; newest-pushed skips it).
        at = _epoch(created, f"config of {tag}") if created else UNKNOWN
        record.tags[tag] = (digest, at)
        record.digests[digest] = at
    live = {d for d, _ in record.tags.values()}
    record.digests = {d: at for d, at in record.digests.items() if d in live}
    return Refreshed(record, reads)


class RegistryContentReader:
    """:class:`ContentReader` over the registry client (manifests and blobs, digest-checked)."""

    #: An image config is small; anything bigger is not one.
    MAX_CONFIG_BYTES = 1 << 20

    def __init__(self, client: Any, name: ImageName, auth: Any, timeout: float) -> None:
        self._client, self._name, self._auth, self._timeout = client, name, auth, timeout

    def manifest(self, reference: str) -> tuple[str, dict[str, Any]]:
        found = get_manifest(self._client, self._name, reference, self._auth, self._timeout)
        return found.digest, found.body

    def blob(self, digest: str) -> bytes:
        return get_blob(
            self._client,
            self._name,
            digest,
            self._auth,
            self._timeout,
            max_size=self.MAX_CONFIG_BYTES,
        )


@dataclass
class PushSources:
    """What the push-time sources need, built once per process (see ``build_app``)."""

    session: requests.Session = field(default_factory=requests.Session)
    docker_hub_api: str = DOCKER_HUB_API
    ecr_client: Callable[[str], Any] | None = None  # region -> boto3 ECR client
    #: ``(registry client, image, auth, timeout) -> reader``; default: the registry client's.
    reader: Callable[[Any, ImageName, Any, float], ContentReader] | None = None

"""The object kinds tagpilot accepts, by API group, version and kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tagpilot.api import (
    alert,
    gitrepository,
    imagepolicy,
    imagerepository,
    imageupdateautomation,
    ocirepository,
    provider,
    receiver,
)
from tagpilot.api.validation import Checker

IMAGE_GROUP = "image.toolkit.fluxcd.io"
SOURCE_GROUP = "source.toolkit.fluxcd.io"
NOTIFICATION_GROUP = "notification.toolkit.fluxcd.io"

SpecValidator = Callable[[Any, Checker, str], None]

#: API groups whose kinds tagpilot checks: an unknown kind there is a mistake, not a foreign kind.
OWN_GROUPS = frozenset({IMAGE_GROUP, SOURCE_GROUP, NOTIFICATION_GROUP})
#: Flux kinds in those groups that tagpilot leaves alone (``apply`` skips them and says so).
FLUX_KINDS_NOT_HANDLED = frozenset(
    {
        "Bucket",
        "HelmRepository",
        "HelmChart",
        "ExternalArtifact",
        "Alert",
        "Provider",
    }
)


@dataclass(frozen=True)
class KindInfo:
    """What tagpilot knows of one kind: versions it serves and how to check a spec."""

    group: str
    kind: str
    versions: tuple[str, ...]
    names: tuple[str, ...]  # words the CLI accepts, e.g. ("image", "repository")
    validate_spec: SpecValidator | None

    def api_versions(self) -> tuple[str, ...]:
        return tuple(f"{self.group}/{v}" if self.group else v for v in self.versions)


KINDS: tuple[KindInfo, ...] = (
    KindInfo(
        IMAGE_GROUP,
        "ImageRepository",
        ("v1beta2", "v1"),
        ("image", "repository"),
        imagerepository.validate_spec,
    ),
    KindInfo(
        IMAGE_GROUP,
        "ImagePolicy",
        ("v1beta2", "v1"),
        ("image", "policy"),
        imagepolicy.validate_spec,
    ),
    KindInfo(
        IMAGE_GROUP,
        "ImageUpdateAutomation",
        ("v1beta2", "v1"),
        ("image", "update"),
        imageupdateautomation.validate_spec,
    ),
    KindInfo(
        SOURCE_GROUP,
        "GitRepository",
        ("v1beta2", "v1"),
        ("source", "git"),
        gitrepository.validate_spec,
    ),
    KindInfo(
        SOURCE_GROUP,
        "OCIRepository",
        ("v1beta2", "v1"),
        ("source", "oci"),
        ocirepository.validate_spec,
    ),
    KindInfo(
        NOTIFICATION_GROUP,
        "Receiver",
        ("v1beta2", "v1"),
        ("receiver",),
        receiver.validate_spec,
    ),
    KindInfo(
        NOTIFICATION_GROUP,
        "Alert",
        ("v1beta2", "v1beta3"),
        ("alert",),
        alert.validate_spec,
    ),
    KindInfo(
        NOTIFICATION_GROUP,
        "Provider",
        ("v1beta2", "v1beta3"),
        ("alert-provider",),
        provider.validate_spec,
    ),
    KindInfo("", "Namespace", ("v1",), ("namespace",), None),
    KindInfo("", "Secret", ("v1",), ("secret",), None),
)

BY_KIND = {k.kind: k for k in KINDS}


def lookup(api_version: str, kind: str) -> KindInfo | None:
    info = BY_KIND.get(kind)
    if info is None or api_version not in info.api_versions():
        return None
    return info

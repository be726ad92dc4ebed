"""Flux v1 policy annotations of one workload (fluxcd/flux ``pkg/policy``, ``pkg/resource``).

Both prefixes are read: ``fluxcd.io/`` and the older ``flux.weave.works/``; a container's filter
may also be ``filter.fluxcd.io/<container>``. Boolean policies count only with the exact value
``"true"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PREFIXES = ("fluxcd.io/", "flux.weave.works/")
FILTER_PREFIX = "filter.fluxcd.io/"
HELM_MAPPING = ("repository.fluxcd.io/", "registry.fluxcd.io/", "tag.fluxcd.io/")


@dataclass
class V1Policy:
    """What the annotations say: automated/locked/ignore and a filter per container."""

    automated: bool = False
    locked: bool = False
    locked_msg: str = ""
    locked_user: str = ""
    ignore: bool = False
    filters: dict[str, str] = field(default_factory=dict)
    #: HelmRelease alias -> {"repository": path, "registry": path, "tag": path}
    helm_paths: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def is_v1(self) -> bool:
        return self.automated or self.locked or self.ignore or bool(self.filters)


def _get(annotations: Mapping[str, str], name: str) -> str | None:
    for prefix in PREFIXES:
        if f"{prefix}{name}" in annotations:
            return str(annotations[f"{prefix}{name}"])
    return None


def read_policy(annotations: Mapping[str, object] | None) -> V1Policy:
    """The v1 policy of a workload from its ``metadata.annotations``."""
    ann = {str(k): str(v) for k, v in (annotations or {}).items()}
    policy = V1Policy(
        automated=_get(ann, "automated") == "true",
        locked=_get(ann, "locked") == "true",
        locked_msg=_get(ann, "locked_msg") or "",
        locked_user=_get(ann, "locked_user") or "",
        ignore=_get(ann, "ignore") == "true",
    )
    for key, value in ann.items():
        for prefix in PREFIXES:
            if key.startswith(f"{prefix}tag."):
                policy.filters.setdefault(key[len(prefix) + 4 :], value)
        if key.startswith(FILTER_PREFIX):
            policy.filters[key[len(FILTER_PREFIX) :]] = value
        for mapping in HELM_MAPPING:
            if key.startswith(mapping):
                alias = key[len(mapping) :]
                policy.helm_paths.setdefault(alias, {})[mapping.split(".")[0]] = value
    return policy

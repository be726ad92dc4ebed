"""Alert (``notification.toolkit.fluxcd.io/v1beta3``, v1beta2 read alike): schema checks.

Matching lives in :mod:`tagpilot.notify.alert`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tagpilot.api.validation import Checker

INFO = "info"
ERROR = "error"

SOURCE_KINDS = (
    "Bucket",
    "GitRepository",
    "Kustomization",
    "HelmRelease",
    "HelmChart",
    "HelmRepository",
    "ImageRepository",
    "ImagePolicy",
    "ImageUpdateAutomation",
    "OCIRepository",
    "ArtifactGenerator",
    "ExternalArtifact",
)
_SPEC_FIELDS = (
    "providerRef",
    "eventSeverity",
    "eventSources",
    "inclusionList",
    "exclusionList",
    "eventMetadata",
    "summary",
    "suspend",
)
_SOURCE_FIELDS = ("kind", "name", "namespace", "matchLabels", "apiVersion")


def validate_spec(spec: Any, check: Checker, path: str = "spec") -> None:
    """Check an Alert spec like the CRD's OpenAPI schema does."""
    if spec is None:
        check.fail(path, "required field is missing")
        return
    obj = check.mapping(spec, path, allowed=_SPEC_FIELDS)
    if not obj:
        if isinstance(spec, dict):
            check.fail(f"{path}.providerRef", "required field is missing")
        return
    check.local_ref(obj, "providerRef", path, required=True)
    check.string(obj, "eventSeverity", path, enum=(INFO, ERROR))
    sources = obj.get("eventSources")
    if sources is None:
        check.fail(f"{path}.eventSources", "required field is missing")
    elif not isinstance(sources, list):
        check.fail(f"{path}.eventSources", "must be an array")
    else:
        for i, entry in enumerate(sources):
            where = f"{path}.eventSources[{i}]"
            item = check.mapping(entry, where, allowed=_SOURCE_FIELDS)
            if not item and not isinstance(entry, dict):
                continue
            check.string(item, "kind", where, required=True, enum=SOURCE_KINDS)
            check.string(item, "name", where, required=True, max_length=253)
            check.string(item, "namespace", where, max_length=253)
            check.string(item, "apiVersion", where)
            check.labels(item.get("matchLabels"), f"{where}.matchLabels")
    check.string_list(obj, "inclusionList", path)
    check.string_list(obj, "exclusionList", path)
    check.string_map(obj, "eventMetadata", path)
    check.string(obj, "summary", path, max_length=255)
    check.boolean(obj, "suspend", path)


@dataclass(frozen=True)
class EventSource:
    """One ``eventSources`` entry (``name`` may be ``*``; ``namespace`` None: the Alert's)."""

    kind: str
    name: str
    namespace: str | None = None
    match_labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertSpec:
    """A validated Alert spec, typed (``from_dict`` of what :func:`validate_spec` accepted)."""

    provider_name: str
    event_severity: str = INFO
    event_sources: tuple[EventSource, ...] = ()
    inclusion_list: tuple[str, ...] = ()
    exclusion_list: tuple[str, ...] = ()
    event_metadata: Mapping[str, str] = field(default_factory=dict)
    summary: str | None = None
    suspend: bool = False

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> AlertSpec:
        return cls(
            provider_name=str((spec.get("providerRef") or {}).get("name", "")),
            event_severity=str(spec.get("eventSeverity") or INFO),
            event_sources=tuple(
                EventSource(
                    kind=str(entry.get("kind", "")),
                    name=str(entry.get("name", "")),
                    namespace=entry.get("namespace") or None,
                    match_labels=dict(entry.get("matchLabels") or {}),
                )
                for entry in spec.get("eventSources") or ()
            ),
            inclusion_list=tuple(spec.get("inclusionList") or ()),
            exclusion_list=tuple(spec.get("exclusionList") or ()),
            event_metadata=dict(spec.get("eventMetadata") or {}),
            summary=str(spec["summary"]) if spec.get("summary") else None,
            suspend=bool(spec.get("suspend")),
        )

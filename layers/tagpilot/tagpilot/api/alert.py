"""Alert (``notification.toolkit.fluxcd.io/v1beta3``, v1beta2 read alike): schema checks.

Matching lives in :mod:`tagpilot.notify.alert`.
"""

from __future__ import annotations

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

"""ImageRepository (``image.toolkit.fluxcd.io/v1beta2`` and ``/v1``): schema and typed view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tagpilot.api.selector import AccessFrom
from tagpilot.api.validation import DNS1123_SUBDOMAIN, Checker
from tagpilot.golang import regexp
from tagpilot.golang.duration import parse_duration
from tagpilot.registry.errors import ImageURLInvalidError
from tagpilot.registry.names import parse_image_reference

KIND = "ImageRepository"
DEFAULT_EXCLUSION_LIST = ("^.*\\.sig$",)
SUPPORTED_PROVIDERS = ("generic", "aws")
ALL_PROVIDERS = ("generic", "aws", "azure", "gcp")
SPEC_FIELDS = (
    "image",
    "interval",
    "timeout",
    "secretRef",
    "proxySecretRef",
    "serviceAccountName",
    "certSecretRef",
    "suspend",
    "accessFrom",
    "exclusionList",
    "provider",
    "insecure",
)


def validate_spec(spec: Any, check: Checker, path: str = "spec") -> None:
    """Check every field of the spec against Flux's CRD, plus what tagpilot can honour."""
    spec = check.mapping(spec, path, allowed=SPEC_FIELDS)
    image = check.string(spec, "image", path, required=True)
    if image:
        try:
            parse_image_reference(image)
        except ImageURLInvalidError as exc:
            check.fail(f"{path}.image", str(exc))
    check.duration(spec, "interval", path, required=True)
    check.duration(spec, "timeout", path, allow_hours=False)
    check.local_ref(spec, "secretRef", path)
    check.local_ref(spec, "proxySecretRef", path)
    check.local_ref(spec, "certSecretRef", path)
    if check.string(spec, "serviceAccountName", path, max_length=253):
        check.fail(
            f"{path}.serviceAccountName",
            "not supported by tagpilot (there are no Kubernetes service accounts): "
            "use secretRef, or provider: aws for ECR",
        )
    check.boolean(spec, "suspend", path)
    check.boolean(spec, "insecure", path)
    provider = check.string(spec, "provider", path, enum=ALL_PROVIDERS)
    if provider and provider not in SUPPORTED_PROVIDERS:
        check.fail(
            f"{path}.provider",
            f"provider {provider!r} is not supported by tagpilot (supported: generic, aws)",
        )
    patterns = check.string_list(spec, "exclusionList", path, max_items=25) or []
    for i, pattern in enumerate(patterns):
        try:
            regexp.compile(pattern)
        except regexp.RegexpSyntaxError as exc:
            check.fail(f"{path}.exclusionList[{i}]", f"invalid regular expression: {exc}")
    validate_access_from(spec.get("accessFrom"), check, f"{path}.accessFrom")


def validate_access_from(value: Any, check: Checker, path: str) -> None:
    access = check.mapping(value, path, allowed=("namespaceSelectors",))
    if value is None:
        return
    selectors = access.get("namespaceSelectors")
    if not isinstance(selectors, list):
        check.fail(f"{path}.namespaceSelectors", "required field must be an array")
        return
    for i, sel in enumerate(selectors):
        where = f"{path}.namespaceSelectors[{i}]"
        sel_map = check.mapping(sel, where, allowed=("matchLabels",))
        check.labels(sel_map.get("matchLabels"), f"{where}.matchLabels")


@dataclass(frozen=True)
class ImageRepositorySpec:
    """A validated ImageRepository spec with Flux's defaults applied."""

    image: str
    interval: float
    timeout: float
    secret_ref: str | None
    proxy_secret_ref: str | None
    cert_secret_ref: str | None
    suspend: bool
    exclusion_list: tuple[str, ...]
    provider: str
    insecure: bool
    access_from: AccessFrom | None

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> ImageRepositorySpec:
        interval = parse_duration(spec["interval"])
        timeout = (
            parse_duration(spec["timeout"], allow_hours=False) if spec.get("timeout") else interval
        )
        return cls(
            image=spec["image"],
            interval=interval,
            timeout=max(timeout, 1.0),
            secret_ref=(spec.get("secretRef") or {}).get("name"),
            proxy_secret_ref=(spec.get("proxySecretRef") or {}).get("name"),
            cert_secret_ref=(spec.get("certSecretRef") or {}).get("name"),
            suspend=bool(spec.get("suspend")),
            exclusion_list=tuple(spec.get("exclusionList") or DEFAULT_EXCLUSION_LIST),
            provider=spec.get("provider") or "generic",
            insecure=bool(spec.get("insecure")),
            access_from=AccessFrom.from_spec(spec),
        )


__all__ = ["DNS1123_SUBDOMAIN", "ImageRepositorySpec", "validate_spec"]

"""OCIRepository (``source.toolkit.fluxcd.io/v1beta2`` and ``/v1``): schema and typed view.

Every field of source-controller's CRD is checked at apply/validate time (reference §1.3), plus
what tagpilot cannot honour: ``provider`` azure/gcp, ``serviceAccountName``, ``verify.provider:
notation`` and ``verify.trustedRootSecretRef`` are refused with a message saying why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tagpilot.api.validation import Checker
from tagpilot.golang import regexp
from tagpilot.golang.duration import parse_duration
from tagpilot.policy.errors import InvalidPolicyError
from tagpilot.policy.semver_range import parse_range
from tagpilot.registry.errors import ImageURLInvalidError
from tagpilot.registry.oci_url import parse_oci_url

KIND = "OCIRepository"
OCI_SCHEME = "oci://"
DEFAULT_TIMEOUT = 60.0
ALL_PROVIDERS = ("generic", "aws", "azure", "gcp")
SUPPORTED_PROVIDERS = ("generic", "aws")
OPERATIONS = ("extract", "copy")
SPEC_FIELDS = (
    "url",
    "ref",
    "layerSelector",
    "provider",
    "secretRef",
    "serviceAccountName",
    "certSecretRef",
    "proxySecretRef",
    "verify",
    "interval",
    "timeout",
    "ignore",
    "insecure",
    "suspend",
)
REF_FIELDS = ("tag", "semver", "semverFilter", "digest")
DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")


def validate_spec(spec: Any, check: Checker, path: str = "spec") -> None:
    """Check every field of the spec against Flux's CRD, plus what tagpilot can honour."""
    spec = check.mapping(spec, path, allowed=SPEC_FIELDS)
    url = check.string(spec, "url", path, required=True)
    if url:
        try:
            parse_oci_url(url)
        except ImageURLInvalidError as exc:
            check.fail(f"{path}.url", str(exc))
    _validate_ref(spec.get("ref"), check, f"{path}.ref")
    selector = check.mapping(
        spec.get("layerSelector"), f"{path}.layerSelector", allowed=("mediaType", "operation")
    )
    check.string(selector, "mediaType", f"{path}.layerSelector")
    check.string(selector, "operation", f"{path}.layerSelector", enum=OPERATIONS)
    provider = check.string(spec, "provider", path, enum=ALL_PROVIDERS)
    if provider and provider not in SUPPORTED_PROVIDERS:
        check.fail(
            f"{path}.provider",
            f"provider {provider!r} is not supported by tagpilot (supported: generic, aws)",
        )
    for ref in ("secretRef", "certSecretRef", "proxySecretRef"):
        check.local_ref(spec, ref, path)
    if check.string(spec, "serviceAccountName", path, max_length=253):
        check.fail(
            f"{path}.serviceAccountName",
            "not supported by tagpilot (there are no Kubernetes service accounts): "
            "use secretRef, or provider: aws for ECR",
        )
    _validate_verify(spec.get("verify"), check, f"{path}.verify")
    check.duration(spec, "interval", path, required=True)
    check.duration(spec, "timeout", path, allow_hours=False)
    if spec.get("ignore") is not None:
        check.string(spec, "ignore", path)
    check.boolean(spec, "insecure", path)
    check.boolean(spec, "suspend", path)


def _validate_ref(value: Any, check: Checker, path: str) -> None:
    ref = check.mapping(value, path, allowed=REF_FIELDS)
    check.string(ref, "tag", path)
    semver = check.string(ref, "semver", path)
    if semver is not None:
        try:
            parse_range(semver)
        except InvalidPolicyError as exc:
            check.fail(f"{path}.semver", f"semver '{semver}' parse error: {exc}")
    pattern = check.string(ref, "semverFilter", path)
    if pattern:
        try:
            regexp.compile(pattern)
        except regexp.RegexpSyntaxError as exc:
            check.fail(f"{path}.semverFilter", f"invalid regular expression: {exc}")
    check.string(ref, "digest", path, pattern=DIGEST)


def _validate_verify(value: Any, check: Checker, path: str) -> None:
    allowed = ("provider", "secretRef", "matchOIDCIdentity", "trustedRootSecretRef")
    if value is None:
        return
    verify = check.mapping(value, path, allowed=allowed)
    provider = check.string(verify, "provider", path, required=True, enum=("cosign", "notation"))
    if provider == "notation":
        check.fail(f"{path}.provider", "provider 'notation' is not supported by tagpilot")
    check.local_ref(verify, "secretRef", path)
    check.local_ref(verify, "trustedRootSecretRef", path)
    identities = verify.get("matchOIDCIdentity")
    if identities is not None and not isinstance(identities, list):
        check.fail(f"{path}.matchOIDCIdentity", "must be an array")
        identities = []
    for i, item in enumerate(identities or []):
        where = f"{path}.matchOIDCIdentity[{i}]"
        entry = check.mapping(item, where, allowed=("issuer", "subject"))
        for key in ("issuer", "subject"):
            if key not in entry:
                check.fail(f"{where}.{key}", "required field is missing")
                continue
            text = check.string(entry, key, where)
            if text:
                try:
                    regexp.compile(text)
                except regexp.RegexpSyntaxError as exc:
                    check.fail(f"{where}.{key}", f"invalid regular expression: {exc}")


@dataclass(frozen=True)
class OCIVerifySpec:
    """``spec.verify``, typed: the provider, the Secret of ``*.pub`` keys (None: keyless), the
    Secret holding a ``trusted_root.json`` and the ``matchOIDCIdentity`` (issuer, subject)
    regexp pairs."""

    provider: str
    secret_ref: str | None
    trusted_root_secret_ref: str | None
    match_oidc_identity: tuple[tuple[str, str], ...]

    @classmethod
    def from_dict(cls, verify: dict[str, Any]) -> OCIVerifySpec:
        return cls(
            provider=verify.get("provider") or "cosign",
            secret_ref=(verify.get("secretRef") or {}).get("name") or None,
            trusted_root_secret_ref=(verify.get("trustedRootSecretRef") or {}).get("name") or None,
            match_oidc_identity=tuple(
                (str(i.get("issuer") or ""), str(i.get("subject") or ""))
                for i in verify.get("matchOIDCIdentity") or []
            ),
        )


@dataclass(frozen=True)
class OCIRepositorySpec:
    """A validated OCIRepository spec with Flux's defaults applied.

    ``ignore`` and ``layer_selector`` keep ``None`` apart from empty values: Flux compares them
    nil-aware with ``status.observedIgnore`` / ``observedLayerSelector``.
    """

    url: str
    tag: str | None
    semver: str | None
    semver_filter: str | None
    digest: str | None
    layer_selector: dict[str, str] | None
    provider: str
    secret_ref: str | None
    cert_secret_ref: str | None
    proxy_secret_ref: str | None
    verify: OCIVerifySpec | None
    interval: float
    timeout: float
    ignore: str | None
    insecure: bool
    suspend: bool

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> OCIRepositorySpec:
        ref = spec.get("ref") or {}
        timeout = spec.get("timeout")
        selector = spec.get("layerSelector")
        return cls(
            url=spec["url"],
            tag=ref.get("tag") or None,
            semver=ref.get("semver") or None,
            semver_filter=ref.get("semverFilter") or None,
            digest=ref.get("digest") or None,
            layer_selector=None if selector is None else dict(selector),
            provider=spec.get("provider") or "generic",
            secret_ref=(spec.get("secretRef") or {}).get("name"),
            cert_secret_ref=(spec.get("certSecretRef") or {}).get("name"),
            proxy_secret_ref=(spec.get("proxySecretRef") or {}).get("name"),
            verify=OCIVerifySpec.from_dict(spec["verify"]) if spec.get("verify") else None,
            interval=parse_duration(spec["interval"]),
            timeout=parse_duration(timeout, allow_hours=False) if timeout else DEFAULT_TIMEOUT,
            ignore=spec.get("ignore"),
            insecure=bool(spec.get("insecure")),
            suspend=bool(spec.get("suspend")),
        )

    @property
    def media_type(self) -> str | None:
        return (self.layer_selector or {}).get("mediaType") or None

    @property
    def operation(self) -> str:
        return (self.layer_selector or {}).get("operation") or "extract"

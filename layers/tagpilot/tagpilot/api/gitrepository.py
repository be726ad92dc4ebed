"""GitRepository (``source.toolkit.fluxcd.io/v1`` and ``/v1beta2``): the fields tagpilot uses.

tagpilot only reads what an image automation needs (URL, credentials, default ref, timeout).
Fields that would change what is checked out in ways tagpilot does not implement are refused
rather than silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tagpilot.api.validation import Checker
from tagpilot.golang.duration import parse_duration

URL_PATTERN = re.compile(r"^(http|https|ssh)://.*$")
# The user-info part of a URL, with or without a scheme (``scheme://userinfo@host``).
_USERINFO = re.compile(r"^(?:([A-Za-z][A-Za-z0-9+.-]*)://)?([^/@?#]*)@")
SPEC_FIELDS = (
    "url",
    "secretRef",
    "provider",
    "interval",
    "timeout",
    "ref",
    "verify",
    "proxySecretRef",
    "ignore",
    "suspend",
    "recurseSubmodules",
    "include",
    "sparseCheckout",
    "serviceAccountName",
    "gitImplementation",
)
REF_FIELDS = ("branch", "tag", "semver", "name", "commit")
#: Flux's default Git operation timeout.
DEFAULT_TIMEOUT = 60.0
UNSUPPORTED = ("verify", "proxySecretRef", "include", "sparseCheckout", "serviceAccountName")


def _has_credentials(url: str) -> bool:
    """A password anywhere, or any user name over HTTP(S) (tokens are sent as user names).

    ``ssh://git@host/...`` and ``git@host:path`` name an SSH user and are not credentials.
    """
    m = _USERINFO.match(url.strip())
    if m is None:
        return False
    scheme, userinfo = (m.group(1) or "").lower(), m.group(2)
    return ":" in userinfo or (scheme in ("http", "https") and userinfo != "")


def validate_ref(value: Any, check: Checker, path: str) -> None:
    ref = check.mapping(value, path, allowed=REF_FIELDS)
    for key in REF_FIELDS:
        check.string(ref, key, path)


def validate_spec(spec: Any, check: Checker, path: str = "spec") -> None:
    spec = check.mapping(spec, path, allowed=SPEC_FIELDS)
    url = spec.get("url")
    if isinstance(url, str) and _has_credentials(url):
        # Refused without echoing the URL: it is never stored, logged or printed.
        check.fail(
            f"{path}.url",
            "must not contain credentials (user:password@ or a token before @): put them in a "
            "Secret and reference it with spec.secretRef",
        )
    else:
        check.string(spec, "url", path, required=True, pattern=URL_PATTERN)
    check.local_ref(spec, "secretRef", path)
    provider = check.string(spec, "provider", path, enum=("generic", "azure", "github"))
    if provider and provider != "generic":
        check.fail(
            f"{path}.provider",
            f"provider {provider!r} is not supported by tagpilot (use generic with a secretRef)",
        )
    check.duration(spec, "interval", path, required=True)
    check.duration(spec, "timeout", path, allow_hours=False)
    validate_ref(spec.get("ref"), check, f"{path}.ref")
    check.boolean(spec, "suspend", path)
    if check.boolean(spec, "recurseSubmodules", path):
        check.fail(f"{path}.recurseSubmodules", "not supported by tagpilot")
    check.string(spec, "ignore", path)
    for key in UNSUPPORTED:
        if spec.get(key) is not None:
            check.fail(f"{path}.{key}", "not supported by tagpilot")


@dataclass(frozen=True)
class GitRepositorySpec:
    """A validated GitRepository spec, typed, with Flux's defaults (timeout 60 s)."""

    url: str
    secret_ref: str | None
    timeout: float
    ref: dict[str, str] | None
    suspend: bool

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> GitRepositorySpec:
        timeout = spec.get("timeout")
        return cls(
            url=spec["url"],
            secret_ref=(spec.get("secretRef") or {}).get("name"),
            timeout=parse_duration(timeout, allow_hours=False) if timeout else DEFAULT_TIMEOUT,
            ref=spec.get("ref") or None,
            suspend=bool(spec.get("suspend")),
        )

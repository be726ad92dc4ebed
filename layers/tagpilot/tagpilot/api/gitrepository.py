"""GitRepository (``source.toolkit.fluxcd.io/v1`` and ``/v1beta2``): the fields tagpilot uses.

tagpilot only reads what an image automation needs (URL, credentials, default ref, timeout).
Fields that would change what is checked out in ways tagpilot does not implement are refused
rather than silently ignored.
"""

from __future__ import annotations

import re
from typing import Any

from tagpilot.api.validation import Checker

URL_PATTERN = re.compile(r"^(http|https|ssh)://.*$")
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
UNSUPPORTED = ("verify", "proxySecretRef", "include", "sparseCheckout", "serviceAccountName")


def validate_ref(value: Any, check: Checker, path: str) -> None:
    ref = check.mapping(value, path, allowed=REF_FIELDS)
    for key in REF_FIELDS:
        check.string(ref, key, path)


def validate_spec(spec: Any, check: Checker, path: str = "spec") -> None:
    spec = check.mapping(spec, path, allowed=SPEC_FIELDS)
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

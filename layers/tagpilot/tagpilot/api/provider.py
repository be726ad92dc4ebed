"""Provider (``notification.toolkit.fluxcd.io/v1beta3``, v1beta2 read alike): schema checks.

Unsupported types are refused at apply, naming the supported ones; the requests each type sends
live in :mod:`tagpilot.notify.providers`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tagpilot.api.validation import Checker
from tagpilot.golang.duration import DurationError, parse_duration

#: Every type tagpilot sends (Flux's, then tagpilot's extensions ``eventbridge`` and ``sns``).
SUPPORTED_TYPES = (
    "generic",
    "generic-hmac",
    "slack",
    "msteams",
    "discord",
    "googlechat",
    "rocket",
    "webex",
    "telegram",
    "matrix",
    "alertmanager",
    "grafana",
    "opsgenie",
    "pagerduty",
    "github",
    "gitlab",
    "gitea",
    "bitbucket",
    "eventbridge",
    "sns",
)
COMMIT_STATUS_TYPES = ("github", "gitlab", "gitea", "bitbucket")
DEFAULT_TIMEOUT = 15.0
MAX_ADDRESS = 2048
TIMEOUT_PATTERN = re.compile(r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$")
PROXY_PATTERN = re.compile(r"^(http|https)://.*$")
_SPEC_FIELDS = (
    "type",
    "address",
    "channel",
    "username",
    "secretRef",
    "certSecretRef",
    "proxySecretRef",
    "proxy",
    "timeout",
    "suspend",
    "commitStatusExpr",
    "serviceAccountName",
    "interval",
)


def validate_spec(spec: Any, check: Checker, path: str = "spec") -> None:
    """Check a Provider spec like the CRD does, plus tagpilot's supported-type rule."""
    if spec is None:
        check.fail(path, "required field is missing")
        return
    obj = check.mapping(spec, path, allowed=_SPEC_FIELDS)
    if not obj:
        if isinstance(spec, dict):
            check.fail(f"{path}.type", "required field is missing")
        return
    kind = check.string(obj, "type", path, required=True)
    if kind is not None and kind not in SUPPORTED_TYPES:
        check.fail(
            f"{path}.type",
            f"provider {kind} not supported: tagpilot supports {', '.join(SUPPORTED_TYPES)}",
        )
    for key in ("address", "channel", "username"):
        check.string(obj, key, path, max_length=MAX_ADDRESS)
    check.string(obj, "proxy", path, max_length=MAX_ADDRESS, pattern=PROXY_PATTERN)
    check.string(obj, "timeout", path, pattern=TIMEOUT_PATTERN)
    check.duration(obj, "interval", path)
    for ref in ("secretRef", "certSecretRef", "proxySecretRef"):
        check.local_ref(obj, ref, path)
    check.boolean(obj, "suspend", path)
    check.string(obj, "serviceAccountName", path)
    expr = check.string(obj, "commitStatusExpr", path)
    if expr is not None:
        if kind not in COMMIT_STATUS_TYPES and kind not in ("bitbucketserver", "azuredevops"):
            check.fail(
                f"{path}.commitStatusExpr",
                "spec.commitStatusExpr is only supported for the 'github', 'gitlab', 'gitea', "
                "'bitbucketserver', 'bitbucket', 'azuredevops' provider types",
            )
        else:
            check.fail(
                f"{path}.commitStatusExpr",
                "CEL expressions are not supported by tagpilot; the status id is "
                "<kind>/<name>/<provider uid prefix> as Flux's default",
            )
    if obj.get("serviceAccountName"):
        check.fail(
            f"{path}.serviceAccountName",
            "workload identity is not supported by tagpilot (no Kubernetes service accounts)",
        )


@dataclass(frozen=True)
class ProviderSpec:
    """A validated Provider spec, typed (``from_dict`` of what :func:`validate_spec` accepted;
    Secret references by name, ``timeout`` in seconds with NC's default)."""

    type: str
    address: str = ""
    channel: str = ""
    username: str = ""
    proxy: str = ""
    secret_name: str | None = None
    cert_secret_name: str | None = None
    proxy_secret_name: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    suspend: bool = False

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> ProviderSpec:
        return cls(
            type=str(spec.get("type", "")),
            address=str(spec.get("address") or ""),
            channel=str(spec.get("channel") or ""),
            username=str(spec.get("username") or ""),
            proxy=str(spec.get("proxy") or ""),
            secret_name=(spec.get("secretRef") or {}).get("name") or None,
            cert_secret_name=(spec.get("certSecretRef") or {}).get("name") or None,
            proxy_secret_name=(spec.get("proxySecretRef") or {}).get("name") or None,
            timeout=_timeout(spec.get("timeout")),
            suspend=bool(spec.get("suspend")),
        )


def _timeout(text: object) -> float:
    if not text:
        return DEFAULT_TIMEOUT
    try:
        return parse_duration(str(text), allow_hours=False)
    except DurationError:
        return DEFAULT_TIMEOUT

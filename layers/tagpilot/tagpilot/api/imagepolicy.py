"""ImagePolicy (``image.toolkit.fluxcd.io/v1beta2`` and ``/v1``): schema checks.

The policy choice, the semver range and the ``filterTags`` pattern are compiled by the policy
engine itself, so ``validate``/``apply`` report exactly the error the reconciler would stall on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tagpilot.api.validation import DNS1123_LABEL, DNS1123_SUBDOMAIN, Checker
from tagpilot.golang.duration import parse_duration
from tagpilot.policy.errors import InvalidPolicyError
from tagpilot.policy.factory import build_policer
from tagpilot.policy.filter import build_filter

SPEC_FIELDS = (
    "imageRepositoryRef",
    "policy",
    "filterTags",
    "digestReflectionPolicy",
    "interval",
    "suspend",
)
DIGEST_POLICIES = ("Always", "IfNotPresent", "Never")
ORDERS = ("asc", "desc")


def validate_spec(spec: Any, check: Checker, path: str = "spec") -> None:
    spec = check.mapping(spec, path, allowed=SPEC_FIELDS)
    ref = check.mapping(
        spec.get("imageRepositoryRef"), f"{path}.imageRepositoryRef", allowed=("name", "namespace")
    )
    if spec.get("imageRepositoryRef") is None:
        check.fail(f"{path}.imageRepositoryRef", "required field is missing")
    else:
        check.string(
            ref, "name", f"{path}.imageRepositoryRef", required=True, pattern=DNS1123_SUBDOMAIN
        )
        check.string(ref, "namespace", f"{path}.imageRepositoryRef", pattern=DNS1123_LABEL)
    policy = check.mapping(
        spec.get("policy"), f"{path}.policy", allowed=("semver", "alphabetical", "numerical")
    )
    if spec.get("policy") is None:
        check.fail(f"{path}.policy", "required field is missing")
    errors_before = len(check.errors)
    if "semver" in policy:
        semver = check.mapping(policy["semver"], f"{path}.policy.semver", allowed=("range",))
        check.string(semver, "range", f"{path}.policy.semver", required=True)
    for choice in ("alphabetical", "numerical"):
        if choice in policy:
            sub = check.mapping(policy[choice], f"{path}.policy.{choice}", allowed=("order",))
            check.string(sub, "order", f"{path}.policy.{choice}", enum=ORDERS)
    if spec.get("policy") is not None and len(check.errors) == errors_before:
        try:
            build_policer(policy)
        except InvalidPolicyError as exc:
            check.fail(f"{path}.policy", exc.condition_message)
    tags = check.mapping(
        spec.get("filterTags"), f"{path}.filterTags", allowed=("pattern", "extract")
    )
    pattern = check.string(tags, "pattern", f"{path}.filterTags")
    check.string(tags, "extract", f"{path}.filterTags")
    if pattern is not None:
        try:
            build_filter(tags)
        except InvalidPolicyError as exc:
            check.fail(f"{path}.filterTags.pattern", exc.condition_message)
    digest = check.string(spec, "digestReflectionPolicy", path, enum=DIGEST_POLICIES)
    interval = check.duration(spec, "interval", path)
    if digest == "Always" and spec.get("interval") is None:
        check.fail(
            f"{path}.interval",
            "spec.interval must be set when spec.digestReflectionPolicy is 'Always'",
        )
    if spec.get("interval") is not None and digest != "Always" and interval is not None:
        check.fail(
            f"{path}.interval",
            "spec.interval is only accepted when spec.digestReflectionPolicy is 'Always'",
        )
    check.boolean(spec, "suspend", path)


@dataclass(frozen=True)
class ImagePolicySpec:
    """A validated ImagePolicy spec, typed. ``policy`` and ``filter_tags`` stay mappings: the
    policy engine compiles them (:func:`~tagpilot.policy.factory.build_policer`)."""

    repository_name: str
    repository_namespace: str | None
    policy: dict[str, Any] | None
    filter_tags: dict[str, Any] | None
    digest_reflection_policy: str
    interval: float | None
    suspend: bool

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> ImagePolicySpec:
        ref = spec.get("imageRepositoryRef") or {}
        interval = spec.get("interval")
        return cls(
            repository_name=ref.get("name", ""),
            repository_namespace=ref.get("namespace") or None,
            policy=spec.get("policy"),
            filter_tags=spec.get("filterTags"),
            digest_reflection_policy=spec.get("digestReflectionPolicy") or "Never",
            interval=parse_duration(interval) if interval else None,
            suspend=bool(spec.get("suspend")),
        )

"""ImageUpdateAutomation (``image.toolkit.fluxcd.io/v1beta2`` and ``/v1``): schema checks.

Templates are not refused here: as in Flux, a broken template or a removed template field shows
as a condition on the object (``GitOperationFailed`` or Stalled ``RemovedTemplateField``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tagpilot.api.gitrepository import validate_ref
from tagpilot.api.selector import LabelSelector
from tagpilot.api.validation import DNS1123_LABEL, DNS1123_SUBDOMAIN, Checker
from tagpilot.golang.duration import parse_duration

SPEC_FIELDS = ("sourceRef", "git", "interval", "policySelector", "update", "suspend")


def validate_spec(spec: Any, check: Checker, path: str = "spec") -> None:
    spec = check.mapping(spec, path, allowed=SPEC_FIELDS)
    if spec.get("sourceRef") is None:
        check.fail(f"{path}.sourceRef", "required field is missing")
    source = check.mapping(
        spec.get("sourceRef"),
        f"{path}.sourceRef",
        allowed=("apiVersion", "kind", "name", "namespace"),
    )
    check.string(source, "kind", f"{path}.sourceRef", enum=("GitRepository",))
    check.string(
        source,
        "name",
        f"{path}.sourceRef",
        required=spec.get("sourceRef") is not None,
        pattern=DNS1123_SUBDOMAIN,
    )
    check.string(source, "namespace", f"{path}.sourceRef", pattern=DNS1123_LABEL)
    check.string(source, "apiVersion", f"{path}.sourceRef")
    check.duration(spec, "interval", path, required=True)
    check.boolean(spec, "suspend", path)
    _validate_git(spec.get("git"), check, f"{path}.git")
    _validate_selector(spec.get("policySelector"), check, f"{path}.policySelector")
    update = check.mapping(spec.get("update"), f"{path}.update", allowed=("path", "strategy"))
    check.string(update, "path", f"{path}.update")
    check.string(update, "strategy", f"{path}.update", enum=("Setters",))


def _validate_git(value: Any, check: Checker, path: str) -> None:
    git = check.mapping(value, path, allowed=("checkout", "commit", "push"))
    if value is None:
        check.fail(path, "required field is missing")
        return
    checkout = check.mapping(git.get("checkout"), f"{path}.checkout", allowed=("ref",))
    if git.get("checkout") is not None:
        validate_ref(checkout.get("ref"), check, f"{path}.checkout.ref")
    if git.get("commit") is None:
        check.fail(f"{path}.commit", "required field is missing")
    commit = check.mapping(
        git.get("commit"),
        f"{path}.commit",
        allowed=("author", "signingKey", "messageTemplate", "messageTemplateValues"),
    )
    author = check.mapping(commit.get("author"), f"{path}.commit.author", allowed=("name", "email"))
    if git.get("commit") is not None:
        check.string(author, "email", f"{path}.commit.author", required=True)
    check.string(author, "name", f"{path}.commit.author")
    signing = check.mapping(
        commit.get("signingKey"), f"{path}.commit.signingKey", allowed=("secretRef", "type")
    )
    if commit.get("signingKey") is not None:
        check.local_ref(signing, "secretRef", f"{path}.commit.signingKey", required=True)
        kind = check.string(signing, "type", f"{path}.commit.signingKey", enum=("gpg", "ssh"))
        if kind == "ssh":
            check.fail(
                f"{path}.commit.signingKey.type",
                "SSH commit signing is not supported by tagpilot yet (use gpg)",
            )
    check.string(commit, "messageTemplate", f"{path}.commit")
    check.string_map(commit, "messageTemplateValues", f"{path}.commit")
    push = check.mapping(git.get("push"), f"{path}.push", allowed=("branch", "refspec", "options"))
    check.string(push, "branch", f"{path}.push")
    check.string(push, "refspec", f"{path}.push")
    check.string_map(push, "options", f"{path}.push")


def _validate_selector(value: Any, check: Checker, path: str) -> None:
    selector = check.mapping(value, path, allowed=("matchLabels", "matchExpressions"))
    check.labels(selector.get("matchLabels"), f"{path}.matchLabels")
    exprs = selector.get("matchExpressions")
    if exprs is None:
        return
    if not isinstance(exprs, list):
        check.fail(f"{path}.matchExpressions", "must be an array")
        return
    for i, expr in enumerate(exprs):
        where = f"{path}.matchExpressions[{i}]"
        item = check.mapping(expr, where, allowed=("key", "operator", "values"))
        check.string(item, "key", where, required=True)
        op = check.string(
            item, "operator", where, required=True, enum=("In", "NotIn", "Exists", "DoesNotExist")
        )
        values = check.string_list(item, "values", where) or []
        if op in ("In", "NotIn") and not values:
            check.fail(f"{where}.values", f"must be non-empty for operator {op}")
        if op in ("Exists", "DoesNotExist") and values:
            check.fail(f"{where}.values", f"must be empty for operator {op}")


@dataclass(frozen=True)
class ImageUpdateAutomationSpec:
    """A validated ImageUpdateAutomation spec, typed (``from_dict`` of what :func:`validate_spec`
    accepted; absent optional fields are ``None`` or Flux's defaults)."""

    source_kind: str
    source_name: str
    source_namespace: str | None
    interval: float
    checkout_ref: dict[str, str] | None
    author_name: str
    author_email: str
    signing_key_secret: str | None
    message_template: str | None
    message_template_values: dict[str, str] | None
    push_branch: str | None
    push_refspec: str | None
    push_options: dict[str, str] | None
    policy_selector: LabelSelector | None
    update_path: str
    update_strategy: str | None  # None: no ``update`` (v1beta2 then has no strategy)
    suspend: bool

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> ImageUpdateAutomationSpec:
        source = spec.get("sourceRef") or {}
        git = spec.get("git") or {}
        commit = git.get("commit") or {}
        author = commit.get("author") or {}
        push = git.get("push") or {}
        update = spec.get("update")
        return cls(
            source_kind=source.get("kind", "GitRepository"),
            source_name=source.get("name", ""),
            source_namespace=source.get("namespace") or None,
            interval=parse_duration(spec["interval"]),
            checkout_ref=(git.get("checkout") or {}).get("ref") or None,
            author_name=author.get("name", ""),
            author_email=author.get("email", ""),
            signing_key_secret=((commit.get("signingKey") or {}).get("secretRef") or {}).get("name")
            or None,
            message_template=commit.get("messageTemplate"),
            message_template_values=commit.get("messageTemplateValues"),
            push_branch=push.get("branch") or None,
            push_refspec=push.get("refspec") or None,
            push_options=push.get("options"),
            policy_selector=None
            if spec.get("policySelector") is None
            else LabelSelector.from_dict(spec["policySelector"]),
            update_path=(update or {}).get("path") or "",
            update_strategy=None if update is None else update.get("strategy", "Setters"),
            suspend=bool(spec.get("suspend")),
        )

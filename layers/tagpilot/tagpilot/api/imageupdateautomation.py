"""ImageUpdateAutomation (``image.toolkit.fluxcd.io/v1beta2`` and ``/v1``): schema checks.

Templates are not refused here: as in Flux, a broken template or a removed template field shows
as a condition on the object (``GitOperationFailed`` or Stalled ``RemovedTemplateField``).
"""

from __future__ import annotations

from typing import Any

from tagpilot.api.gitrepository import validate_ref
from tagpilot.api.validation import DNS1123_LABEL, DNS1123_SUBDOMAIN, Checker

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

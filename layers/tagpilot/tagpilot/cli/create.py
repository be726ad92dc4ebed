"""``tagpilot create image repository|policy|update``, ``create source git|oci``,
``create receiver``, ``create secret git|oci``: flux's flags and checks; ``--export`` prints the
manifest byte for byte as flux does, otherwise the object is applied and its reconciliation
awaited (``--timeout``)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from tagpilot.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    global_flags,
    guarded,
    namespace_of,
    open_app,
    timeout_of,
)
from tagpilot.cli.output import action, failure, generate, success, waiting


def _shared(interval_default: str | None = "1m0s") -> argparse.ArgumentParser:
    from tagpilot.cli.timefmt import go_duration_text

    p = argparse.ArgumentParser(add_help=False, parents=[global_flags()])
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("--export", action="store_true", help="export in YAML format to stdout")
    p.add_argument(
        "--interval",
        type=go_duration_text,
        default=interval_default,
        metavar="DURATION",
        help=f"source sync interval (default {interval_default or 'unset'})",
    )
    p.add_argument(
        "--label", action="append", metavar="KEY=VALUE", help="set labels on the resource"
    )
    return p


def _image_repository(p: argparse.ArgumentParser) -> None:
    from tagpilot.cli.timefmt import go_duration_text

    p.add_argument("--image", help="the image repository to scan; e.g., library/alpine")
    p.add_argument("--secret-ref", help="the name of a docker-registry secret")
    p.add_argument("--cert-ref", help="the name of a secret with TLS certificates")
    p.add_argument("--scan-timeout", type=go_duration_text, help="timeout for the scan")


def _image_policy(p: argparse.ArgumentParser) -> None:
    p.add_argument("--image-ref", help="the name of an image repository object")
    p.add_argument("--select-semver", help="a semver range to apply to tags; e.g., '1.x'")
    p.add_argument("--select-alpha", help="use alphabetical sorting: asc or desc")
    p.add_argument("--select-numeric", help="use numeric sorting: asc or desc")
    p.add_argument("--filter-regex", help="a regular expression pattern to filter the tags")
    p.add_argument("--filter-extract", help="replacement pattern, e.g. '$timestamp'")
    p.add_argument("--reflect-digest", help="digest reflection: Never, IfNotPresent or Always")


def _image_update(p: argparse.ArgumentParser) -> None:
    for flag, text in (
        ("--git-repo-ref", "the name of a GitRepository"),
        ("--git-repo-namespace", "the namespace of the GitRepository"),
        ("--git-repo-path", "path to the directory with the manifests to update"),
        ("--checkout-branch", "the branch to checkout"),
        ("--push-branch", "the branch to push commits to"),
        ("--author-name", "the name of the commit author"),
        ("--author-email", "the email of the commit author"),
        ("--commit-template", "a template for commit messages"),
        ("--signing-key-secret", "the name of a secret holding the commit signing key"),
        ("--signing-key-type", "the type of the signing key: gpg or ssh"),
    ):
        p.add_argument(flag, help=text)


def _source_git(p: argparse.ArgumentParser) -> None:
    from tagpilot.cli.timefmt import go_duration_text

    p.add_argument("--url", help="the Git repository address (ssh, http or https)")
    for flag in ("--branch", "--tag", "--tag-semver", "--ref-name", "--commit"):
        p.add_argument(flag)
    p.add_argument("-u", "--username", help="basic authentication username")
    p.add_argument("-p", "--password", help="basic authentication password")
    p.add_argument("--secret-ref", help="the name of an existing secret with credentials")
    p.add_argument("--proxy-secret-ref", help="the name of an existing secret with proxy settings")
    p.add_argument("--provider", default="generic", help="generic, github, aws or azure")
    p.add_argument("--ca-file", help="path to a TLS CA file for HTTPS")
    p.add_argument("--private-key-file", help="path to a passwordless private key file")
    p.add_argument("--ssh-key-algorithm", default="ecdsa", help="rsa, ecdsa or ed25519")
    p.add_argument("--ssh-rsa-bits", type=int, default=2048)
    p.add_argument("--ssh-ecdsa-curve", default="p384", help="p256, p384 or p521")
    p.add_argument("--recurse-submodules", action="store_true")
    p.add_argument("-s", "--silent", action="store_true", help="assume the deploy key is added")
    p.add_argument("--ignore-paths", action="append", help="paths to ignore (gitignore format)")
    p.add_argument("--sparse-checkout-paths", action="append")
    p.add_argument("--fetch-timeout", type=go_duration_text, help="timeout of Git operations")


def _receiver(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--type",
        help="generic, generic-hmac, github, gitlab, bitbucket, harbor, dockerhub, quay, gcr, "
        "nexus, acr or cdevents",
    )
    p.add_argument("--secret-ref", help="the name of the secret holding the token")
    p.add_argument("--event", action="append", help="events to accept (repeatable or a,b)")
    p.add_argument("--resource", action="append", help="Kind/name to reconcile (repeatable)")


def _secret_git(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help="git address, e.g. ssh://git@host/org/repository")
    p.add_argument("-u", "--username")
    p.add_argument("-p", "--password")
    p.add_argument("--bearer-token")
    p.add_argument("--ca-crt-file", help="path to a TLS CA certificate file")
    p.add_argument("--private-key-file")
    p.add_argument("--ssh-key-algorithm", default="ecdsa")
    p.add_argument("--ssh-rsa-bits", type=int, default=2048)
    p.add_argument("--ssh-ecdsa-curve", default="p384")


def _source_oci(p: argparse.ArgumentParser) -> None:
    from tagpilot.cli.create_oci import add_flags

    add_flags(p)


def _secret_oci(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help="the registry, e.g. ghcr.io")
    p.add_argument("-u", "--username")
    p.add_argument("-p", "--password")


def _alert(p: argparse.ArgumentParser) -> None:
    from tagpilot.cli.create_alerts import alert_flags

    alert_flags(p)


def _provider(p: argparse.ArgumentParser) -> None:
    from tagpilot.cli.create_alerts import provider_flags

    provider_flags(p)


#: (group word or None, kind word, builder name, flag adder, interval default, help); a builder
#: named ``module.function`` lives in ``tagpilot.cli.<module>``, others in ``create_specs``.
_LEAVES: tuple[tuple[str | None, str, str, Any, str | None, str], ...] = (
    ("image", "repository", "image_repository", _image_repository, "1m0s", "an ImageRepository"),
    ("image", "policy", "image_policy", _image_policy, None, "an ImagePolicy"),
    ("image", "update", "image_update", _image_update, "1m0s", "an ImageUpdateAutomation"),
    ("source", "git", "source_git", _source_git, "1m0s", "a GitRepository source"),
    ("source", "oci", "create_oci.source_oci", _source_oci, "1m0s", "an OCIRepository source"),
    (None, "receiver", "receiver", _receiver, None, "a Receiver"),
    ("secret", "git", "secret_git", _secret_git, None, "a Git authentication Secret"),
    ("secret", "oci", "secret_oci", _secret_oci, None, "an OCI registry Secret"),
    (None, "alert", "create_alerts.alert", _alert, None, "an Alert"),
    (None, "alert-provider", "create_alerts.alert_provider", _provider, None, "a Provider"),
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "create",
        help="create or update objects from flags, or print them with --export",
        description="Like flux create. Example: tagpilot create image repository podinfo "
        "--image=ghcr.io/stefanprodan/podinfo --interval=5m --export",
    )
    sub = p.add_subparsers(dest="kind_word", metavar="KIND", required=True)
    groups: dict[str, Any] = {}
    for group, word, builder, add_flags, interval, text in _LEAVES:
        if group is None:
            target = sub
        else:
            if group not in groups:
                gp = sub.add_parser(group, help=f"create {group} objects")
                groups[group] = gp.add_subparsers(dest="kind_word2", metavar="KIND", required=True)
            target = groups[group]
        leaf = target.add_parser(word, help=f"create {text}", parents=[_shared(interval)])
        add_flags(leaf)
        leaf.set_defaults(func=run, builder=builder)


def _apply_secret(app: Any, manifest: dict[str, Any]) -> None:
    meta = manifest["metadata"]
    data = dict(manifest["stringData"])
    stype = manifest.get("type", "Opaque")
    app.secrets.put(meta["namespace"], meta["name"], stype, data)
    word = "oci" if stype == "kubernetes.io/dockerconfigjson" else "git"
    action(f"{word} secret '{meta['name']}' created in '{meta['namespace']}' namespace")


def _apply_object(app: Any, manifest: dict[str, Any], deadline: float) -> int:
    from tagpilot.api.loader import validate_document
    from tagpilot.cli.kinds import BY_KIND
    from tagpilot.cli.reconcile import new_token, outcome, wait_handled
    from tagpilot.reconcile.apply import apply_documents

    kind = manifest["kind"]
    meta = manifest["metadata"]
    label = "GitRepository source" if kind == "GitRepository" else kind
    doc = validate_document("<flags>", 1, manifest, meta["namespace"])
    if doc.errors:
        for err in doc.errors:
            failure(str(err))
        return EXIT_FAILED
    if kind != "OCIRepository":
        generate(f"generating {label}")
    action(f"applying {label}")
    lines = apply_documents(app, [doc])
    verb = lines[-1].rsplit(" ", 1)[-1] if lines else "created"
    if verb != "unchanged" or kind in STATIC_KINDS:
        success(f"{label} {'created' if verb == 'created' else 'updated'}")
    if kind in STATIC_KINDS:
        return _static_ready(app, kind, meta)
    if kind == "Receiver":
        obj = app.objects.require(kind, meta["namespace"], meta["name"])
        ok, text = outcome(BY_KIND[kind], obj)
        if not ok:
            failure(text)
            return EXIT_FAILED
        success(f"Receiver {meta['name']} is ready")
        success(f"generated webhook URL {obj.status.get('webhookPath', '')}")
        return EXIT_OK
    waiting(f"waiting for {label} reconciliation")
    token = new_token()
    app.objects.request_reconcile(kind, meta["namespace"], meta["name"], token)
    obj = wait_handled(app, kind, meta["namespace"], meta["name"], token, deadline)
    if obj is None:
        failure("context deadline exceeded")
        return EXIT_FAILED
    ok, text = outcome(BY_KIND[kind], obj)
    if not ok:
        failure(f"{kind} reconciliation failed: '{text}'")
        return EXIT_FAILED
    success(f"{label} reconciliation completed")
    if kind == "GitRepository":
        success(f"fetched revision: {(obj.status.get('artifact') or {}).get('revision', '')}")
    if kind == "OCIRepository":
        artifact = obj.status.get("artifact")
        if not artifact:
            failure("no artifact was found")
            return EXIT_FAILED
        success(f"fetched revision: {artifact.get('revision', '')}")
    return EXIT_OK


#: Kinds without a reconciler (flux waits only for the object to exist and be current).
STATIC_KINDS = ("Alert", "Provider")


def _static_ready(app: Any, kind: str, meta: dict[str, Any]) -> int:
    """flux's ``isStaticObjectReadyConditionFunc``: ready once the object reads back as applied."""
    waiting(f"waiting for {kind} reconciliation")
    app.objects.require(kind, meta["namespace"], meta["name"])
    success(f"{kind} {meta['name']} is ready")
    return EXIT_OK


@guarded
def run(args: argparse.Namespace) -> int:
    import importlib

    from tagpilot.cli.yamlout import dump

    ns = namespace_of(args)
    module, _, builder = args.builder.rpartition(".")
    specs = importlib.import_module(f"tagpilot.cli.{module or 'create_specs'}")
    manifest = getattr(specs, builder)(args, ns)
    if args.export:
        text = dump(manifest)
        if manifest["kind"] == "Secret":
            text += "\n"  # flux prints an empty line after a Secret
        sys.stdout.write(text)
        return EXIT_OK
    app = open_app()
    deadline = time.monotonic() + timeout_of(args)
    if manifest["kind"] == "Secret":
        _apply_secret(app, manifest)
        return EXIT_OK
    if (
        manifest["kind"] == "GitRepository"
        and not args.secret_ref
        and (args.username or args.password)
    ):
        meta = manifest["metadata"]
        app.secrets.put(
            meta["namespace"],
            meta["name"],
            "Opaque",
            {"username": args.username or "", "password": args.password or ""},
        )
        manifest["spec"]["secretRef"] = {"name": meta["name"]}
        action(f"git secret '{meta['name']}' created in '{meta['namespace']}' namespace")
    return _apply_object(app, manifest, deadline)

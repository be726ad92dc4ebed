"""The manifests ``flux create ...`` builds from its flags, with flux's checks and messages.

Each builder takes the parsed arguments and returns the object as a dict (or raises
:class:`CliError` with flux's message); :mod:`tagpilot.cli.create` prints or applies it.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
from typing import Any

from tagpilot.cli.common import CliError

IMAGE_V1 = "image.toolkit.fluxcd.io/v1"
SOURCE_V1 = "source.toolkit.fluxcd.io/v1"
NOTIFICATION_V1 = "notification.toolkit.fluxcd.io/v1"
_NAME = re.compile(r"^[a-z0-9]([a-z0-9\-]){0,61}[a-z0-9]$")


def check_name(name: str | None) -> str:
    if not name:
        raise CliError("name is required")
    if not _NAME.fullmatch(name):
        raise CliError(
            f"name '{name}' is invalid, it should adhere to standard defined in RFC 1123, "
            "the name can only contain alphanumeric characters or '-'"
        )
    return name


def labels_of(args: argparse.Namespace) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in getattr(args, "label", None) or []:
        for item in raw.split(","):
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CliError(f"invalid label format '{item}', must be key=value")
            out[key] = value
    return out


def _object(
    kind: str, api: str, name: str, ns: str, labels: dict[str, str], spec: Any
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": spec}


def image_repository(args: argparse.Namespace, ns: str) -> dict[str, Any]:
    from tagpilot.registry.errors import ImageURLInvalidError
    from tagpilot.registry.names import parse_image_reference

    name = check_name(args.name)
    if not args.image:
        raise CliError("an image repository (--image) is required")
    try:
        parse_image_reference(args.image)
    except ImageURLInvalidError as exc:
        raise CliError(f"unable to parse image value: {exc}") from exc
    spec: dict[str, Any] = {"image": args.image, "interval": args.interval}
    if args.secret_ref:
        spec["secretRef"] = {"name": args.secret_ref}
    if args.cert_ref:
        spec["certSecretRef"] = {"name": args.cert_ref}
    if args.scan_timeout:
        spec["timeout"] = args.scan_timeout
    return _object("ImageRepository", IMAGE_V1, name, ns, labels_of(args), spec)


def image_policy(args: argparse.Namespace, ns: str) -> dict[str, Any]:
    name = check_name(args.name)
    if not args.image_ref:
        raise CliError("the name of an ImageRepository in the namespace is required (--image-ref)")
    for flag, value in (
        ("--select-alpha", args.select_alpha),
        ("--select-numeric", args.select_numeric),
    ):
        if value and value not in ("asc", "desc"):
            raise CliError(f'{flag} must be one of ["asc", "desc"]')
    policy: dict[str, Any] = {}
    if args.select_semver:
        policy = {"semver": {"range": args.select_semver}}
    if args.select_alpha:
        policy = {} if args.select_semver else {"alphabetical": {"order": args.select_alpha}}
    if args.select_numeric:
        if args.select_alpha:
            raise CliError(
                "only one of --select-semver, --select-alpha or --select-numeric can be specified"
            )
        policy = {} if args.select_semver else {"numerical": {"order": args.select_numeric}}
    if not (args.select_semver or args.select_alpha or args.select_numeric):
        raise CliError("a policy must be provided with either --select-semver or --select-alpha")
    spec: dict[str, Any] = {"imageRepositoryRef": {"name": args.image_ref}, "policy": policy}
    if args.filter_extract and not args.filter_regex:
        raise CliError("cannot specify --filter-extract without specifying --filter-regex")
    if args.filter_regex:
        _check_filter(args.filter_regex, args.filter_extract or "")
        spec["filterTags"] = {"pattern": args.filter_regex, "extract": args.filter_extract or ""}
    if args.reflect_digest:
        if args.reflect_digest not in ("Never", "IfNotPresent", "Always"):
            raise CliError(
                "invalid value for --reflect-digest, must be one of 'Never', 'IfNotPresent', "
                "'Always'"
            )
        spec["digestReflectionPolicy"] = args.reflect_digest
    if args.interval:
        if args.reflect_digest != "Always":
            raise CliError(
                "the --interval flag can only be used with the 'Always' digest reflection "
                "policy, use --reflect-digest=Always"
            )
        spec["interval"] = args.interval
    return _object("ImagePolicy", IMAGE_V1, name, ns, labels_of(args), spec)


def _check_filter(pattern: str, extract: str) -> None:
    from tagpilot.golang.regexp import RegexpSyntaxError
    from tagpilot.golang.regexp import compile as go_compile

    try:
        regexp = go_compile(pattern)
    except RegexpSyntaxError as exc:
        raise CliError("--filter-regex is an invalid regex pattern") from exc
    if not extract:
        return
    names = {n for n in regexp.names if n}
    for match in re.finditer(r"\$(\{([^}]*)\}|([A-Za-z0-9_]*))", extract):
        ref = match.group(2) if match.group(2) is not None else match.group(3)
        if match.group(2) is None and not ref:
            raise CliError("--filter-extract is malformed")
        if ref and not ref.isdigit() and ref not in names:
            raise CliError(
                f"capture group ${ref} used in --filter-extract not found in --filter-regex"
            )


def image_update(args: argparse.Namespace, ns: str) -> dict[str, Any]:
    name = check_name(args.name)
    if not args.git_repo_ref:
        raise CliError("a reference to a GitRepository is required (--git-repo-ref)")
    if not args.checkout_branch:
        raise CliError("the Git repository branch is required (--checkout-branch)")
    if not args.author_name:
        raise CliError("the author name is required (--author-name)")
    if not args.author_email:
        raise CliError("the author email is required (--author-email)")
    if args.signing_key_type and not args.signing_key_secret:
        raise CliError("--signing-key-type requires --signing-key-secret")
    if args.signing_key_type and args.signing_key_type not in ("gpg", "ssh"):
        raise CliError("--signing-key-type must be one of: gpg, ssh")
    source: dict[str, Any] = {"kind": "GitRepository", "name": args.git_repo_ref}
    if args.git_repo_namespace:
        source["namespace"] = args.git_repo_namespace
    commit: dict[str, Any] = {"author": {"name": args.author_name, "email": args.author_email}}
    if args.commit_template:
        commit["messageTemplate"] = args.commit_template
    if args.signing_key_secret:
        key: dict[str, Any] = {"secretRef": {"name": args.signing_key_secret}}
        if args.signing_key_type:
            key["type"] = args.signing_key_type
        commit["signingKey"] = key
    git: dict[str, Any] = {"checkout": {"ref": {"branch": args.checkout_branch}}, "commit": commit}
    if args.push_branch:
        git["push"] = {"branch": args.push_branch}
    spec: dict[str, Any] = {"git": git, "interval": args.interval, "sourceRef": source}
    if args.git_repo_path:
        spec["update"] = {"path": args.git_repo_path, "strategy": "Setters"}
    return _object("ImageUpdateAutomation", IMAGE_V1, name, ns, labels_of(args), spec)


def source_git(args: argparse.Namespace, ns: str) -> dict[str, Any]:
    from urllib.parse import urlparse

    name = check_name(args.name)
    if not args.url:
        raise CliError("url is required")
    scheme = urlparse(args.url).scheme
    if scheme not in ("ssh", "http", "https"):
        raise CliError(f"git URL scheme '{scheme}' not supported, can be: ssh, http and https")
    ref: dict[str, Any] = {}
    if args.commit:
        ref = {"commit": args.commit, **({"branch": args.branch} if args.branch else {})}
    elif args.ref_name:
        ref = {"name": args.ref_name}
    elif args.tag_semver:
        ref = {"semver": args.tag_semver}
    elif args.tag:
        ref = {"tag": args.tag}
    elif args.branch:
        ref = {"branch": args.branch}
    else:
        raise CliError(
            "a Git ref is required, use one of the following: --branch, --tag, --commit, "
            "--ref-name or --tag-semver"
        )
    if args.ca_file and scheme == "ssh":
        raise CliError("specifying a CA file is not supported for Git over SSH")
    spec: dict[str, Any] = {"interval": args.interval, "ref": ref, "url": args.url}
    if args.secret_ref:
        spec["secretRef"] = {"name": args.secret_ref}
    if args.proxy_secret_ref:
        spec["proxySecretRef"] = {"name": args.proxy_secret_ref}
    if args.provider and args.provider != "generic":
        spec["provider"] = args.provider
    if args.recurse_submodules:
        spec["recurseSubmodules"] = True
    if args.ignore_paths:
        spec["ignore"] = "\n".join(args.ignore_paths)
    if args.sparse_checkout_paths:
        spec["sparseCheckout"] = list(args.sparse_checkout_paths)
    if args.fetch_timeout:
        spec["timeout"] = args.fetch_timeout
    return _object("GitRepository", SOURCE_V1, name, ns, labels_of(args), spec)


def receiver(args: argparse.Namespace, ns: str) -> dict[str, Any]:
    name = check_name(args.name)
    if not args.type:
        raise CliError("Receiver type is required")
    if not args.secret_ref:
        raise CliError("secret ref is required")
    resources = []
    for raw in args.resource or []:
        kind, sep, ref_name = raw.partition("/")
        if not sep or not kind or not ref_name:
            raise CliError(f"invalid event source '{raw}', must be in format <kind>/<name>")
        resources.append({"kind": kind, "name": ref_name})
    if not resources:
        raise CliError("atleast one resource is required")
    events = [e for raw in args.event or [] for e in raw.split(",") if e]
    spec: dict[str, Any] = {"resources": resources, "secretRef": {"name": args.secret_ref}}
    spec["type"] = args.type
    if events:
        spec["events"] = events
    return _object("Receiver", NOTIFICATION_V1, name, ns, labels_of(args), spec)


def _secret(name: str, ns: str, labels: dict[str, str], data: dict[str, str]) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "stringData": data}


def secret_git(args: argparse.Namespace, ns: str) -> dict[str, Any]:
    from urllib.parse import urlparse

    name = check_name(args.name)
    if not args.url:
        raise CliError("url is required")
    scheme = urlparse(args.url).scheme
    data: dict[str, str] = {}
    if scheme in ("http", "https"):
        basic = bool(args.username and args.password)
        if args.bearer_token and (args.username or args.password):
            raise CliError("user credentials and bearer token cannot be used together")
        if not basic and not args.bearer_token:
            raise CliError(
                "for Git over HTTP/S the username and password, or a bearer token is required"
            )
        if basic:
            data = {"username": args.username, "password": args.password}
        else:
            data = {"bearerToken": args.bearer_token}
        if args.ca_crt_file:
            data["ca.crt"] = _read(args.ca_crt_file)
    elif scheme == "ssh":
        from tagpilot.cli.sshkeys import known_hosts_for, private_key

        identity, public = private_key(args)
        data = {
            "identity": identity,
            "identity.pub": public,
            "known_hosts": known_hosts_for(args.url),
        }
        if args.password:
            data["password"] = args.password
    else:
        raise CliError(f"git URL scheme '{scheme}' not supported, can be: ssh, http and https")
    return _secret(name, ns, labels_of(args), data)


def secret_oci(args: argparse.Namespace, ns: str) -> dict[str, Any]:
    name = check_name(args.name)
    if not args.url:
        raise CliError("--url is required")
    if not args.username:
        raise CliError("--username is required")
    if not args.password:
        raise CliError("--password is required")
    auth = base64.b64encode(f"{args.username}:{args.password}".encode()).decode()
    config = {
        "auths": {args.url: {"username": args.username, "password": args.password, "auth": auth}}
    }
    secret = _secret(name, ns, {}, {".dockerconfigjson": json.dumps(config, indent=2)})
    secret["type"] = "kubernetes.io/dockerconfigjson"
    return secret


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise CliError(f"failed to read {path}: {exc.strerror}") from exc

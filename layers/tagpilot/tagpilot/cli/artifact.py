"""``tagpilot push|pull|list|tag artifact(s)``: the flux CLI's OCI artifact verbs.

Flags, messages and output follow ``flux`` (reference §8.3-8.7): progress lines on stderr
(``►``, ``✔``, ``✗``), ``-o json|yaml`` and the ``list`` table on stdout. tagpilot additions:
``pull --verify-key`` (cosign public keys; nothing is written unless a signature verifies) and
``--insecure-registry`` on ``tag``. Credentials: ``--creds user[:password]`` (a bare value is a
registry token), else the ``auths`` of ``$DOCKER_CONFIG/config.json`` (``~/.docker``), else
anonymous; ``--provider aws`` uses ECR tokens of the caller's AWS credentials.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from tagpilot.cli.common import EXIT_FAILED, EXIT_OK, CliError, guarded

DEFAULT_TIMEOUT = 300.0


def _common(p: argparse.ArgumentParser, insecure: bool = True) -> None:
    p.add_argument("--creds", default="", help="credentials: user[:password], or a token")
    p.add_argument("--provider", choices=("generic", "aws"), default="generic")
    if insecure:
        p.add_argument(
            "--insecure-registry", action="store_true", help="plain HTTP, no TLS verification"
        )
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds (default 300)")


def _word(p: argparse.ArgumentParser, *words: str) -> None:
    p.add_argument("what", choices=words, metavar=words[0])
    p.add_argument("url", nargs="?", default="", metavar="oci://URL")


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    push = subparsers.add_parser("push", help="push a directory as a Flux OCI artifact")
    _word(push, "artifact")
    push.add_argument("-f", "--path", default="", help="directory or file to push")
    push.add_argument("--source", default="", help="source address (e.g. the Git URL)")
    push.add_argument("--revision", default="", help="source revision: <branch|tag>@sha1:<sha>")
    push.add_argument("-a", "--annotations", action="append", default=[], help="key=value")
    push.add_argument("--ignore-paths", default=None, help="comma-separated gitignore patterns")
    push.add_argument("--add-ignore-paths", default="", help="patterns added to the defaults")
    push.add_argument("--reproducible", action="store_true", help="epoch 'created' annotation")
    push.add_argument("-o", "--output", choices=("json", "yaml"), default=None)
    push.add_argument(
        "--resolve-symlinks", action="store_true", help="copy the targets of symlinks"
    )
    _common(push)
    push.set_defaults(func=run_push)

    pull = subparsers.add_parser("pull", help="pull a Flux OCI artifact into a directory")
    _word(pull, "artifact")
    pull.add_argument("-o", "--output", default="", help="existing directory to extract to")
    pull.add_argument(
        "--verify-key", action="append", default=[], help="cosign public key file (*.pub)"
    )
    _common(pull)
    pull.set_defaults(func=run_pull)

    lst = subparsers.add_parser("list", help="list the artifacts of an OCI repository")
    _word(lst, "artifacts", "artifact")
    lst.add_argument("--filter-semver", default="", help="semver range the tags must match")
    lst.add_argument("--filter-regex", default="", help="regexp the tags must match")
    _common(lst)
    lst.set_defaults(func=run_list)

    tag = subparsers.add_parser("tag", help="tag an OCI artifact")
    _word(tag, "artifact")
    tag.add_argument("--tag", default="", help="new tags, comma-separated")
    _common(tag)
    tag.set_defaults(func=run_tag)


def _say(symbol: str, text: str) -> None:
    print(f"{symbol} {text}", file=sys.stderr)


def _client_and_auth(args: argparse.Namespace, registry: str) -> tuple[Any, Any]:
    import requests

    from tagpilot.registry.auth import RegistryAuth
    from tagpilot.registry.client import RegistryClient

    insecure = bool(getattr(args, "insecure_registry", False))
    client = RegistryClient(requests.Session())
    if args.creds:
        user, sep, password = args.creds.partition(":")
        _say("►", "logging in to registry with credentials")
        if not sep:
            return client, RegistryAuth(registry_token=user, insecure=insecure)
        return client, RegistryAuth.with_basic(user, password, insecure=insecure)
    if args.provider == "aws":
        import boto3

        from tagpilot.registry.ecr import EcrCredentialProvider

        _say("►", "logging in to registry with provider credentials")
        ecr = EcrCredentialProvider(client_factory=lambda r: boto3.client("ecr", region_name=r))
        return client, RegistryAuth.aws(ecr, insecure=insecure)
    return client, _docker_config_auth(registry, insecure)


def _docker_config_auth(registry: str, insecure: bool) -> Any:
    from tagpilot.registry.auth import RegistryAuth
    from tagpilot.registry.dockerconfig import parse_docker_config
    from tagpilot.registry.errors import AuthConfigError

    folder = os.environ.get("DOCKER_CONFIG") or str(Path.home() / ".docker")
    path = Path(folder) / "config.json"
    if not path.is_file():
        return RegistryAuth.anonymous(insecure=insecure)
    try:
        config = parse_docker_config(path.read_bytes())
        return RegistryAuth.from_docker_config(config, registry, insecure=insecure)
    except AuthConfigError:
        return RegistryAuth.anonymous(insecure=insecure)


def _url(args: argparse.Namespace, required: str, default_tag: str | None = "latest") -> Any:
    from tagpilot.registry.errors import ImageURLInvalidError
    from tagpilot.registry.oci_url import parse_artifact_url

    if not args.url:
        raise CliError(required)
    try:
        return parse_artifact_url(args.url, default_tag=default_tag)
    except ImageURLInvalidError as exc:
        raise CliError(str(exc)) from None


@guarded
def run_push(args: argparse.Namespace) -> int:
    from tagpilot.artifact.operations import push
    from tagpilot.oci.layout import annotations_for, created_now, ignore_rules, parse_annotations

    target = _url(args, "artifact URL is required")
    if not args.source:
        raise CliError("--source is required")
    if not args.revision:
        raise CliError("--revision is required")
    if not args.path:
        raise CliError('invalid path ""')
    path = Path(args.path)
    if args.path != "-" and not path.exists():  # "-": stdin, saved to a .yaml file
        raise CliError(
            f"invalid path '{args.path}', must point to an existing directory or file: "
            f"stat {args.path}: no such file or directory"
        )
    try:
        extra = parse_annotations(args.annotations)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    ignore = None if args.ignore_paths is None else _csv(args.ignore_paths)
    rules = ignore_rules(ignore, _csv(args.add_ignore_paths))
    annotations = annotations_for(args.source, args.revision, extra, created_now(args.reproducible))
    client, auth = _client_and_auth(args, target.name.registry)
    if args.output is None:
        _say("►", f"pushing artifact to {args.url.removeprefix('oci://')}")
    from tagpilot.cli.artifact_build import source_path

    with source_path(args.path, args.resolve_symlinks) as path:
        try:
            pushed = push(
                client,
                target,
                path,
                source=args.source,
                revision=args.revision,
                annotations=annotations,
                rules=rules,
                auth=auth,
                timeout=args.timeout,
            )
        except _failures() as exc:
            _fail_tagpilot(exc, "pushing artifact failed")
            return EXIT_FAILED
    if args.output == "json":
        sys.stdout.write(pushed.json())
    elif args.output == "yaml":
        for key in sorted(("digest", "repository", "tag", "url")):
            print(f"{key}: {getattr(pushed, key)}")
    else:
        _say("✔", f"artifact successfully pushed to {pushed.repository}@{pushed.digest}")
    return EXIT_OK


def _csv(text: str) -> list[str]:
    return [part for part in text.split(",") if part]


def _failures() -> tuple[type[BaseException], ...]:
    """What a registry exchange or a local file can raise: reported, never a traceback."""
    from tagpilot.errors import TagpilotError

    return (TagpilotError, ValueError, OSError)


def _fail_tagpilot(exc: BaseException, prefix: str) -> None:
    _say("✗", f"{prefix}: {exc}")


@guarded
def run_pull(args: argparse.Namespace) -> int:
    from tagpilot.artifact.operations import pull
    from tagpilot.config import load_settings

    target = _url(args, "artifact URL is required")
    if not args.output:
        raise CliError("output path cannot be empty")
    output = Path(args.output)
    if not output.is_dir():
        raise CliError(f'invalid output path "{args.output}": not an existing directory')
    keys = None
    if args.verify_key:
        # The verifier reads the *.pub entries of a secret: one entry per key file.
        keys = {
            f"{i}-{Path(k).name}.pub": Path(k).read_text() for i, k in enumerate(args.verify_key)
        }
    client, auth = _client_and_auth(args, target.name.registry)
    _say("►", f"pulling artifact from {args.url}")
    try:
        pulled = pull(
            client,
            target,
            output,
            auth=auth,
            timeout=args.timeout,
            max_size=load_settings().artifact_max_bytes,
            keys=keys,
        )
    except _failures() as exc:
        _fail_tagpilot(exc, "pulling artifact failed")
        return EXIT_FAILED
    if pulled.verification is not None:
        if not pulled.verification.verified:
            _say("✗", f"verification failed: {pulled.verification.message}")
            return EXIT_FAILED
        _say("✔", f"signature {pulled.verification.message}")
    if pulled.source:
        _say("✔", f"source {pulled.source}")
    if pulled.revision:
        _say("✔", f"revision {pulled.revision}")
    _say("✔", f"digest {target.name.canonical}@{pulled.digest}")
    what = "artifact content extracted to" if pulled.extracted else "artifact content copied to"
    _say("✔", f"{what} {args.output}")
    return EXIT_OK


@guarded
def run_list(args: argparse.Namespace) -> int:
    from tagpilot.artifact.operations import list_artifacts
    from tagpilot.cli.common import print_table
    from tagpilot.registry.errors import ImageURLInvalidError
    from tagpilot.registry.oci_url import parse_oci_url

    if not args.url:
        raise CliError("artifact repository URL is required")
    try:
        name = parse_oci_url(args.url)
    except ImageURLInvalidError as exc:
        raise CliError(str(exc)) from None
    client, auth = _client_and_auth(args, name.registry)
    try:
        rows = list_artifacts(
            client,
            name,
            auth=auth,
            timeout=args.timeout,
            filter_semver=args.filter_semver or None,
            filter_regex=args.filter_regex or None,
        )
    except _failures() as exc:
        _fail_tagpilot(exc, "listing artifacts failed")
        return EXIT_FAILED
    print_table(
        ["ARTIFACT", "DIGEST", "SOURCE", "REVISION"],
        [[r.artifact, r.digest, r.source, r.revision] for r in rows],
    )
    return EXIT_OK


@guarded
def run_tag(args: argparse.Namespace) -> int:
    from tagpilot.artifact.operations import tag

    target = _url(args, "artifact URL is required")
    new_tags = _csv(args.tag)
    if not new_tags:
        raise CliError("--tag is required")
    client, auth = _client_and_auth(args, target.name.registry)
    _say("►", "tagging artifact")
    try:
        done = tag(client, target, new_tags, auth=auth, timeout=args.timeout)
    except _failures() as exc:
        _fail_tagpilot(exc, "tagging artifact failed")
        return EXIT_FAILED
    for ref in done:
        _say("✔", f"artifact tagged as {ref}")
    return EXIT_OK

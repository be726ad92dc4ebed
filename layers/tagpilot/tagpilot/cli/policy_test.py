"""``tagpilot policy test``: run an ImagePolicy against a list of tags, with no store.

The policy comes from an ImagePolicy manifest (``-f``) or from the flags of
``flux create image policy`` (``--select-semver``, ``--select-numeric``, ``--select-alpha``,
``--filter-regex``, ``--filter-extract``). Tags come from ``--tags-file`` (one per line, in
registry order; ``-`` or absent: stdin) or are listed live from ``--image``. The exclusion list
(``--exclusion``, default ``^.*\\.sig$``) and the stored byte order are applied first, exactly as
the ImageRepository does, so ties resolve as in Flux.

Exit codes: 0 and the selected tag on stdout; 1 no candidate (reason on stderr); 2 invalid
policy, range, regexp or usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tagpilot.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error
from tagpilot.cli.timefmt import seconds_or_duration

_SELECT_FLAGS = (
    "select_semver",
    "select_numeric",
    "select_alpha",
    "filter_regex",
    "filter_extract",
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``policy`` with its ``test`` subcommand."""
    policy = subparsers.add_parser(
        "policy",
        help="work with image policies offline",
        description="Work with image policies offline.",
    )
    policy.set_defaults(func=lambda args: _usage(policy))
    nested = policy.add_subparsers(dest="policy_command", metavar="SUBCOMMAND")
    p = nested.add_parser(
        "test",
        help="select the latest tag from a list, as Flux would",
        description="Evaluate an ImagePolicy against tags. Prints the selected tag.",
    )
    p.add_argument(
        "-f",
        "--filename",
        metavar="FILE|-",
        help="ImagePolicy manifest (the first ImagePolicy of the file)",
    )
    select = p.add_mutually_exclusive_group()
    select.add_argument("--select-semver", metavar="RANGE", help="semver range, e.g. '^1.x'")
    select.add_argument(
        "--select-numeric",
        metavar="ORDER",
        choices=("asc", "desc"),
        help="numerical order: asc or desc",
    )
    select.add_argument(
        "--select-alpha",
        metavar="ORDER",
        choices=("asc", "desc"),
        help="alphabetical order: asc or desc",
    )
    p.add_argument("--filter-regex", metavar="REGEX", help="Go regexp tags must match")
    p.add_argument(
        "--filter-extract",
        metavar="TEMPLATE",
        help="value compared by the policy, e.g. '$ts' (needs --filter-regex)",
    )
    p.add_argument(
        "--exclusion",
        action="append",
        metavar="REGEX",
        help="exclusion pattern (repeatable; replaces the default '^.*\\.sig$')",
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--tags-file", metavar="FILE|-", help="one tag per line in registry order (default: stdin)"
    )
    source.add_argument("--image", metavar="REPO", help="list the tags of this repository live")
    p.add_argument("--insecure", action="store_true", help="plain HTTP for --image")
    p.add_argument(
        "--timeout",
        type=seconds_or_duration,
        default=60.0,
        metavar="DURATION",
        help="deadline for listing --image, a Go duration or seconds (default 1m0s)",
    )
    p.add_argument(
        "--cosign-key",
        action="append",
        metavar="FILE",
        help="accept only tags signed with this cosign public key (repeatable; needs --image)",
    )
    p.add_argument(
        "--cosign-identity",
        metavar="REGEX",
        help="keyless: accept only tags signed by a certificate whose subject (SAN) matches this "
        "RE2 regexp (needs --image)",
    )
    p.add_argument(
        "--cosign-issuer",
        metavar="REGEX",
        help="keyless: ... and whose OIDC issuer matches this RE2 regexp (needs --image)",
    )
    p.add_argument(
        "--trusted-root",
        metavar="FILE",
        help="keyless: Sigstore trusted_root.json (default: $TAGPILOT_SIGSTORE_TRUSTED_ROOT, "
        "else sigstore's bundled public-good root)",
    )
    p.add_argument(
        "--platform",
        action="append",
        metavar="OS/ARCH",
        help="accept only image indexes with this platform (repeatable; needs --image)",
    )
    p.add_argument("-o", "--output", choices=("text", "json"), default="text")
    p.set_defaults(func=run)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


class _Usage(Exception):
    """Bad flags or input files: exit 2."""


def _spec_from_flags(args: argparse.Namespace) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if args.select_semver is not None:
        spec["policy"] = {"semver": {"range": args.select_semver}}
    elif args.select_numeric is not None:
        spec["policy"] = {"numerical": {"order": args.select_numeric}}
    elif args.select_alpha is not None:
        spec["policy"] = {"alphabetical": {"order": args.select_alpha}}
    else:
        raise _Usage("one of -f, --select-semver, --select-numeric or --select-alpha is required")
    if args.filter_extract is not None and args.filter_regex is None:
        raise _Usage("--filter-extract needs --filter-regex")
    if args.filter_regex is not None:
        spec["filterTags"] = {"pattern": args.filter_regex, "extract": args.filter_extract or ""}
    return spec


def _read_text(path: str | None) -> str:
    if path in (None, "-"):
        return sys.stdin.read()
    try:
        with open(str(path), encoding="utf-8") as handle:
            return handle.read()
    except OSError as err:
        raise _Usage(f"cannot read {path}: {err.strerror}") from None


def _spec_from_manifest(path: str) -> tuple[dict[str, Any], dict[str, str]]:
    from tagpilot.api.errors import ManifestError
    from tagpilot.api.loader import parse_documents

    try:
        # The manifest limits apply here too (size, depth, aliases, integers).
        docs = parse_documents(str(path), _read_text(path))
    except ManifestError as err:
        raise _Usage(str(err)) from None
    for doc in docs:
        if isinstance(doc, dict) and doc.get("kind") == "ImagePolicy":
            spec = doc.get("spec")
            if not isinstance(spec, dict):
                raise _Usage(f"{path}: ImagePolicy has no spec")
            annotations = (doc.get("metadata") or {}).get("annotations") or {}
            return spec, {str(k): str(v) for k, v in annotations.items()}
    raise _Usage(f"{path}: no ImagePolicy document found")


def _list_image(args: argparse.Namespace) -> list[str]:
    # Integration point with tagpilot.registry: anonymous access only (no secrets offline).
    import requests

    from tagpilot.registry.auth import RegistryAuth
    from tagpilot.registry.client import RegistryClient
    from tagpilot.registry.names import parse_image_reference

    name = parse_image_reference(args.image)
    with requests.Session() as session:
        auth = RegistryAuth.anonymous(insecure=args.insecure)
        return RegistryClient(session).list_tags(name, auth, args.timeout)


def _requirements(args: argparse.Namespace, annotations: dict[str, str]) -> Any:
    """Verification asked by the flags (keys, keyless, platforms) or the manifest's annotations."""
    from tagpilot.api.extensions import ExtensionError, verify_identities
    from tagpilot.reconcile.verified import VERIFY_SECRET, Requirements, parse_platforms
    from tagpilot.verify.cosign import OIDCIdentity

    platforms = tuple(args.platform or ()) or parse_platforms(annotations)
    keyless = args.cosign_identity is not None or args.cosign_issuer is not None
    if keyless and args.cosign_key:
        raise _Usage("--cosign-key and --cosign-identity/--cosign-issuer exclude each other")
    keys: dict[str, str] | None = None
    identities: tuple[OIDCIdentity, ...] | None = None
    if args.cosign_key:
        keys = {f"key{n}.pub": _read_text(path) for n, path in enumerate(args.cosign_key)}
    elif keyless:
        identities = (OIDCIdentity(args.cosign_issuer or "", args.cosign_identity or ""),)
    elif VERIFY_SECRET in annotations:
        raise _Usage(f"the manifest sets {VERIFY_SECRET}: pass its public key with --cosign-key")
    else:
        try:
            pairs = verify_identities(annotations)
        except ExtensionError as err:
            raise _Usage(str(err)) from None
        if pairs is not None:
            identities = tuple(OIDCIdentity(issuer, subject) for issuer, subject in pairs)
    trusted_root = _trusted_root(args) if identities is not None else None
    requirements = Requirements(keys, platforms, identities, trusted_root)
    if not requirements.active:
        return None
    if args.image is None:
        raise _Usage("--cosign-key, --cosign-identity and --platform check images: need --image")
    return requirements


def _trusted_root(args: argparse.Namespace) -> bytes | None:
    from tagpilot.config import ConfigurationError, load_settings
    from tagpilot.verify.trustroot import TrustRootError, read_trusted_root_file

    try:
        path = args.trusted_root or load_settings().sigstore_trusted_root
    except ConfigurationError as err:
        raise _Usage(str(err)) from None
    try:
        return read_trusted_root_file(path)
    except TrustRootError as err:
        raise _Usage(str(err)) from None


def _verified(
    args: argparse.Namespace, spec: dict[str, Any], tags: list[str], requirements: Any, first: Any
) -> Any:
    """Re-select among the tags whose images pass ``requirements``; rejections explained."""
    import requests

    from tagpilot.policy.evaluate import Evaluation, evaluate
    from tagpilot.reconcile.verified import Checker, select_verified
    from tagpilot.registry.auth import RegistryAuth
    from tagpilot.registry.client import RegistryClient
    from tagpilot.registry.names import parse_image_reference

    with requests.Session() as session:
        checker = Checker(
            RegistryClient(session),
            parse_image_reference(args.image),
            RegistryAuth.anonymous(insecure=args.insecure),
            args.timeout,
            requirements,
        )
        latest, rejected = select_verified(
            tags, lambda ts: evaluate(spec, ts).latest, checker.check
        )
    return Evaluation(latest, first.candidates, first.rejected + rejected)


def _tags(args: argparse.Namespace) -> list[str]:
    if args.image is not None:
        return _list_image(args)
    lines = _read_text(args.tags_file).splitlines()
    return [line.strip() for line in lines if line.strip()]


def _print_json(latest: str | None, candidates: list[str], rejected: list[Any]) -> None:
    report = {
        "latest": latest,
        "candidates": candidates,
        "rejected": [{"tag": r.tag, "why": r.why} for r in rejected],
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


def run(args: argparse.Namespace) -> int:
    """Evaluate and print; see the module docstring for exit codes."""
    from tagpilot.api.extensions import ExtensionError
    from tagpilot.errors import TagpilotError
    from tagpilot.policy.errors import (
        InvalidExclusionError,
        InvalidPolicyError,
        NoCandidateError,
        NoTagsError,
    )
    from tagpilot.policy.evaluate import Rejection, evaluate
    from tagpilot.policy.tags import exclude

    try:
        if args.filename == "-" and args.image is None and args.tags_file in (None, "-"):
            raise _Usage("-f - and tags on stdin cannot both be used: pass --tags-file")
        annotations: dict[str, str] = {}
        if args.filename is not None:
            if any(getattr(args, flag) is not None for flag in _SELECT_FLAGS):
                raise _Usage("-f cannot be combined with --select-* or --filter-* flags")
            spec, annotations = _spec_from_manifest(args.filename)
        else:
            spec = _spec_from_flags(args)
        requirements = _requirements(args, annotations)
        tags = _tags(args)
        kept, excluded = exclude(tags, args.exclusion)
        explain = args.output == "json"
        dropped = [Rejection(t, f"excluded by exclusion pattern '{p}'") for t, p in excluded]
        result = evaluate(spec, sorted(kept, reverse=True), explain=explain)
        if requirements is not None:
            result = _verified(args, spec, sorted(kept, reverse=True), requirements, result)
    except _Usage as err:
        error(str(err))
        return EXIT_USAGE
    except InvalidPolicyError as err:
        error(err.condition_message)
        return EXIT_USAGE
    except InvalidExclusionError as err:
        error(f"invalid exclusion pattern: {err}")
        return EXIT_USAGE
    except NoTagsError:
        error("no tags to evaluate" + (" after exclusion" if tags else ""))
        if explain:
            _print_json(None, [], dropped)
        return EXIT_FAILED
    except NoCandidateError as err:
        error(str(err))
        if explain:
            _print_json(None, err.candidates, dropped + err.rejected)
        return EXIT_FAILED
    except ExtensionError as err:
        error(str(err))
        return EXIT_USAGE
    except TagpilotError as err:  # registry failures with --image
        error(str(err))
        return EXIT_FAILED
    if explain:
        _print_json(result.latest, result.candidates, dropped + result.rejected)
    else:
        print(result.latest)
    return EXIT_OK

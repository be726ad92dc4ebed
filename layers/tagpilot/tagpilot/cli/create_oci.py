"""``tagpilot create source oci NAME``: flux's flags, checks and manifest (flux2
``cmd/flux/create_source_oci.go``, reference flux-oci §8.9).

The manifest is built as flux builds it: ``provider`` always set (``generic`` by default), ``ref``
always present with every given one of ``--digest``, ``--tag-semver``, ``--tag`` (the controller
applies its precedence), ``--ignore-paths`` joined by newlines into ``ignore``, ``--fetch-timeout``
as ``timeout``, the verify flags as one ``verify`` block with at most one ``matchOIDCIdentity``.
"""

from __future__ import annotations

import argparse
from typing import Any

from tagpilot.cli.common import CliError
from tagpilot.cli.create_specs import SOURCE_V1, _object, check_name, labels_of

PROVIDERS = ("generic", "aws", "azure", "gcp")
VERIFY_PROVIDERS = ("cosign",)
OPERATIONS = ("extract", "copy")


def add_flags(p: argparse.ArgumentParser) -> None:
    """flux's flags of ``create source oci`` (the shared ones come from ``create``)."""
    from tagpilot.cli.timefmt import go_duration_text

    p.add_argument("--url", help="the OCI repository URL")
    p.add_argument("--tag", help="the OCI artifact tag")
    p.add_argument("--tag-semver", help="the OCI artifact tag semver range")
    p.add_argument("--digest", help="the OCI artifact digest")
    p.add_argument(
        "--provider", default="generic", help="the OCI provider name: generic, aws, azure, gcp"
    )
    p.add_argument(
        "--secret-ref",
        help="the name of the image pull secret (type 'kubernetes.io/dockerconfigjson')",
    )
    p.add_argument(
        "--proxy-secret-ref", help="the name of an existing secret with the proxy address"
    )
    p.add_argument(
        "--service-account",
        help="the name of the service account that refers to an image pull secret",
    )
    p.add_argument("--cert-ref", help="the name of a secret to use for TLS certificates")
    p.add_argument("--verify-provider", help="the OCI verify provider name: cosign")
    p.add_argument(
        "--verify-secret-ref", help="the name of a secret to use for signature verification"
    )
    p.add_argument(
        "--verify-subject", help="regular expression to match the OIDC identity's subject"
    )
    p.add_argument("--verify-issuer", help="regular expression to match the OIDC issuer")
    p.add_argument(
        "--ignore-paths",
        action="append",
        help="paths to ignore (gitignore format; repeatable or comma-separated: path1,path2)",
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="for when connecting to a non-TLS registry over plain HTTP",
    )
    p.add_argument(
        "--layer-selector",
        metavar="MEDIA-TYPE:OPERATION",
        help="the layer to use, and whether to extract or copy it",
    )
    p.add_argument(
        "--fetch-timeout", type=go_duration_text, help="timeout of the registry operations"
    )


def _layer_selector(text: str) -> dict[str, str]:
    media_type, sep, operation = text.rpartition(":")
    if not sep or not media_type or not operation:
        raise CliError(
            f"invalid --layer-selector \"{text}\": must be in the format '<media-type>:<operation>'"
        )
    if operation not in OPERATIONS:
        raise CliError(f'invalid --layer-selector "{text}": operation must be "extract" or "copy"')
    return {"mediaType": media_type, "operation": operation}


def _verify(args: argparse.Namespace) -> dict[str, Any] | None:
    provider = args.verify_provider or ""
    issuer, subject = args.verify_issuer or "", args.verify_subject or ""
    if not provider:
        if args.verify_secret_ref:
            raise CliError("a verification provider must be specified when a secret is specified")
        if issuer or subject:
            raise CliError(
                "a verification provider must be specified when OIDC issuer/subject is specified"
            )
        return None
    if provider not in VERIFY_PROVIDERS:
        raise CliError(
            f"source OCI verify provider '{provider}' is not supported, "
            f"must be one of: {', '.join(VERIFY_PROVIDERS)}"
        )
    verify: dict[str, Any] = {"provider": provider}
    if args.verify_secret_ref:
        verify["secretRef"] = {"name": args.verify_secret_ref}
    if issuer or subject:
        verify["matchOIDCIdentity"] = [{"issuer": issuer, "subject": subject}]
    return verify


def source_oci(args: argparse.Namespace, ns: str) -> dict[str, Any]:
    """The OCIRepository ``flux create source oci`` builds, or flux's error."""
    name = check_name(args.name)
    if not args.url:
        raise CliError("url is required")
    if not (args.tag_semver or args.tag or args.digest):
        raise CliError("--tag, --tag-semver or --digest is required")
    if args.provider not in PROVIDERS:
        raise CliError(
            f"source OCI provider '{args.provider}' is not supported, "
            f"must be one of: {', '.join(PROVIDERS)}"
        )
    labels = labels_of(args)
    ref: dict[str, Any] = {}
    if args.digest:
        ref["digest"] = args.digest
    if args.tag_semver:
        ref["semver"] = args.tag_semver
    if args.tag:
        ref["tag"] = args.tag
    spec: dict[str, Any] = {
        "interval": args.interval,
        "provider": args.provider,
        "ref": ref,
        "url": args.url,
    }
    if args.ignore_paths:
        paths = [p for raw in args.ignore_paths for p in raw.split(",")]
        spec["ignore"] = "\n".join(paths)
    if args.insecure:
        spec["insecure"] = True
    if args.fetch_timeout and args.fetch_timeout != "0s":  # flux: only when > 0
        spec["timeout"] = args.fetch_timeout
    if args.service_account:
        spec["serviceAccountName"] = args.service_account
    for flag, key in (
        ("secret_ref", "secretRef"),
        ("cert_ref", "certSecretRef"),
        ("proxy_secret_ref", "proxySecretRef"),
    ):
        if getattr(args, flag):
            spec[key] = {"name": getattr(args, flag)}
    if args.layer_selector:
        spec["layerSelector"] = _layer_selector(args.layer_selector)
    verify = _verify(args)
    if verify is not None:
        spec["verify"] = verify
    return _object("OCIRepository", SOURCE_V1, name, ns, labels, spec)

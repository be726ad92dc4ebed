"""An OCIRepository's ``spec.verify``: the cosign signature of the resolved digest (reference §3).

Skipped when the stored artifact is this revision and ``SourceVerified`` is ``True`` at this
generation (source-controller verifies again only when the revision or the spec changed).
Keys come from ``verify.secretRef`` (every ``*.pub``); without one, keyless verification uses
``verify.trustedRootSecretRef``'s trust root, else the ``TAGPILOT_SIGSTORE_TRUSTED_ROOT`` file,
else the root bundled with ``sigstore``.
"""

from __future__ import annotations

from typing import Any, NoReturn

from tagpilot.api import conditions
from tagpilot.api.ocirepository import OCIRepositorySpec, OCIVerifySpec
from tagpilot.api.resource import Resource
from tagpilot.reconcile.app import App
from tagpilot.reconcile.ocisource import Resolved
from tagpilot.reconcile.sourcestatus import SOURCE_VERIFIED
from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.names import ImageName
from tagpilot.store.errors import StoreError
from tagpilot.verify.cosign import OIDCIdentity, verify_image
from tagpilot.verify.trustroot import TRUSTED_ROOT_KEY, TrustRootError, read_trusted_root_file

VERIFICATION_ERROR = "VerificationError"


class VerifyFailedError(Exception):
    """The signature did not verify; ``SourceVerified=False`` is already in the status."""


def verify_source(
    app: App,
    registry: RegistryClient,
    resource: Resource,
    spec: OCIRepositorySpec,
    status: dict[str, Any],
    target: tuple[ImageName, RegistryAuth, Resolved],
) -> None:
    """Verify ``target``'s signature as ``spec.verify`` asks and record ``SourceVerified``.

    Raises
    ------
    VerifyFailedError
        Unsigned, wrongly signed, or the keys or trust root cannot be read.
    """
    image, auth, resolved = target
    verify = spec.verify
    if not verify:
        conditions.delete(status, SOURCE_VERIFIED)
        return
    gen = resource.generation
    current = conditions.get(status, SOURCE_VERIFIED)
    if (
        (status.get("artifact") or {}).get("revision") == resolved.revision
        and current is not None
        and current.get("observedGeneration") == gen
        and current.get("status") == "True"
    ):
        return
    secret_name = verify.secret_ref
    label = verify.provider if secret_name else f"{verify.provider} keyless"
    keys: dict[str, str] | None = None
    trusted_root: bytes | None = None
    try:
        if secret_name:
            keys = dict(app.secrets.get(resource.namespace, secret_name, use="registry").data)
        else:
            trusted_root = _trusted_root(app, resource.namespace, verify)
    except (StoreError, TrustRootError) as exc:
        _failed(status, gen, label, str(exc))
    identities = [OIDCIdentity(issuer, subject) for issuer, subject in verify.match_oidc_identity]
    result = verify_image(
        registry,
        image,
        resolved.digest,
        auth=auth,
        timeout=spec.timeout,
        keys=keys,
        identities=identities,
        trusted_root=trusted_root,
    )
    if not result.verified:
        _failed(status, gen, label, result.message)
    conditions.set_condition(
        status,
        SOURCE_VERIFIED,
        "True",
        conditions.SUCCEEDED,
        f"verified signature of revision {resolved.revision}",
        generation=gen,
    )


def _trusted_root(app: App, namespace: str, verify: OCIVerifySpec) -> bytes | None:
    """``trustedRootSecretRef``'s ``trusted_root.json``, else the setting's file, else None."""
    name = verify.trusted_root_secret_ref
    if not name:
        return read_trusted_root_file(getattr(app.settings, "sigstore_trusted_root", ""))
    where = f"{namespace}/{name}"
    try:
        data = app.secrets.get(namespace, name, use="registry").data
    except StoreError as exc:
        raise TrustRootError(f"failed to read trusted root from secret '{where}': {exc}") from None
    if TRUSTED_ROOT_KEY not in data:
        raise TrustRootError(
            f"failed to read trusted root from secret '{where}': "
            f"'{TRUSTED_ROOT_KEY}' not found in secret '{where}'"
        )
    return str(data[TRUSTED_ROOT_KEY]).encode()


def _failed(status: dict[str, Any], gen: int, label: str, error: str) -> NoReturn:
    message = f"failed to verify the signature using provider '{label}': {error}"
    conditions.set_condition(
        status, SOURCE_VERIFIED, "False", VERIFICATION_ERROR, message, generation=gen
    )
    raise VerifyFailedError(message)

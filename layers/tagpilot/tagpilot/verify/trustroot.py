"""The Sigstore trust root of keyless verification: Fulcio CAs, CT log keys, Rekor keys.

Production uses the public-good instance's ``trusted_root.json`` that ships inside the pinned
``sigstore`` wheel (``sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev/``): tagpilot never
contacts TUF at verification time (Lambda has no writable home for the TUF cache, and the
reconcile must not depend on a third host). The root is therefore refreshed by upgrading the
``sigstore`` pin in ``layers/tagpilot/requirements.txt`` and redeploying (README "OCIRepository").
Another root (a private Sigstore, or the tests' own) is injected with the
``TAGPILOT_SIGSTORE_TRUSTED_ROOT`` setting (a file) or per object with
``verify.trustedRootSecretRef`` (key ``trusted_root.json``), in the protobuf-specs ``TrustedRoot``
JSON format Flux reads.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from tagpilot.errors import TagpilotError

#: The TUF repository whose embedded ``trusted_root.json`` is the production root.
PUBLIC_GOOD_TUF_URL = "https://tuf-repo-cdn.sigstore.dev"
TRUSTED_ROOT_KEY = "trusted_root.json"


class TrustRootError(TagpilotError):
    """The trust root cannot be read or parsed (Flux: ``unable to parse trusted root: ...``)."""


def bundled_trusted_root() -> bytes:
    """The public-good ``trusted_root.json`` shipped with the ``sigstore`` package."""
    from sigstore._utils import read_embedded

    return read_embedded(TRUSTED_ROOT_KEY, PUBLIC_GOOD_TUF_URL)


def read_trusted_root_file(path: str) -> bytes | None:
    """The ``TAGPILOT_SIGSTORE_TRUSTED_ROOT`` file's bytes; ``None`` for "" (the bundled root).

    Raises
    ------
    TrustRootError
        The file cannot be read.
    """
    if not path:
        return None
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise TrustRootError(f"unable to read trusted root '{path}': {exc.strerror}") from None


def load_trusted_root(data: bytes | None = None) -> Any:
    """Parse a ``TrustedRoot`` (``sigstore.models.TrustedRoot``); ``None``: the bundled root.

    Parsed roots are cached by content digest (the production root is parsed once per process).

    Raises
    ------
    TrustRootError
        Not a TrustedRoot document, or one without Fulcio CAs, CT log or Rekor keys.
    """
    raw = bundled_trusted_root() if data is None else data
    return _parse(hashlib.sha256(raw).hexdigest(), raw)


@lru_cache(maxsize=8)
def _parse(_digest: str, raw: bytes) -> Any:
    from sigstore._internal.trust import KeyringPurpose
    from sigstore.errors import Error
    from sigstore.models import TrustedRoot
    from sigstore_models.trustroot import v1

    try:
        root = TrustedRoot(v1.TrustedRoot.from_json(raw))
        # Fail now, not per signature, when a part keyless verification needs is missing.
        root.get_fulcio_certs()
        root.ct_keyring(KeyringPurpose.VERIFY)
        root.rekor_keyring(KeyringPurpose.VERIFY)
    except (Error, ValueError, TypeError) as exc:
        raise TrustRootError(f"unable to parse trusted root: {_first_line(exc)}") from None
    return root


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]

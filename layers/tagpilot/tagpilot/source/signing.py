"""OpenPGP commit signing in-process with pysequoia (no ``gpg`` binary, no keyring on disk).

Flux reads the secret key ``git.asc`` (an armored key ring holding exactly one entity) and an
optional ``passphrase``. A missing, malformed, ambiguous, public-only or locked key is a
:class:`SigningKeyError`, raised when the signer is built, before any Git work.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from tagpilot.source.errors import SigningKeyError

#: Secret keys Flux reads for ``signingKey.type: gpg``.
SIGNING_KEY_KEY = "git.asc"
PASSPHRASE_KEY = "passphrase"  # noqa: S105 (a key name, not a secret)


def _first_line(exc: Exception) -> str:
    # pysequoia errors may carry a Rust backtrace after the first line: keep only the reason.
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class OpenPGPSigner:
    """Produce detached ASCII-armored signatures for the ``gpgsig`` commit header.

    Build it with :meth:`from_armored` or :meth:`from_secret`.
    """

    def __init__(self, signer: Any, fingerprint: str) -> None:
        self._signer = signer
        self.fingerprint = fingerprint

    @classmethod
    def from_armored(cls, key: bytes, passphrase: bytes | None = None) -> OpenPGPSigner:
        """Load one armored OpenPGP secret key, unlocking it with ``passphrase`` if encrypted.

        Parameters
        ----------
        key:
            ASCII-armored (or binary) transferable secret key; exactly one entity.
        passphrase:
            Passphrase of an encrypted key.

        Returns
        -------
        OpenPGPSigner

        Raises
        ------
        SigningKeyError
            Empty or malformed key data, not exactly one entity, no secret key material, an
            encrypted key without (or with a wrong) passphrase.

        Examples
        --------
        >>> key, passphrase = secret["git.asc"], secret.get("passphrase")  # doctest: +SKIP
        >>> signer = OpenPGPSigner.from_armored(key, passphrase)  # doctest: +SKIP
        >>> signer.sign(b"tree ...")[:27]  # doctest: +SKIP
        b'-----BEGIN PGP SIGNATURE-----'
        """
        # Lazy: the Sequoia bindings load a native library only automations that sign need.
        import pysequoia

        if not key or not key.strip():
            raise SigningKeyError("signing key is empty")
        try:
            certs = pysequoia.Cert.split_bytes(key)
        except (RuntimeError, ValueError) as exc:
            raise SigningKeyError(
                f"signing key is not valid OpenPGP data: {_first_line(exc)}"
            ) from None
        if len(certs) != 1:
            raise SigningKeyError(f"signing key must hold exactly one entity, found {len(certs)}")
        with warnings.catch_warnings():
            # pysequoia deprecates secret material on Cert objects, but Cert is the only type
            # that tells a public-only key apart; signing itself goes through Tsk.
            warnings.simplefilter("ignore", DeprecationWarning)
            has_secrets = bool(certs[0].has_secret_keys)
        cert = certs[0]
        if not has_secrets:
            raise SigningKeyError("signing key holds no secret key material (public key only?)")
        password = None
        if passphrase:
            try:
                password = passphrase.decode("utf-8")
            except UnicodeDecodeError:
                raise SigningKeyError("signing key passphrase is not valid UTF-8") from None
        try:
            tsk = pysequoia.Tsk.from_bytes(key)
        except (RuntimeError, ValueError) as exc:
            raise SigningKeyError(f"signing key is unusable: {_first_line(exc)}") from None
        signer = _unlock(tsk, password)
        return cls(signer, str(cert.fingerprint))

    @classmethod
    def from_secret(cls, data: Mapping[str, bytes]) -> OpenPGPSigner:
        """Build a signer from a Flux signing-key secret (``git.asc`` + optional ``passphrase``).

        Raises
        ------
        SigningKeyError
            ``git.asc`` is missing, or :meth:`from_armored` refuses the key.
        """
        key = data.get(SIGNING_KEY_KEY)
        if key is None:
            raise SigningKeyError(f"secret has no {SIGNING_KEY_KEY!r} key")
        return cls.from_armored(key, data.get(PASSPHRASE_KEY))

    def sign(self, payload: bytes) -> bytes:
        """Return a detached ASCII-armored signature of ``payload``."""
        import pysequoia  # lazy, as in from_armored

        signature = pysequoia.sign(self._signer, payload, mode=pysequoia.SignatureMode.DETACHED)
        return bytes(signature)

    def __repr__(self) -> str:
        return f"OpenPGPSigner(fingerprint={self.fingerprint!r})"


def _unlock(tsk: Any, password: str | None) -> Any:
    """Get a signer; like Flux, a passphrase given for an unencrypted key is ignored."""
    try:
        return tsk.signer(password)
    except (RuntimeError, ValueError) as exc:
        reason = _first_line(exc)
    if password is None:
        raise SigningKeyError(f"signing key is encrypted and no passphrase was given ({reason})")
    try:
        return tsk.signer(None)
    except (RuntimeError, ValueError):
        raise SigningKeyError(
            f"cannot unlock the signing key with the passphrase ({reason})"
        ) from None

"""Verified images only (``tagpilot.dev/verify-secret|verify-identities``, ``.../platforms``).

A candidate tag is accepted only when its image has a valid cosign signature (the verifier of
OCIRepository, :mod:`tagpilot.verify.cosign`) made with one of the public keys (``*.pub``
entries) of the ``verify-secret`` Secret, or keyless by an identity of ``verify-identities``
(Fulcio certificate and Rekor bundle checked against the Sigstore trust root, the
``TAGPILOT_SIGSTORE_TRUSTED_ROOT`` setting or sigstore's bundled public-good root), and, with
``platforms``, when it is an image index that contains
every listed platform (``os/arch[/variant]``). The policy's best tag is checked first; a rejected
tag is dropped and the next best is checked, up to :data:`MAX_CHECKS` tags.

Verdicts are remembered per tag and digest in ``status.extensions.verified``, so a later reconcile
costs one ``HEAD`` per checked tag unless the tag now points at another image.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tagpilot.api.extensions import PREFIX, VERIFY_IDENTITIES, VERIFY_SECRET, ExtensionError
from tagpilot.policy.errors import NoCandidateError
from tagpilot.policy.evaluate import Rejection
from tagpilot.registry.content import get_manifest
from tagpilot.registry.errors import RegistryError
from tagpilot.registry.names import ImageName
from tagpilot.verify.cosign import OIDCIdentity, verify_image

__all__ = [
    "MAX_CHECKS",
    "PLATFORMS",
    "VERIFY_IDENTITIES",
    "VERIFY_SECRET",
    "Checker",
    "Requirements",
    "parse_platforms",
    "select_verified",
]
PLATFORMS = PREFIX + "platforms"
MAX_CHECKS = 20


@dataclass(frozen=True)
class Requirements:
    keys: Mapping[str, str] | None  # None: no key signature required
    platforms: tuple[str, ...] = ()
    identities: tuple[OIDCIdentity, ...] | None = None  # None: no keyless signature required
    trusted_root: bytes | None = None  # keyless: None is sigstore's bundled public-good root

    @property
    def signed(self) -> bool:
        return self.keys is not None or self.identities is not None

    @property
    def active(self) -> bool:
        return self.signed or bool(self.platforms)

    @property
    def fingerprint(self) -> str:
        """Changes whenever what is required changes (keys, identities, trust root, platforms)."""
        root = hashlib.sha256(self.trusted_root).hexdigest() if self.trusted_root else None
        doc = [
            sorted((self.keys or {}).items()) if self.keys is not None else None,
            [[i.issuer, i.subject] for i in self.identities or ()]
            if self.identities is not None
            else None,
            root,
            list(self.platforms),
        ]
        return hashlib.sha256(json.dumps(doc).encode()).hexdigest()[:16]


def parse_platforms(annotations: Mapping[str, str]) -> tuple[str, ...]:
    text = annotations.get(PLATFORMS, "")
    platforms = tuple(p.strip() for p in text.split(",") if p.strip())
    for p in platforms:
        if not 2 <= len(p.split("/")) <= 3 or not all(p.split("/")):
            raise ExtensionError(PLATFORMS, f"{p!r} is not os/arch[/variant]")
    return platforms


@dataclass
class Checker:
    """Checks one tag at a time against :class:`Requirements`; remembers verdicts."""

    client: Any  # tagpilot.registry.client.RegistryClient
    image: ImageName
    auth: Any
    timeout: float
    requirements: Requirements
    #: tag -> [digest, ok, reason, requirements fingerprint]
    cache: dict[str, list[Any]] = field(default_factory=dict)

    def check(self, tag: str) -> str | None:
        """``None`` when ``tag`` is acceptable, else why not."""
        try:
            digest = self.client.head_digest(self.image, tag, self.auth, self.timeout)
        except RegistryError as exc:
            return f"cannot read its digest: {exc}"
        cached = self.cache.get(tag)
        fingerprint = self.requirements.fingerprint
        if cached and cached[0] == digest and cached[1] and cached[3:] == [fingerprint]:
            # Verified before under the same requirements; a rejection is checked again (it may
            # be signed now), and so is everything once the keys or identities change.
            return None
        reason = self._verdict(digest)
        self.cache[tag] = [digest, reason is None, reason or "", fingerprint]
        return reason

    def _verdict(self, digest: str) -> str | None:
        if self.requirements.platforms:
            try:
                index = get_manifest(self.client, self.image, digest, self.auth, self.timeout)
            except RegistryError as exc:
                return f"cannot read its manifest: {exc}"
            if not index.is_index:
                return "not an image index: platforms " + ", ".join(self.requirements.platforms)
            present = set()
            for entry in index.body.get("manifests") or []:
                plat = entry.get("platform") or {}
                base = f"{plat.get('os')}/{plat.get('architecture')}"
                present.add(base)
                if plat.get("variant"):
                    present.add(f"{base}/{plat['variant']}")
            missing = [p for p in self.requirements.platforms if p not in present]
            if missing:
                return "image index lacks platform " + ", ".join(missing)
        if self.requirements.signed:
            result = verify_image(
                self.client,
                self.image,
                digest,
                auth=self.auth,
                timeout=self.timeout,
                keys=self.requirements.keys,
                identities=self.requirements.identities,
                trusted_root=self.requirements.trusted_root,
            )
            if not result.verified:
                return f"signature not verified: {result.message}"
        return None


def select_verified(
    tags: Sequence[str], pick: Callable[[Sequence[str]], str], check: Callable[[str], str | None]
) -> tuple[str, list[Rejection]]:
    """The best tag that passes ``check``; the tags rejected on the way, with reasons."""
    remaining = list(tags)
    rejected: list[Rejection] = []
    for _ in range(MAX_CHECKS):
        try:
            if rejected and not remaining:
                raise NoCandidateError("no candidate left")
            best = pick(remaining)
        except NoCandidateError as exc:
            if not rejected:
                raise
            reasons = "; ".join(f"{r.tag}: {r.why}" for r in rejected[:3])
            raise NoCandidateError(f"no verified tag ({reasons})", list(tags), rejected) from exc
        reason = check(best)
        if reason is None:
            return best, rejected
        rejected.append(Rejection(best, reason))
        remaining.remove(best)
    raise NoCandidateError(
        f"no verified tag among the best {MAX_CHECKS} candidates", list(tags), rejected
    )

"""The cosign verifier against docker-registry, with signatures made by the tests."""

from __future__ import annotations

import itertools

import pytest
from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.names import parse_image_reference
from tagpilot.verify.cosign import VerificationResult, signature_tag, verify_image

from tests.support import cosign
from tests.support.registry import TEST_USERS, RegistryServer, push_image

pytestmark = pytest.mark.integration
_n = itertools.count()
INSECURE = RegistryAuth.anonymous(insecure=True)


def _image(server: RegistryServer, **kw: object) -> tuple[str, str]:
    repo = f"signed/app{next(_n)}"
    digest = push_image(server.url, repo, ["v1"], variant=repo, **kw)  # type: ignore[arg-type]
    return repo, digest


def _verify(server: RegistryServer, client, repo: str, digest: str, keys, auth=INSECURE):
    name = parse_image_reference(f"{server.host}/{repo}")
    return verify_image(client, name, digest, auth=auth, timeout=10, keys=keys)


@pytest.mark.parametrize("kind", ["ecdsa", "rsa", "ed25519"])
def test_each_key_type_verifies(registry: RegistryServer, client, kind: str) -> None:
    repo, digest = _image(registry)
    key = cosign.generate(kind)
    cosign.sign_and_push(registry.url, repo, digest, [key], host=registry.host)
    result = _verify(registry, client, repo, digest, {"cosign.pub": key.public_pem})
    assert result == VerificationResult(True, "verified with key 'cosign.pub'", "cosign.pub", 1)


def test_any_pub_key_of_the_secret_suffices(registry: RegistryServer, client) -> None:
    repo, digest = _image(registry)
    signer, other = cosign.generate("ecdsa"), cosign.generate("rsa")
    cosign.sign_and_push(registry.url, repo, digest, [signer], host=registry.host)
    keys = {"a.pub": other.public_pem, "b.pub": signer.public_pem, "notes.txt": "not a key"}
    result = _verify(registry, client, repo, digest, keys)
    assert result.verified and result.key == "b.pub"


def test_wrong_key_unsigned_and_tampered_fail(registry: RegistryServer, client) -> None:
    repo, digest = _image(registry)
    name = f"{registry.host}/{repo}@{digest}"
    signer, stranger = cosign.generate(), cosign.generate()
    unsigned = _verify(registry, client, repo, digest, {"k.pub": signer.public_pem})
    assert unsigned == VerificationResult(False, f"no matching signatures were found for '{name}'")
    cosign.sign_and_push(registry.url, repo, digest, [signer], host=registry.host, tamper=True)
    tampered = _verify(registry, client, repo, digest, {"k.pub": signer.public_pem})
    assert not tampered.verified and tampered.signatures == 1
    cosign.sign_and_push(registry.url, repo, digest, [signer], host=registry.host)
    wrong = _verify(registry, client, repo, digest, {"k.pub": stranger.public_pem})
    assert wrong.message == f"no matching signatures were found for '{name}'"


def test_signature_of_another_digest_is_refused(registry: RegistryServer, client) -> None:
    repo, digest = _image(registry)
    _, other_digest = _image(registry)
    key = cosign.generate()
    # A valid signature whose payload names another artifact, copied under this digest's tag.
    cosign.sign_and_push(
        registry.url, repo, digest, [key], host=registry.host, signed_digest=other_digest
    )
    result = _verify(registry, client, repo, digest, {"k.pub": key.public_pem})
    assert not result.verified
    assert signature_tag(digest) == digest.replace("sha256:", "sha256-") + ".sig"


def test_unparsable_pub_key_aborts(registry: RegistryServer, client) -> None:
    repo, digest = _image(registry)
    key = cosign.generate()
    cosign.sign_and_push(registry.url, repo, digest, [key], host=registry.host)
    result = _verify(registry, client, repo, digest, {"a.pub": "garbage", "b.pub": key.public_pem})
    assert not result.verified
    assert result.message.startswith("failed to load public key 'a.pub': ")
    empty = _verify(registry, client, repo, digest, {"cosign.key": "private"})
    assert empty.message == "no public keys (*.pub) found in the verification secret"


def test_htpasswd_registry_and_registry_errors(auth_registry: RegistryServer, client) -> None:
    user, password = next(iter(TEST_USERS.items()))
    repo, digest = _image(auth_registry, auth=(user, password))
    key = cosign.generate("ed25519")
    cosign.sign_and_push(
        auth_registry.url, repo, digest, [key], host=auth_registry.host, auth=(user, password)
    )
    good = RegistryAuth.with_basic(user, password, insecure=True)
    ok = _verify(auth_registry, client, repo, digest, {"k.pub": key.public_pem}, auth=good)
    assert ok.verified
    denied = _verify(auth_registry, client, repo, digest, {"k.pub": key.public_pem})
    assert not denied.verified
    assert denied.message.startswith(f"failed to fetch signatures for '{auth_registry.host}/")
    assert "UNAUTHORIZED" in denied.message

"""Image name parsing: Flux ``ParseImageReference`` + ggcr v0.21.6 weak validation."""

from __future__ import annotations

import pytest
from tagpilot.registry.errors import ImageURLInvalidError
from tagpilot.registry.names import ImageName, parse_image_reference

pytestmark = pytest.mark.unit

DIGEST = "sha256:" + "e" * 64

# (input, registry, repository) — the canonical name is registry/repository.
GOOD = [
    # Reference §2.5 and IRC TestImageRepositoryReconciler_canonicalImageName.
    ("alpine", "index.docker.io", "library/alpine"),
    ("docker.io/alpine", "index.docker.io", "library/alpine"),
    ("docker.io/library/alpine", "index.docker.io", "library/alpine"),
    ("index.docker.io/alpine", "index.docker.io", "library/alpine"),
    ("library/alpine", "index.docker.io", "library/alpine"),
    ("fluxcd/flux", "index.docker.io", "fluxcd/flux"),
    ("registry-1.docker.io/alpine", "registry-1.docker.io", "alpine"),
    ("ghcr.io/org/app", "ghcr.io", "org/app"),
    ("ghcr.io/org/team/app", "ghcr.io", "org/team/app"),
    ("localhost/app", "index.docker.io", "localhost/app"),
    ("localhost:5000/app", "localhost:5000", "app"),
    ("127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b"),
    ("ghcr.io", "index.docker.io", "library/ghcr.io"),
    ("Example.COM/app", "Example.COM", "app"),
    ("[::1]:5000/app", "[::1]:5000", "app"),
    ("host:/app", "host:", "app"),
    (
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        "team/app",
    ),
    # Weak validation: component grammar is not checked.
    ("ghcr.io//x", "ghcr.io", "/x"),
    ("ghcr.io/app/", "ghcr.io", "app/"),
    ("ghcr.io/-app", "ghcr.io", "-app"),
    ("a_b.c-d", "index.docker.io", "library/a_b.c-d"),
    # ggcr test names (goodStrict/WeakValidationRepositoryNames).
    ("gcr.io/g-convoy/hello-world", "gcr.io", "g-convoy/hello-world"),
    ("gcr.io/google.com/project-id/hello-world", "gcr.io", "google.com/project-id/hello-world"),
    ("us.gcr.io/project-id/sub-repo", "us.gcr.io", "project-id/sub-repo"),
    ("example.text/foo/bar", "example.text", "foo/bar"),
    ("mirror.gcr.io/ubuntu", "mirror.gcr.io", "ubuntu"),
    ("index.docker.io/library/ubuntu", "index.docker.io", "library/ubuntu"),
    ("namespace/pathcomponent/image", "index.docker.io", "namespace/pathcomponent/image"),
    ("ubuntu", "index.docker.io", "library/ubuntu"),
    ("localhost/testimage", "index.docker.io", "localhost/testimage"),
    ("r" * 255, "index.docker.io", "library/" + "r" * 255),
]


@pytest.mark.parametrize(("image", "registry", "repository"), GOOD)
def test_parse_valid(image: str, registry: str, repository: str) -> None:
    name = parse_image_reference(image)
    assert name == ImageName(image=image, registry=registry, repository=repository)
    assert name.canonical == f"{registry}/{repository}"


BAD = [
    # Scheme: the text before the first '://'.
    (
        "https://ghcr.io/org/app",
        "image 'https://ghcr.io/org/app' should not include URL scheme; remove 'https://'",
    ),
    ("oci://x", "image 'oci://x' should not include URL scheme; remove 'oci://'"),
    ("ghcr.io/a://b", "image 'ghcr.io/a://b' should not include URL scheme; remove 'ghcr.io/a://'"),
    # Tags and digests: the text between the first and the second ':' after the registry.
    ("alpine:3.18", "image 'alpine:3.18' should not include a tag; remove ':3.18'"),
    ("ghcr.io/org/app:v1", "image 'ghcr.io/org/app:v1' should not include a tag; remove ':v1'"),
    ("alpine:", "image 'alpine:' should not include a tag; remove ':'"),
    (
        "localhost:5000/app:Latest",
        "image 'localhost:5000/app:Latest' should not include a tag; remove ':Latest'",
    ),
    (
        f"ghcr.io/a/b@{DIGEST}",
        f"image 'ghcr.io/a/b@{DIGEST}' should not include a tag; remove ':{'e' * 64}'",
    ),
    (
        f"alpine:3@{DIGEST}",
        f"image 'alpine:3@{DIGEST}' should not include a tag; remove ':3@sha256'",
    ),
    ("example.com:5000", "image 'example.com:5000' should not include a tag; remove ':5000'"),
    ("localhost:5000", "image 'localhost:5000' should not include a tag; remove ':5000'"),
    # Parse failures.
    ("", "could not parse reference: "),
    ("a", "could not parse reference: a"),
    ("Alpine", "could not parse reference: Alpine"),
    ("ghcr.io/Org/app", "could not parse reference: ghcr.io/Org/app"),
    ("white space", "could not parse reference: white space"),
    ("b@char/image", "could not parse reference: b@char/image"),
    ("ghcr.io/a/b:bad$tag", "could not parse reference: ghcr.io/a/b:bad$tag"),
    ("ghcr.io/a/b:" + "t" * 128, "could not parse reference: ghcr.io/a/b:" + "t" * 128),
    ("r" * 256, "could not parse reference: " + "r" * 256),
    ("host:port/app", "could not parse reference: host:port/app"),
    ("bad%host.io/app", "could not parse reference: bad%host.io/app"),
    ("bad host.io/app", "could not parse reference: bad host.io/app"),
    ("user@host.io/app", "could not parse reference: user@host.io/app"),
    ("[::1/app", "could not parse reference: [::1/app"),
    ("ghcr.io/a/b@sha256:abc", "could not parse reference: ghcr.io/a/b@sha256:abc"),
    (f"a@b@{DIGEST}", f"could not parse reference: a@b@{DIGEST}"),
]


@pytest.mark.parametrize(("image", "message"), BAD)
def test_parse_invalid(image: str, message: str) -> None:
    with pytest.raises(ImageURLInvalidError) as info:
        parse_image_reference(image)
    assert str(info.value) == message
    assert info.value.reason == "invalid image"


@pytest.mark.parametrize(
    ("insecure", "expected"),
    [(False, "https://localhost:5000"), (True, "http://localhost:5000")],
)
def test_scheme_is_http_only_when_insecure(insecure: bool, expected: str) -> None:
    # ggcr would use http for localhost without the flag; tagpilot does not (hardening).
    name = parse_image_reference("localhost:5000/app")
    assert name.base_url(insecure) == expected
    assert name.api_host == "localhost:5000"


def test_docker_hub_api_host_is_index_docker_io() -> None:
    assert parse_image_reference("alpine").base_url(False) == "https://index.docker.io"

"""The registry client against the paginating test server: pages, deadlines, error mapping."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator

import pytest
import requests
from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.client import MANIFEST_MEDIA_TYPES, RegistryClient
from tagpilot.registry.errors import (
    ForbiddenError,
    MalformedResponseError,
    ManifestNotFoundError,
    RateLimitedError,
    RegistryConnectionError,
    RegistryServerError,
    RegistryTimeoutError,
    RepositoryNotFoundError,
    UnauthorizedError,
)
from tagpilot.registry.names import ImageName, parse_image_reference

from tests.support.pagingregistry import Fault, PagingRegistry
from tests.support.registry import free_port
from tests.support.tokenissuer import TokenIssuer

pytestmark = pytest.mark.integration

ANON = RegistryAuth.anonymous(insecure=True)
TAGS = [f"1.{i // 100}.{i % 100}" for i in range(2500)]
MANIFEST = json.dumps(
    {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}
).encode()


@pytest.fixture
def paging() -> Iterator[PagingRegistry]:
    with PagingRegistry(
        {"team/app": TAGS, "small/app": ["a", "b", "c"]}, page_size=100, manifests={"v1": MANIFEST}
    ) as server:
        yield server


@pytest.fixture
def client() -> Iterator[RegistryClient]:
    with requests.Session() as session:
        yield RegistryClient(session)


def _name(server: PagingRegistry, repo: str = "team/app") -> ImageName:
    return parse_image_reference(f"{server.host}/{repo}")


@pytest.mark.parametrize("link", ["relative", "absolute"])
def test_pagination_to_the_end(client: RegistryClient, link: str) -> None:
    with PagingRegistry({"team/app": TAGS}, page_size=100, link=link) as server:
        tags = client.list_tags(_name(server), ANON, 30)
        assert tags == sorted(TAGS)
        assert server.count("/tags/list") == 25
        first = next(r.path for r in server.requests if "/tags/list" in r.path)
        assert first == "/v2/team/app/tags/list?n=1000"


def test_page_size_is_configurable(paging: PagingRegistry) -> None:
    with requests.Session() as session:
        client = RegistryClient(session, page_size=50)
        assert len(client.list_tags(_name(paging), ANON, 30)) == 2500
    assert paging.count("/tags/list") == 50


def test_bearer_token_fetched_once_for_all_pages() -> None:
    with (
        TokenIssuer() as issuer,
        PagingRegistry({"team/app": TAGS}, issuer=issuer) as server,
        requests.Session() as session,
    ):
        client = RegistryClient(session)
        assert len(client.list_tags(_name(server), ANON, 30)) == 2500
        assert issuer.hits == 1
        pages = [r for r in server.requests if "/tags/list" in r.path]
        assert len(pages) == 26  # one 401 challenge + 25 pages
        assert all(r.headers.get("Authorization", "").startswith("Bearer ") for r in pages[1:])
        # The next scan sends the cached token straight away: no 401, no token request.
        assert len(client.list_tags(_name(server), ANON, 30)) == 2500
        assert issuer.hits == 1
        assert server.count("/tags/list") == 26 + 25


def test_expired_token_is_refreshed_once() -> None:
    with (
        TokenIssuer(omit_expires_in=True) as issuer,
        PagingRegistry({"a/b": ["x"]}, issuer=issuer) as server,
    ):
        now = [1000.0]
        with requests.Session() as session:
            client = RegistryClient(session, clock=lambda: now[0])
            client.list_tags(_name(server, "a/b"), ANON, 30)
            now[0] += 54  # default expires_in 60 s minus the 5 s margin
            client.list_tags(_name(server, "a/b"), ANON, 30)
            assert issuer.hits == 1
            now[0] += 2
            client.list_tags(_name(server, "a/b"), ANON, 30)
            assert issuer.hits == 2


def test_basic_challenge(client: RegistryClient) -> None:
    with PagingRegistry({"a/b": ["x"]}, basic=("user", "pw")) as server:
        auth = RegistryAuth.with_basic("user", "pw", insecure=True)
        assert client.list_tags(_name(server, "a/b"), auth, 10) == ["x"]
        assert client.list_tags(_name(server, "a/b"), auth, 10) == ["x"]
        # Second call: Basic sent pre-emptively from the cached challenge.
        assert server.count("/tags/list") == 3
        with pytest.raises(UnauthorizedError) as info:
            client.list_tags(_name(server, "a/b"), ANON, 10)
        assert info.value.codes == ("UNAUTHORIZED",)
        with pytest.raises(UnauthorizedError):
            client.list_tags(
                _name(server, "a/b"), RegistryAuth.with_basic("user", "bad", insecure=True), 10
            )


def test_next_link_to_another_origin_gets_no_credentials(client: RegistryClient) -> None:
    with (
        PagingRegistry({"a/b": ["z"]}) as other,
        PagingRegistry({"a/b": ["x"]}, basic=("u", "p")) as main,
    ):
        main.inject(
            Fault(
                status=200,
                path="/tags/list",
                skip=1,
                times=1,
                body=json.dumps({"name": "a/b", "tags": ["x"]}).encode(),
                headers={"Link": f'<{other.url}/v2/a/b/tags/list>; rel="next"'},
            )
        )
        auth = RegistryAuth.with_basic("u", "p", insecure=True)
        assert client.list_tags(_name(main, "a/b"), auth, 10) == ["x", "z"]
        assert "Authorization" not in other.requests[0].headers


@pytest.mark.parametrize(
    ("fault", "error", "status"),
    [
        (Fault(status=401), UnauthorizedError, 401),
        (
            Fault(
                status=403,
                body=b'{"errors":[{"code":"DENIED","message":"requested access denied"}]}',
            ),
            ForbiddenError,
            403,
        ),
        (
            Fault(
                status=404,
                body=b'{"errors":[{"code":"NAME_UNKNOWN","message":"repository unknown"}]}',
            ),
            RepositoryNotFoundError,
            404,
        ),
        (Fault(status=500, body=b"internal"), RegistryServerError, 500),
        (Fault(status=503), RegistryServerError, 503),
        (
            Fault(
                status=400,
                body=b'{"errors":[{"code":"PAGINATION_NUMBER_INVALID","message":"bad n"}]}',
            ),
            None,
            400,
        ),
    ],
)
def test_status_mapping(
    paging: PagingRegistry,
    client: RegistryClient,
    fault: Fault,
    error: type[Exception] | None,
    status: int,
) -> None:
    paging.inject(fault)
    from tagpilot.registry.errors import RegistryError

    with pytest.raises(error or RegistryError) as info:
        client.list_tags(_name(paging), ANON, 10)
    assert info.value.status == status
    assert str(info.value).startswith(f"GET {paging.url}/v2/team/app/tags/list?n=1000: ")
    if fault.body.startswith(b"{"):
        code = json.loads(fault.body)["errors"][0]["code"]
        assert info.value.codes == (code,)
        assert f"{code}: " in str(info.value)


def test_error_messages(paging: PagingRegistry, client: RegistryClient) -> None:
    paging.inject(Fault(status=503, times=1))
    with pytest.raises(RegistryServerError) as info:
        client.list_tags(_name(paging), ANON, 10)
    assert str(info.value).endswith(": unexpected status code 503 Service Unavailable")
    two = {"errors": [{"code": "A", "message": "one"}, {"code": "B", "message": "two"}]}
    paging.inject(Fault(status=500, body=json.dumps(two).encode(), times=1))
    with pytest.raises(RegistryServerError) as info:
        client.list_tags(_name(paging), ANON, 10)
    assert str(info.value).endswith(": multiple errors returned: A: one; B: two")
    assert info.value.codes == ("A", "B")


def test_unknown_repository(paging: PagingRegistry, client: RegistryClient) -> None:
    with pytest.raises(RepositoryNotFoundError) as info:
        client.list_tags(_name(paging, "nope/app"), ANON, 10)
    assert info.value.reason == "repository not found"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({}, None),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
    ],
)
def test_rate_limited(
    paging: PagingRegistry, client: RegistryClient, header: dict[str, str], expected: float | None
) -> None:
    body = b'{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}'
    paging.inject(Fault(status=429, headers=header, body=body, skip=3))
    with pytest.raises(RateLimitedError) as info:
        client.list_tags(_name(paging), ANON, 10)
    assert info.value.retry_after == expected
    assert info.value.codes == ("TOOMANYREQUESTS",)
    assert paging.count("/tags/list") == 4  # failed on the fourth page


def test_read_timeout(paging: PagingRegistry, client: RegistryClient) -> None:
    # The third page would come after 10 s; a 1 s budget must end the listing long before.
    paging.inject(Fault(status=0, delay=10, skip=2, times=1))
    start = time.monotonic()
    with pytest.raises(RegistryTimeoutError):
        client.list_tags(_name(paging), ANON, 1.0)
    assert time.monotonic() - start < 10.0


def test_overall_deadline_spans_pages(paging: PagingRegistry, client: RegistryClient) -> None:
    # Every page is quick enough alone (0.15 s), but 25 pages blow the 1 s budget.
    paging.inject(Fault(status=0, delay=0.15))
    with pytest.raises(RegistryTimeoutError) as info:
        client.list_tags(_name(paging), ANON, 1.0)
    assert info.value.reason == "timeout"
    # However slow the machine, the listing stopped before its 25 pages (each slept 0.15 s, so at
    # most 1 / 0.15 + 1 were requested); no wall-clock bound, which would flake on 2 busy cores.
    assert 1 <= paging.count("/tags/list") <= 8


@pytest.mark.parametrize(
    "body",
    [b"not json", b'["a"]', b'{"tags": "a"}', b'{"tags": [1, 2]}'],
)
def test_malformed_tag_list(paging: PagingRegistry, client: RegistryClient, body: bytes) -> None:
    paging.inject(Fault(status=200, body=body))
    with pytest.raises(MalformedResponseError):
        client.list_tags(_name(paging), ANON, 10)


@pytest.mark.parametrize(
    ("body", "tags"), [(b'{"name": "x", "tags": null}', []), (b'{"name": "x"}', [])]
)
def test_null_tags(
    paging: PagingRegistry, client: RegistryClient, body: bytes, tags: list[str]
) -> None:
    paging.inject(Fault(status=200, body=body))
    assert client.list_tags(_name(paging), ANON, 10) == tags


def test_pagination_loop_is_detected(paging: PagingRegistry, client: RegistryClient) -> None:
    loop = {"Link": '</v2/team/app/tags/list?n=1000>; rel="next"'}
    paging.inject(Fault(status=200, body=b'{"tags": ["a"]}', headers=loop))
    with pytest.raises(MalformedResponseError, match="pagination loops"):
        client.list_tags(_name(paging), ANON, 10)


def test_connection_refused(client: RegistryClient) -> None:
    name = parse_image_reference(f"127.0.0.1:{free_port()}/a/b")
    with pytest.raises(RegistryConnectionError) as info:
        client.list_tags(name, ANON, 5)
    assert "connection refused" in str(info.value)


def test_head_digest_uses_header_and_accepts_all_manifest_types(
    paging: PagingRegistry, client: RegistryClient
) -> None:
    digest = client.head_digest(_name(paging), "v1", ANON, 10)
    assert digest == "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
    (head,) = [r for r in paging.requests if r.method == "HEAD"]
    accepted = [part.strip() for part in head.headers["Accept"].split(",")]
    assert accepted == list(MANIFEST_MEDIA_TYPES)
    assert paging.count("/manifests/", "GET") == 0
    with pytest.raises(ManifestNotFoundError):
        client.head_digest(_name(paging), "v2", ANON, 10)


def test_head_digest_falls_back_to_hashing_the_body(client: RegistryClient) -> None:
    with PagingRegistry(
        {"a/b": ["v1"]}, manifests={"v1": MANIFEST}, omit_digest_header=True
    ) as server:
        digest = client.head_digest(_name(server, "a/b"), "v1", ANON, 10)
        assert digest == "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
        assert server.count("/manifests/v1", "GET") == 1


def test_head_digest_rejects_bad_header(paging: PagingRegistry, client: RegistryClient) -> None:
    paging.inject(
        Fault(status=200, headers={"Docker-Content-Digest": "md5 nope"}, path="/manifests/")
    )
    with pytest.raises(MalformedResponseError):
        client.head_digest(_name(paging), "v1", ANON, 10)

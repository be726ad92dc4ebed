"""Provider ``aws``: ECR tokens from moto, sent as Basic auth to a local registry."""

from __future__ import annotations

import base64
import datetime
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws
from requests.adapters import HTTPAdapter
from tagpilot.registry.auth import RegistryAuth
from tagpilot.registry.client import RegistryClient
from tagpilot.registry.ecr import EcrCredentialProvider
from tagpilot.registry.errors import AuthConfigError
from tagpilot.registry.names import parse_image_reference

from tests.support.pagingregistry import PagingRegistry

pytestmark = pytest.mark.integration

ECR_HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
# moto's tokens expire at 2015-01-01T00:00:00Z; run the provider's clock an hour earlier.
BEFORE_EXPIRY = datetime.datetime(2014, 12, 31, 23, 0, tzinfo=datetime.UTC).timestamp()


class _CountingEcr:
    """Wraps a boto3 ECR client and counts ``get_authorization_token`` calls."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.meta = client.meta
        self.calls = 0

    def get_authorization_token(self, **kwargs: Any) -> Any:
        self.calls += 1
        return self.client.get_authorization_token(**kwargs)


class _Reroute(HTTPAdapter):
    """Sends requests for the ECR host to the local test server instead (test-only DNS)."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        assert request.url is not None
        request.url = request.url.replace(f"http://{ECR_HOST}", self.target, 1)
        return super().send(request, **kwargs)


@pytest.fixture
def ecr() -> Iterator[_CountingEcr]:
    with mock_aws():
        yield _CountingEcr(boto3.client("ecr", region_name="us-east-1"))


def _password(ecr: _CountingEcr) -> str:
    token = ecr.client.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    user, _, password = base64.b64decode(token).decode().partition(":")
    assert user == "AWS"
    return password


def test_ecr_token_is_fetched_once_and_sent_as_basic(ecr: _CountingEcr) -> None:
    clock = [BEFORE_EXPIRY]
    provider = EcrCredentialProvider(ecr, clock=lambda: clock[0])
    with (
        PagingRegistry({"team/app": ["v1", "v2"]}, basic=("AWS", _password(ecr))) as server,
        requests.Session() as session,
    ):
        session.mount(f"http://{ECR_HOST}/", _Reroute(server.url))
        client = RegistryClient(session)
        name = parse_image_reference(f"{ECR_HOST}/team/app")
        auth = RegistryAuth.aws(provider, insecure=True)

        assert client.list_tags(name, auth, 10) == ["v1", "v2"]
        assert client.list_tags(name, auth, 10) == ["v1", "v2"]
        assert ecr.calls == 1
        sent = [r.headers.get("Authorization", "") for r in server.requests]
        assert sent[0] == ""  # first request anonymous, answered with a Basic challenge
        assert all(value.startswith("Basic ") for value in sent[1:])

        clock[0] += 3600 - 300  # within the refresh margin before expiresAt
        assert client.list_tags(name, auth, 10) == ["v1", "v2"]
        assert ecr.calls == 2


def test_non_ecr_host_is_refused(ecr: _CountingEcr) -> None:
    provider = EcrCredentialProvider(ecr)
    with (
        requests.Session() as session,
        pytest.raises(AuthConfigError, match="invalid ECR registry host"),
    ):
        RegistryClient(session).list_tags(
            parse_image_reference("ghcr.io/a/b"), RegistryAuth.aws(provider), 10
        )
    assert ecr.calls == 0


def test_other_regions_need_a_client_factory(ecr: _CountingEcr) -> None:
    other = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    with pytest.raises(AuthConfigError, match="no ECR client configured for region 'eu-west-1'"):
        EcrCredentialProvider(ecr).credentials(other)
    regions: list[str] = []

    def factory(region: str) -> Any:
        regions.append(region)
        return boto3.client("ecr", region_name=region)

    creds = EcrCredentialProvider(ecr, client_factory=factory).credentials(other)
    assert creds.username == "AWS"
    assert regions == ["eu-west-1"]


def test_ecr_api_errors_become_auth_config_errors() -> None:
    class Failing:
        class meta:  # noqa: N801
            region_name = "us-east-1"

        def get_authorization_token(self) -> Any:
            from botocore.exceptions import ClientError

            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "no"}},
                "GetAuthorizationToken",
            )

    with pytest.raises(AuthConfigError, match="AccessDeniedException"):
        EcrCredentialProvider(Failing()).credentials(ECR_HOST)

"""Real docker-registry instances (plain, htpasswd, TLS, client-cert TLS, token auth)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from tagpilot.registry.client import RegistryClient

from tests.support.certs import TestPKI, generate_pki
from tests.support.registry import TEST_USERS, RegistryServer
from tests.support.tokenissuer import TokenIssuer

USERS = TEST_USERS


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    return generate_pki()


@pytest.fixture(scope="session")
def plain_registry() -> Iterator[RegistryServer]:
    with RegistryServer() as server:
        yield server


@pytest.fixture(scope="session")
def htpasswd_registry() -> Iterator[RegistryServer]:
    with RegistryServer(htpasswd=USERS) as server:
        yield server


@pytest.fixture(scope="session")
def tls_registry(pki: TestPKI) -> Iterator[RegistryServer]:
    with RegistryServer(tls=pki) as server:
        yield server


@pytest.fixture(scope="session")
def mtls_registry(pki: TestPKI) -> Iterator[RegistryServer]:
    with RegistryServer(tls=pki, require_client_cert=True) as server:
        yield server


@pytest.fixture(scope="session")
def token_issuer() -> Iterator[TokenIssuer]:
    with TokenIssuer(users=USERS) as issuer:
        yield issuer


@pytest.fixture(scope="session")
def token_registry(token_issuer: TokenIssuer) -> Iterator[RegistryServer]:
    with RegistryServer(token=token_issuer) as server:
        yield server


@pytest.fixture
def client() -> Iterator[RegistryClient]:
    with requests.Session() as session:
        yield RegistryClient(session)

"""Registries for the OCIRepository tests: plain, htpasswd and TLS docker-registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from tagpilot.registry.client import RegistryClient

from tests.support.certs import TestPKI, generate_pki
from tests.support.registry import TEST_USERS, RegistryServer


@pytest.fixture(scope="module")
def oci_pki() -> TestPKI:
    return generate_pki()


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServer]:
    with RegistryServer() as server:
        yield server


@pytest.fixture(scope="module")
def auth_registry() -> Iterator[RegistryServer]:
    with RegistryServer(htpasswd=TEST_USERS) as server:
        yield server


@pytest.fixture(scope="module")
def tls_registry(oci_pki: TestPKI) -> Iterator[RegistryServer]:
    with RegistryServer(tls=oci_pki) as server:
        yield server


@pytest.fixture
def client() -> Iterator[RegistryClient]:
    with requests.Session() as session:
        yield RegistryClient(session)

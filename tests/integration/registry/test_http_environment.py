"""The runtime's HTTP sessions read the environment once (``tagpilot.httpenv``) and still honour
it: a CA bundle variable against the TLS docker-registry, a proxy variable against a recording
proxy, a netrc file by keeping ``requests``' per-request reading."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import requests
from tagpilot.httpenv import per_request, prepared

from tests.support.certs import TestPKI
from tests.support.recording import recording_server
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration


LINUX = pytest.mark.skipif(sys.platform != "linux", reason="system proxy settings elsewhere")


@LINUX
def test_no_proxy_and_no_netrc_stops_the_per_request_reading(tmp_path: Path) -> None:
    session = prepared(requests.Session(), {"HOME": str(tmp_path), "PATH": "/usr/bin"})
    assert session.trust_env is False and session.verify is True


@pytest.mark.parametrize(
    "env",
    [
        {"HTTPS_PROXY": "http://proxy:3128"},
        {"http_proxy": "http://proxy:3128"},
        {"NO_PROXY": "example.com"},
        {"ALL_PROXY": "socks5://proxy:1080"},
        {"NETRC": "/etc/netrc"},
    ],
)
def test_proxy_and_netrc_variables_keep_it(env: dict[str, str]) -> None:
    assert per_request(env)
    assert prepared(requests.Session(), env).trust_env is True


@LINUX
def test_a_netrc_file_keeps_it(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    assert not per_request(env)
    (tmp_path / ".netrc").write_text("machine registry.example login u password p\n")
    assert per_request(env)


@LINUX
def test_a_ca_bundle_variable_is_read_once_and_verifies(
    tls_registry: RegistryServer, pki: TestPKI, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(pki.ca.cert_pem)
    url = f"https://{tls_registry.host}/v2/"
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        with prepared(requests.Session(), {variable: str(bundle)}) as session:
            assert session.trust_env is False and session.verify == str(bundle)
            assert session.get(url, timeout=10).status_code == 200
    with (
        prepared(requests.Session(), {}) as session,
        pytest.raises(requests.exceptions.SSLError),
    ):
        session.get(url, timeout=10)


def test_an_environment_proxy_still_carries_the_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    with recording_server(answers={"": (200, b"{}")}) as proxy:
        for name in [k for k in os.environ if k.lower().endswith("_proxy")]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with prepared(requests.Session()) as session:
            assert session.trust_env is True
            assert session.get("http://registry.invalid/v2/", timeout=10).status_code == 200
        (seen,) = proxy.wait_for(1)
        assert seen.path == "http://registry.invalid/v2/"  # the absolute form: a proxy request

"""The local stack's embedded Secrets Manager endpoint, driven by boto3 (an independent client
speaking the real JSON protocol) and by raw requests for what boto3 would never send."""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from tagpilot.local.secretsmanager import make_server

pytestmark = pytest.mark.integration

KEY = "TPLOCALTESTKEY0001"


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    vault = tmp_path / "secrets.json"
    server = make_server(vault, KEY)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", vault
    finally:
        server.shutdown()
        server.server_close()


def client(url: str, key: str = KEY) -> Any:
    return boto3.client(
        "secretsmanager",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key="anything",  # noqa: S106 - the endpoint checks the key id only
    )


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_secret_lifecycle_through_boto3(endpoint: tuple[str, Path]) -> None:
    url, vault = endpoint
    sm = client(url)
    created = sm.create_secret(Name="tagpilot/local/apps/token", SecretString='{"token": "a"}')
    assert created["Name"] == "tagpilot/local/apps/token"
    assert created["ARN"].endswith(":secret:tagpilot/local/apps/token")
    sm.create_secret(Name="other/x", SecretString="y")
    value = sm.get_secret_value(SecretId="tagpilot/local/apps/token")
    assert json.loads(value["SecretString"]) == {"token": "a"}
    sm.put_secret_value(SecretId="tagpilot/local/apps/token", SecretString='{"token": "b"}')
    assert sm.get_secret_value(SecretId="tagpilot/local/apps/token")["SecretString"] == (
        '{"token": "b"}'
    )
    listed = sm.list_secrets(Filters=[{"Key": "name", "Values": ["tagpilot/local/"]}])
    assert [s["Name"] for s in listed["SecretList"]] == ["tagpilot/local/apps/token"]
    assert sorted(s["Name"] for s in sm.list_secrets()["SecretList"]) == [
        "other/x",
        "tagpilot/local/apps/token",
    ]
    # Persisted, owner-only, and gone once deleted.
    assert json.loads(vault.read_text())["other/x"] == "y"
    assert stat.S_IMODE(vault.stat().st_mode) == 0o600
    sm.delete_secret(SecretId="other/x")
    assert "other/x" not in json.loads(vault.read_text())


def test_errors_are_the_service_errors(endpoint: tuple[str, Path]) -> None:
    url, _vault = endpoint
    sm = client(url)
    sm.create_secret(Name="s", SecretString="1")
    with pytest.raises(ClientError) as exists:
        sm.create_secret(Name="s", SecretString="2")
    assert code(exists) == "ResourceExistsException"
    for call in (
        lambda: sm.get_secret_value(SecretId="missing"),
        lambda: sm.put_secret_value(SecretId="missing", SecretString="x"),
        lambda: sm.delete_secret(SecretId="missing"),
    ):
        with pytest.raises(ClientError) as missing:
            call()
        assert code(missing) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as foreign:
        client(url, key="AKIASOMEONEELSE").get_secret_value(SecretId="s")
    assert code(foreign) == "UnrecognizedClientException"
    assert foreign.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def raw(url: str, target: str, body: bytes, key: str = KEY) -> requests.Response:
    headers = {
        "X-Amz-Target": target,
        "Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/x/aws4_request",
        "Content-Type": "application/x-amz-json-1.1",
    }
    return requests.post(url, data=body, headers=headers, timeout=10)


@pytest.mark.parametrize(
    ("target", "body", "status", "error"),
    [
        ("secretsmanager.GetSecretValue", b"{not json", 400, "SerializationException"),
        ("secretsmanager.GetSecretValue", b"{}", 400, "InvalidParameterException"),
        ("secretsmanager.RotateSecret", b'{"SecretId": "s"}', 400, "InvalidAction"),
        ("dynamodb.GetItem", b"{}", 400, "InvalidAction"),
    ],
)
def test_requests_boto3_would_not_send(
    endpoint: tuple[str, Path], target: str, body: bytes, status: int, error: str
) -> None:
    url, _vault = endpoint
    client(url).create_secret(Name="s", SecretString="1")
    answer = raw(url, target, body)
    assert answer.status_code == status
    assert answer.json()["__type"] == error
    unsigned = requests.post(url, data=b"{}", headers={"X-Amz-Target": target}, timeout=10)
    assert unsigned.status_code == 403

"""ECR registry host parsing (provider ``aws``)."""

from __future__ import annotations

import pytest
from tagpilot.registry.ecr import parse_ecr_host
from tagpilot.registry.errors import AuthConfigError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("host", "account", "region"),
    [
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com", "123456789012", "us-east-1"),
        ("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "123456789012", "us-gov-west-1"),
        ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "123456789012", "cn-north-1"),
        ("123456789012.dkr-ecr.eu-west-1.amazonaws.com", "123456789012", "eu-west-1"),
        ("123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", "123456789012", "us-iso-east-1"),
    ],
)
def test_parse_ecr_host(host: str, account: str, region: str) -> None:
    assert parse_ecr_host(host) == (account, region)


@pytest.mark.parametrize(
    "host",
    [
        "ghcr.io",
        "12345678901.dkr.ecr.us-east-1.amazonaws.com",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com:443",
        "public.ecr.aws",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.io",
    ],
)
def test_parse_ecr_host_rejects(host: str) -> None:
    with pytest.raises(AuthConfigError):
        parse_ecr_host(host)

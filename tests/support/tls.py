"""A throw-away certificate authority and server certificate for the Git test server.

Built on :func:`tests.support.certs.generate_pki`, whose certificates carry the key identifier
extensions Python 3.13's strict X.509 verification requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support.certs import generate_pki


@dataclass(frozen=True)
class TestCertificates:
    __test__ = False  # not a pytest test class

    ca_pem: bytes
    cert_file: Path
    key_file: Path


def make_certificates(directory: Path, host: str = "127.0.0.1") -> TestCertificates:
    """Create a CA and a server certificate for 127.0.0.1 and ``localhost``."""
    if host != "127.0.0.1":
        raise ValueError("the test PKI issues server certificates for 127.0.0.1 only")
    pki = generate_pki()
    cert_file, key_file = pki.server.write(directory, "server")
    return TestCertificates(ca_pem=pki.ca.cert_pem, cert_file=cert_file, key_file=key_file)

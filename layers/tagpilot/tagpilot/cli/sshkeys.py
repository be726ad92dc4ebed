"""SSH material for ``create secret git`` with an ``ssh://`` URL: a deploy key (generated with
flux's algorithms or read from ``--private-key-file``) and the server's host key for
``known_hosts``, scanned from the URL's host as flux does."""

from __future__ import annotations

import argparse
from urllib.parse import urlparse

from tagpilot.cli.common import CliError


def private_key(args: argparse.Namespace) -> tuple[str, str]:
    """``(identity, identity.pub)`` in OpenSSH formats."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if args.private_key_file:
        try:
            with open(args.private_key_file, "rb") as handle:
                raw = handle.read()
            password = args.password.encode() if args.password else None
            key = serialization.load_ssh_private_key(raw, password)
        except (OSError, ValueError) as exc:
            raise CliError(f"failed to load private key: {exc}") from exc
        identity = raw.decode()
    else:
        algorithm = args.ssh_key_algorithm
        if algorithm == "rsa":
            if args.ssh_rsa_bits < 1024 or args.ssh_rsa_bits % 8:
                raise CliError("RSA key bits must be at least 1024 and a multiple of 8")
            key = rsa.generate_private_key(public_exponent=65537, key_size=args.ssh_rsa_bits)
        elif algorithm == "ecdsa":
            curves = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1(), "p521": ec.SECP521R1()}
            if args.ssh_ecdsa_curve not in curves:
                raise CliError(f"unsupported curve {args.ssh_ecdsa_curve!r}: p256, p384 or p521")
            key = ec.generate_private_key(curves[args.ssh_ecdsa_curve])
        elif algorithm == "ed25519":
            key = ed25519.Ed25519PrivateKey.generate()
        else:
            raise CliError(f"unsupported SSH key algorithm {algorithm!r}: rsa, ecdsa or ed25519")
        identity = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return identity, public + "\n"


def known_hosts_for(url: str, timeout: float = 10.0) -> str:
    """The host key of the URL's server as a ``known_hosts`` line (``[host]:port`` off port 22)."""
    import socket

    import paramiko

    parsed = urlparse(url)
    host, port = parsed.hostname or "", parsed.port or 22
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise CliError(f"failed to scan the host key of {host}:{port}: {exc}") from exc
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
    except (paramiko.SSHException, OSError) as exc:
        raise CliError(f"failed to scan the host key of {host}:{port}: {exc}") from exc
    finally:
        transport.close()
    name = host if port == 22 else f"[{host}]:{port}"
    return f"{name} {key.get_name()} {key.get_base64()}\n"

"""Provider (``notification.toolkit.fluxcd.io/v1beta3``, v1beta2 read alike): schema, secrets.

:func:`validate_spec` refuses unsupported types at apply, naming the supported ones.
:func:`resolve` reads the Provider's Secrets (``secretRef``, ``certSecretRef``,
``proxySecretRef``) into a :class:`ProviderConfig`, with NC's precedence rules (section 3.2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from tagpilot.api.provider import COMMIT_STATUS_TYPES, MAX_ADDRESS, ProviderSpec
from tagpilot.notify.providers.base import PermanentError, ProviderConfig


def timeout_of(spec: Mapping[str, Any]) -> float:
    """The Provider's ``timeout`` in seconds (NC's default when absent or unparsable)."""
    return ProviderSpec.from_dict(spec).timeout


SecretReader = Callable[[str, str], "dict[str, str]"]


def resolve(
    namespace: str,
    name: str,
    uid: str,
    spec: Mapping[str, Any],
    read_secret: SecretReader,
    **extra: Any,
) -> ProviderConfig:
    """The Provider with its Secrets applied (NC ``createNotifier`` + ``extractAuthFromSecret``).

    Raises
    ------
    PermanentError
        A Secret is missing or holds an invalid value (the message names it, never its value).
    """
    typed = ProviderSpec.from_dict(spec)
    address, username, proxy = typed.address, typed.username, typed.proxy
    token = password = ""
    headers: dict[str, str] = {}
    tls: dict[str, str] = {}
    secret_name = typed.secret_name
    if secret_name:
        data = _read(read_secret, namespace, secret_name)
        if "address" in data:
            address = data["address"].strip()
            if len(address) > MAX_ADDRESS:
                raise PermanentError(
                    "invalid address in secret: address exceeds maximum length of 2048 bytes"
                )
        has_user, has_pass = "username" in data, "password" in data
        if has_user != has_pass:
            pass  # NC: an incomplete basic pair makes the secret's auth unreadable: none applied
        else:
            token = data.get("token", "")
            if has_user:
                username, password = data["username"], data["password"]
        if "headers" in data:
            headers = _headers(data["headers"])
        if data.get("proxy"):
            proxy = data["proxy"].strip()
        tls = {k: data[k] for k in ("ca.crt", "tls.crt", "tls.key") if k in data}
    cert_name = typed.cert_secret_name
    if cert_name:
        data = _read(read_secret, namespace, cert_name)
        tls = {
            "ca.crt": data.get("ca.crt") or data.get("caFile", ""),
            "tls.crt": data.get("tls.crt") or data.get("certFile", ""),
            "tls.key": data.get("tls.key") or data.get("keyFile", ""),
        }
    elif typed.type not in COMMIT_STATUS_TYPES:
        tls = {}
    proxy_name = typed.proxy_secret_name
    if proxy_name:
        proxy = _proxy_from_secret(_read(read_secret, namespace, proxy_name), proxy_name)
    return ProviderConfig(
        type=typed.type,
        namespace=namespace,
        name=name,
        uid=uid,
        address=address,
        channel=typed.channel,
        username=username,
        token=token,
        password=password,
        headers=headers,
        timeout=typed.timeout,
        ca_pem=tls.get("ca.crt", ""),
        client_cert_pem=tls.get("tls.crt", ""),
        client_key_pem=tls.get("tls.key", ""),
        proxy=proxy,
        **extra,
    )


def _read(read_secret: SecretReader, namespace: str, name: str) -> dict[str, str]:
    try:
        return read_secret(namespace, name)
    except LookupError as exc:
        raise PermanentError(f"failed to get secret '{namespace}/{name}': not found") from exc


def _headers(text: str) -> dict[str, str]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        value = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise PermanentError(f"failed to read headers from secret: {problem}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PermanentError("failed to read headers from secret: not a map of strings")
    return {str(k): str(v) for k, v in value.items()}


def _proxy_from_secret(data: Mapping[str, str], name: str) -> str:
    address = data.get("address", "").strip()
    if not address:
        raise PermanentError(f"invalid proxy secret '{name}': key 'address' not found")
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PermanentError(f"invalid proxy secret '{name}': address must be an http(s) URL")
    user, password = data.get("username", ""), data.get("password", "")
    if user and password:
        netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.hostname}"
        if parts.port:
            netloc += f":{parts.port}"
        address = urlunsplit(parts._replace(netloc=netloc))
    return address

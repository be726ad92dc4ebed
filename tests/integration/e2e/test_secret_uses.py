"""Secrets split by use: each function's role reads one prefix, so apply keeps per-use copies."""

from __future__ import annotations

import pytest
from tagpilot.api.loader import parse_documents, validate_document
from tagpilot.reconcile.apply import apply_documents
from tagpilot.store.errors import SecretNotFoundError

pytestmark = pytest.mark.integration

TOKEN = "t" * 40

SECRET = """
apiVersion: v1
kind: Secret
metadata: {name: %(name)s, namespace: apps}
type: Opaque
stringData: {token: %(token)s}
"""
RECEIVER = """
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: hook, namespace: apps}
spec:
  type: generic
  secretRef: {name: %(secret)s}
  resources:
    - {apiVersion: image.toolkit.fluxcd.io/v1, kind: ImageRepository, name: app}
"""
GITREPO = """
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: fleet, namespace: apps}
spec: {interval: 5m, url: "https://git.example.com/fleet.git", ref: {branch: main},
       secretRef: {name: git-auth}}
"""


def _apply(app, *texts: str) -> list[str]:
    docs = [
        validate_document("test", i, doc, "default")
        for i, text in enumerate(texts)
        for doc in parse_documents("test", text)
    ]
    assert all(d.valid for d in docs), [d.describe() for d in docs if not d.valid]
    return apply_documents(app, docs)


def test_receiver_token_is_copied_for_the_webhook_only(app) -> None:
    _apply(
        app,
        RECEIVER % {"secret": "hook-token"},
        SECRET % {"name": "hook-token", "token": TOKEN},
        SECRET % {"name": "git-auth", "token": "g" * 40},
        GITREPO,
    )
    assert app.secrets.get("apps", "hook-token", use="receiver").data == {"token": TOKEN}
    assert app.secrets.get("apps", "git-auth", use="git").data == {"token": "g" * 40}
    for name, use in [("hook-token", "git"), ("hook-token", "registry"), ("git-auth", "receiver")]:
        with pytest.raises(SecretNotFoundError):
            app.secrets.get("apps", name, use=use)
    assert app.secrets.list_names("apps") == [("apps", "git-auth"), ("apps", "hook-token")]


def test_copy_follows_a_rotated_token_and_a_changed_reference(app) -> None:
    _apply(app, SECRET % {"name": "a", "token": TOKEN}, RECEIVER % {"secret": "a"})
    _apply(app, SECRET % {"name": "a", "token": "u" * 40})
    assert app.secrets.get("apps", "a", use="receiver").data == {"token": "u" * 40}
    _apply(app, SECRET % {"name": "b", "token": TOKEN}, RECEIVER % {"secret": "b"})
    assert app.secrets.list_names("apps", use="receiver") == [("apps", "b")]


def test_deleting_a_secret_deletes_its_copies(app) -> None:
    _apply(app, SECRET % {"name": "a", "token": TOKEN}, RECEIVER % {"secret": "a"})
    assert app.secrets.delete("apps", "a")
    with pytest.raises(SecretNotFoundError):
        app.secrets.get("apps", "a", use="receiver")


PROVIDER = """
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: on-call, namespace: apps}
spec:
  type: generic-hmac
  address: https://hooks.example.com/tagpilot
  secretRef: {name: %(secret)s}
  certSecretRef: {name: hook-ca}
  proxySecretRef: {name: hook-proxy}
"""


def test_provider_secrets_are_copied_for_the_delivery_only(app) -> None:
    from tagpilot.runtime.notify import build_dispatcher

    _apply(
        app,
        PROVIDER % {"secret": "hmac-key"},
        SECRET % {"name": "hmac-key", "token": TOKEN},
        SECRET % {"name": "hook-ca", "token": "c" * 40},
        SECRET % {"name": "hook-proxy", "token": "p" * 40},
        SECRET % {"name": "unrelated", "token": "u" * 40},
    )
    for name in ("hmac-key", "hook-ca", "hook-proxy"):
        assert app.secrets.get("apps", name, use="provider").data["token"]
        for use in ("receiver", "registry", "git"):
            with pytest.raises(SecretNotFoundError):
                app.secrets.get("apps", name, use=use)
    assert app.secrets.list_names("apps", use="provider") == [
        ("apps", "hmac-key"),
        ("apps", "hook-ca"),
        ("apps", "hook-proxy"),
    ]
    # Delivery reads the Provider's copies, never the Secret as applied.
    read = build_dispatcher(app).read_secret
    assert read("apps", "hmac-key") == {"token": TOKEN}
    with pytest.raises(KeyError):
        read("apps", "unrelated")

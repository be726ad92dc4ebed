"""Scanning against the real CNCF distribution registry (Debian ``docker-registry``):
anonymous, htpasswd, TLS with a test CA, and the Bearer token flow."""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.api.conditions import get as condition
from tagpilot.reconcile import imagerepository, runner
from tagpilot.store.queues import WorkItem

from tests.support.certs import generate_pki
from tests.support.registry import RegistryServer, push_image
from tests.support.tokenissuer import TokenIssuer

pytestmark = pytest.mark.integration

TAGS = ["1.0.0", "1.2.0", "1.10.0", "latest", "sha256-abc.sig", "v2.0.0-rc.1"]


@pytest.fixture(scope="module")
def anonymous_registry():
    with RegistryServer() as server:
        push_image(server.url, "team/app", TAGS)
        yield server


def ready(app: Any, name: str = "app", namespace: str = "apps") -> dict:
    obj = app.objects.require("ImageRepository", namespace, name)
    return condition(obj.status, "Ready") or {}


def test_first_scan_stores_tags_and_status_like_flux(app, put_repo, anonymous_registry) -> None:
    put_repo(image=f"{anonymous_registry.host}/team/app", insecure=True)
    out = imagerepository.reconcile(app, "apps", "app")
    obj = app.objects.require("ImageRepository", "apps", "app")
    stored = app.tags.get("apps/app")
    expected = sorted((t for t in TAGS if not t.endswith(".sig")), key=str.encode, reverse=True)
    assert stored.tags == expected
    last = obj.status["lastScanResult"]
    assert last["tagCount"] == 5 and last["latestTags"] == expected[:10]
    assert last["revision"] == stored.revision
    assert obj.status["canonicalImageName"] == f"{anonymous_registry.host}/team/app"
    assert obj.status["observedExclusionList"] == ["^.*\\.sig$"]
    assert obj.status["observedGeneration"] == 1
    assert (out.ready, out.reason) == ("True", "Succeeded")
    assert out.message == f"successful scan: found 5 tags with checksum {stored.revision}"
    assert out.metrics["tag_items_written"] == 1


def test_unchanged_rescan_writes_no_tag_items(app, put_repo, anonymous_registry) -> None:
    put_repo(image=f"{anonymous_registry.host}/team/app", insecure=True)
    imagerepository.reconcile(app, "apps", "app")
    app.objects.request_reconcile("ImageRepository", "apps", "app", "t1")
    out = imagerepository.reconcile(app, "apps", "app")
    assert out.ready == "True"
    assert out.metrics["tag_items_written"] == 0
    assert (
        app.objects.require("ImageRepository", "apps", "app").status["lastHandledReconcileAt"]
        == "t1"
    )


def test_user_exclusion_list_replaces_default(app, put_repo, anonymous_registry) -> None:
    put_repo(image=f"{anonymous_registry.host}/team/app", insecure=True, exclusionList=["^latest$"])
    imagerepository.reconcile(app, "apps", "app")
    tags = app.tags.get("apps/app").tags
    assert "sha256-abc.sig" in tags and "latest" not in tags


def test_scan_without_insecure_uses_https_and_fails(app, put_repo, anonymous_registry) -> None:
    put_repo(image=f"{anonymous_registry.host}/team/app")
    out = imagerepository.reconcile(app, "apps", "app")
    assert (out.ready, out.reason) == ("False", "ReadOperationFailed")
    assert out.message.startswith("scan failed: ")


def test_scan_chains_policy_evaluation(app, put_repo, anonymous_registry) -> None:
    from tagpilot.api.resource import Resource

    put_repo(image=f"{anonymous_registry.host}/team/app", insecure=True)
    app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImagePolicy",
            "app",
            "apps",
            spec={"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": "1.x"}}},
        )
    )
    outcomes = runner.run(app, WorkItem("ImageRepository", "apps", "app"))
    assert [(o.kind, o.ready) for o in outcomes] == [
        ("ImageRepository", "True"),
        ("ImagePolicy", "True"),
    ]
    policy = app.objects.require("ImagePolicy", "apps", "app")
    assert policy.status["latestRef"] == {
        "name": f"{anonymous_registry.host}/team/app",
        "tag": "1.10.0",
    }


def test_htpasswd_with_docker_config_secret(app, put_repo, put_docker_secret) -> None:
    with RegistryServer(htpasswd={"ci": "s3cret"}) as server:
        push_image(server.url, "team/app", ["1.0.0"], auth=("ci", "s3cret"))
        put_docker_secret(server.host, "ci", "s3cret")
        put_repo(image=f"{server.host}/team/app", insecure=True, secretRef={"name": "regcred"})
        assert imagerepository.reconcile(app, "apps", "app").ready == "True"
        put_docker_secret(server.host, "ci", "wrong", name="badcred")
        put_repo(
            name="bad",
            image=f"{server.host}/team/app",
            insecure=True,
            secretRef={"name": "badcred"},
        )
        out = imagerepository.reconcile(app, "apps", "bad")
        assert (out.ready, out.reason) == ("False", "ReadOperationFailed")
        assert "wrong" not in out.message and "unauthorized" in out.message.lower()


def test_missing_secret_is_authentication_failed(app, put_repo, anonymous_registry) -> None:
    put_repo(image=f"{anonymous_registry.host}/team/app", insecure=True, secretRef={"name": "nope"})
    out = imagerepository.reconcile(app, "apps", "app")
    assert (out.ready, out.reason) == ("False", "AuthenticationFailed")
    assert "secret 'apps/nope' not found" in out.message


def test_tls_with_test_ca_from_cert_secret(app, put_repo) -> None:
    pki = generate_pki()
    with RegistryServer(tls=pki) as server:
        push_image(server.url, "team/app", ["2.0.0"], session=server.session())
        put_repo(name="untrusted", image=f"{server.host}/team/app")
        out = imagerepository.reconcile(app, "apps", "untrusted")
        assert (out.ready, out.reason) == ("False", "ReadOperationFailed")
        assert "certificate" in out.message.lower()
        app.secrets.put(
            "apps",
            "registry-ca",
            "Opaque",
            {"ca.crt": pki.ca.cert_pem.decode()},
            uses=("registry",),
        )
        put_repo(image=f"{server.host}/team/app", certSecretRef={"name": "registry-ca"})
        assert imagerepository.reconcile(app, "apps", "app").ready == "True"
        assert app.tags.get("apps/app").tags == ["2.0.0"]


def test_bearer_token_flow(app, put_repo, put_docker_secret) -> None:
    with (
        TokenIssuer(users={"bot": "pw"}, allow_anonymous=False) as issuer,
        RegistryServer(token=issuer) as server,
    ):
        push_image(server.url, "team/app", ["3.0.0", "3.1.0"], auth=("bot", "pw"))
        put_docker_secret(server.host, "bot", "pw")
        put_repo(image=f"{server.host}/team/app", insecure=True, secretRef={"name": "regcred"})
        hits = issuer.hits
        assert imagerepository.reconcile(app, "apps", "app").ready == "True"
        assert app.tags.get("apps/app").tags == ["3.1.0", "3.0.0"]
        assert issuer.hits == hits + 1

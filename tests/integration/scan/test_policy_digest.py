"""ImagePolicy digest reflection against the real registry: Never, IfNotPresent, Always."""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.api.resource import Resource
from tagpilot.reconcile import imagepolicy, imagerepository

from tests.support.registry import DOCKER_MANIFEST, RegistryServer, push_image

pytestmark = pytest.mark.integration


@pytest.fixture
def registry():
    with RegistryServer() as server:
        yield server


def _policy(app: Any, mode: str | None, **extra: Any) -> None:
    spec: dict[str, Any] = {
        "imageRepositoryRef": {"name": "app"},
        "policy": {"semver": {"range": "1.x"}},
    }
    if mode:
        spec["digestReflectionPolicy"] = mode
    spec.update(extra)
    app.objects.apply(
        Resource("image.toolkit.fluxcd.io/v1", "ImagePolicy", "app", "apps", spec=spec)
    )


def _ref(app: Any) -> dict:
    return app.objects.require("ImagePolicy", "apps", "app").status["latestRef"]


@pytest.mark.parametrize("media_type", [None, DOCKER_MANIFEST])
def test_if_not_present_fetches_once(app, put_repo, registry, media_type) -> None:
    kwargs = {"media_type": media_type} if media_type else {}
    first = push_image(registry.url, "team/app", ["1.0.0"], **kwargs)
    put_repo(image=f"{registry.host}/team/app", insecure=True)
    imagerepository.reconcile(app, "apps", "app")
    _policy(app, "IfNotPresent")
    out = imagepolicy.reconcile(app, "apps", "app")
    assert _ref(app) == {"name": f"{registry.host}/team/app", "tag": "1.0.0", "digest": first}
    assert out.message.endswith(f"resolved to 1.0.0 with digest {first}")
    push_image(registry.url, "team/app", ["1.0.0"], variant="re-pushed", **kwargs)
    app.objects.request_reconcile("ImagePolicy", "apps", "app", "again")
    imagepolicy.reconcile(app, "apps", "app")
    assert _ref(app)["digest"] == first, "IfNotPresent never refreshes a re-pushed tag"


def test_always_refreshes_and_never_has_no_digest(app, put_repo, registry) -> None:
    push_image(registry.url, "team/app", ["1.0.0"])
    put_repo(image=f"{registry.host}/team/app", insecure=True)
    imagerepository.reconcile(app, "apps", "app")
    _policy(app, None)
    imagepolicy.reconcile(app, "apps", "app")
    assert _ref(app) == {"name": f"{registry.host}/team/app", "tag": "1.0.0"}
    second = push_image(registry.url, "team/app", ["1.0.0"], variant="v2")
    _policy(app, "Always", interval="5m")
    imagepolicy.reconcile(app, "apps", "app")
    policy = app.objects.require("ImagePolicy", "apps", "app")
    assert policy.status["latestRef"]["digest"] == second
    assert policy.status["observedPreviousRef"] == {
        "name": f"{registry.host}/team/app",
        "tag": "1.0.0",
    }


def test_digest_failure_is_reported(app, put_repo, registry) -> None:
    push_image(registry.url, "team/app", ["1.0.0"])
    put_repo(image=f"{registry.host}/team/app", insecure=True)
    imagerepository.reconcile(app, "apps", "app")
    _policy(app, "Always", interval="5m")
    registry.stop()
    out = imagepolicy.reconcile(app, "apps", "app")
    assert (out.ready, out.reason) == ("False", "Failed")
    assert out.message.startswith(f"failed fetching digest of {registry.host}/team/app:1.0.0: ")

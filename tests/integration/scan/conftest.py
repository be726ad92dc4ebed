"""Helpers for scan tests: apply manifests straight into the test App's store."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tagpilot.api.resource import Resource


@pytest.fixture
def put_repo(app: Any):
    def put(name: str = "app", namespace: str = "apps", **spec: Any) -> Resource:
        resource = Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImageRepository",
            name,
            namespace,
            spec={"interval": "5m", **spec},
        )
        return app.objects.apply(resource).resource

    return put


@pytest.fixture
def put_docker_secret(app: Any):
    def put(
        host: str, user: str, password: str, name: str = "regcred", namespace: str = "apps"
    ) -> None:
        config = {"auths": {host: {"username": user, "password": password}}}
        app.secrets.put(
            namespace,
            name,
            "kubernetes.io/dockerconfigjson",
            {".dockerconfigjson": json.dumps(config)},
            uses=("registry",),
        )

    return put

"""``create source oci`` without ``--export``: applied, reconciled against docker-registry (the
artifact pushed by oras), and flux's lines printed, ending with the fetched revision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.oci import oras_push, tarball
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration


def test_create_source_oci_applies_and_waits(cli: Any, app: Any, tmp_path: Path) -> None:
    with RegistryServer() as registry:
        digest = oras_push(registry, "cli/manifests", "1.2.0", tarball({"a.yaml": b"a"}), tmp_path)
        argv = [
            "create", "source", "oci", "manifests", f"--url=oci://{registry.host}/cli/manifests",
            "--tag-semver=>=1.0.0", "--insecure", "--interval=10m",
        ]  # fmt: skip
        done = cli(*argv)
        assert done.code == 0, done.err
        assert done.err == (
            "► applying OCIRepository\n"
            "✔ OCIRepository created\n"
            "◎ waiting for OCIRepository reconciliation\n"
            "✔ OCIRepository reconciliation completed\n"
            f"✔ fetched revision: 1.2.0@{digest}\n"
        )
        obj = app.objects.require("OCIRepository", "flux-system", "manifests")
        assert obj.spec["ref"] == {"semver": ">=1.0.0"} and obj.spec["provider"] == "generic"

        # A tag that does not exist: the reconcile fails with the Ready message, as flux says it.
        again = cli(*[a if not a.startswith("--tag-semver") else "--tag=9.9.9" for a in argv])
        assert again.code != 0
        assert "✔ OCIRepository updated\n" in again.err
        assert "✗ OCIRepository reconciliation failed: 'failed to determine artifact digest:" in (
            again.err
        )

"""Tags outside the OCI distribution grammar are skipped at scan, counted, never stored.

The paginating test registry serves what a broken or hostile registry could: a trailing
newline, a path, a NUL, a 100,000-character tag. The scan keeps only
``[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`` tags, says how many it skipped in the status, and the
policy picks from the valid ones.
"""

from __future__ import annotations

import pytest
from tagpilot.reconcile import imagepolicy, imagerepository

from tests.support.pagingregistry import PagingRegistry

pytestmark = pytest.mark.integration

VALID = ["1.0.0", "1.1.0", "v2", "_under", "a" * 128]
INVALID = ["1.0.0\n", "../../etc", "9.9.9\x00", "x" * 100_000, "a" * 129, "-lead", ".dot", "é1"]


def test_invalid_tags_are_skipped_and_counted(app, put_repo) -> None:
    with PagingRegistry({"team/app": VALID + INVALID}, page_size=1000) as registry:
        put_repo(image=f"{registry.host}/team/app", insecure=True)
        outcome = imagerepository.reconcile(app, "apps", "app")
    assert outcome.ready == "True"
    assert sorted(app.tags.get("apps/app").tags) == sorted(VALID)
    status = app.objects.require("ImageRepository", "apps", "app").status
    last = status["lastScanResult"]
    assert (last["tagCount"], last["skippedTagCount"]) == (len(VALID), len(INVALID))
    assert all(tag in VALID for tag in last["latestTags"])
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert ready["message"].startswith(f"successful scan: found {len(VALID)} tags with checksum")
    assert ready["message"].endswith(f"({len(INVALID)} tags skipped: not valid OCI tags)")
    assert outcome.metrics["tags_skipped"] == len(INVALID)


def test_policy_never_selects_an_invalid_tag(app, put_repo) -> None:
    # "é1" and "x" * 100_000 would win this alphabetical pick if they were stored.
    with PagingRegistry({"team/app": VALID + INVALID}, page_size=1000) as registry:
        put_repo(image=f"{registry.host}/team/app", insecure=True)
        imagerepository.reconcile(app, "apps", "app")
    from tagpilot.api.resource import Resource

    app.objects.apply(
        Resource(
            "image.toolkit.fluxcd.io/v1",
            "ImagePolicy",
            "app",
            "apps",
            spec={
                "imageRepositoryRef": {"name": "app"},
                "policy": {"alphabetical": {"order": "asc"}},
            },
        )
    )
    imagepolicy.reconcile(app, "apps", "app")
    policy = app.objects.require("ImagePolicy", "apps", "app")
    assert policy.status["latestRef"]["tag"] == "v2"


def test_a_scan_with_only_valid_tags_reports_no_skips(app, put_repo) -> None:
    with PagingRegistry({"team/app": VALID}, page_size=1000) as registry:
        put_repo(image=f"{registry.host}/team/app", insecure=True)
        imagerepository.reconcile(app, "apps", "app")
    status = app.objects.require("ImageRepository", "apps", "app").status
    assert "skippedTagCount" not in status["lastScanResult"]
    assert "skipped" not in next(c for c in status["conditions"] if c["type"] == "Ready")["message"]

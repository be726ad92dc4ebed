"""Flux v1 filters, annotations and workload shapes, as the guide and v1's code read them."""

from __future__ import annotations

from pathlib import Path

import pytest
from tagpilot.migrate.annotations import read_policy
from tagpilot.migrate.filters import glob_to_regexp, translate
from tagpilot.migrate.plan import plan_migration

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("glob", "regexp"),
    [("main-*", "^main-.*$"), ("1.21.*", r"^1\.21\..*$"), ("*", "^.*$"), ("a*b*c", "^a.*b.*c$")],
)
def test_glob_to_regexp(glob: str, regexp: str) -> None:
    assert glob_to_regexp(glob) == regexp


def test_filters() -> None:
    assert translate("semver:~1.2", "1.2.3").spec == {"policy": {"semver": {"range": "~1.2"}}}
    assert "three-part" in translate("semver:~1.2", "1.2").note
    assert translate("semver:not a range", "1.0.0").spec is None
    assert translate("glob:main-*", "main-abc1234-1718000000").spec == {
        "filterTags": {"pattern": "^main-[a-f0-9]+-(?P<ts>[0-9]+)$", "extract": "$ts"},
        "policy": {"numerical": {"order": "asc"}},
    }
    assert translate("build-*", "build-1718000000").spec == {
        "filterTags": {"pattern": "^build-(?P<ts>[0-9]+)$", "extract": "$ts"},
        "policy": {"numerical": {"order": "asc"}},
    }
    for no in (None, "glob:*", "regex:^v1", "regexp:x", "glob:1.21.*", "glob:latest"):
        found = translate(no, "1.21.5-r0")
        assert found.spec is None and found.problem


def test_annotations_both_prefixes_and_exact_true() -> None:
    policy = read_policy(
        {
            "flux.weave.works/automated": "true",
            "fluxcd.io/tag.app": "semver:^1",
            "filter.fluxcd.io/sidecar": "glob:v*",
            "fluxcd.io/locked": "True",
        }
    )
    assert policy.automated and not policy.locked
    assert policy.filters == {"app": "semver:^1", "sidecar": "glob:v*"}


SHAPES = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: job
  annotations: {fluxcd.io/automated: "true", fluxcd.io/tag.worker: "semver:>=1.0.0"}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: worker
              image: "ghcr.io/org/worker:1.0.0"
---
apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: web
  annotations:
    fluxcd.io/automated: "true"
    fluxcd.io/tag.chart-image: semver:~2.0
    fluxcd.io/tag.sidecar: semver:~3.0
    fluxcd.io/tag.db: semver:~4.0
spec:
  values:
    image: org/web
    tag: 2.0.1
    sidecar:
      image: {registry: quay.io, repository: org/sidecar, tag: 3.0.0}
    db:
      registry: docker.io
      image: library/postgres:4.0.0
---
apiVersion: v1
kind: List
items: []
"""


def test_cronjobs_helm_shapes_and_split_values(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(SHAPES)
    plan = plan_migration(tmp_path)
    new = plan.edits["x.yaml"][1].decode()
    assert 'image: "ghcr.io/org/worker:1.0.0" # {"$imagepolicy": "flux-system:worker"}' in new
    assert 'tag: 2.0.1 # {"$imagepolicy": "flux-system:web:tag"}' in new
    assert "{registry: quay.io, repository: org/sidecar, tag: 3.0.0}\n" in new  # flow: by hand
    repos = [o["spec"]["image"] for o in plan.objects if o["kind"] == "ImageRepository"]
    assert repos == ["ghcr.io/org/worker", "org/web"]
    problems = {e.container: e.problem for e in plan.report}
    assert "flow collection" in problems["sidecar"]
    assert "registry and image:tag" in problems["db"]
    assert any("Helm Operator" in n.problem for n in plan.notes)

"""flux's verbs in-process on the real store: get, suspend/resume, delete, export, tree,
reconcile's fast failures; messages and streams as flux prints them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.functional

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _ready(app: Any, kind: str, name: str, message: str, extra: dict[str, Any]) -> None:
    from tagpilot.api import conditions

    obj = app.objects.require(kind, "flux-system", name)
    status = dict(obj.status)
    status.update(extra)
    conditions.mark_ready(status, "Succeeded", message, generation=obj.generation)
    app.objects.write_status(obj, status, next_due_at=None)


@pytest.fixture
def applied(cli: Any, app: Any) -> Any:
    done = cli("apply", "-f", str(EXAMPLES / "flux"))
    assert done.code == 0, done.err
    assert done.out.endswith("skipped 1 Kustomization (not handled by tagpilot)\n")
    _ready(
        app,
        "ImageRepository",
        "podinfo",
        "successful scan: found 13 tags with checksum 3483229178",
        {"lastScanResult": {"scanTime": "2020-12-13T15:51:48Z", "tagCount": 13}},
    )
    _ready(
        app,
        "ImagePolicy",
        "podinfo",
        "Latest image tag for ghcr.io/stefanprodan/podinfo resolved to 5.0.3",
        {"latestRef": {"name": "ghcr.io/stefanprodan/podinfo", "tag": "5.0.3"}},
    )
    sha = "696f056df216eea4f9401adbee0ff744d4df390f"
    _ready(
        app,
        "GitRepository",
        "flux-system",
        f"stored artifact for revision 'main@sha1:{sha}'",
        {"artifact": {"revision": f"main@sha1:{sha}"}},
    )
    return app


def test_get_columns_and_not_found(cli: Any, applied: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("TZ", "UTC")
    got = cli("get", "image", "policy")
    assert got.code == 0 and got.err == ""
    assert got.out.splitlines()[0].split("\t")[1:4] == [
        "IMAGE                       ",
        "TAG  ",
        "READY",
    ]
    assert "podinfo\tghcr.io/stefanprodan/podinfo\t5.0.3\tTrue \tLatest image tag" in got.out
    repo = cli("get", "images", "repository", "--no-header")
    assert repo.out == (
        "podinfo\t2020-12-13T15:51:48Z\tFalse    \tTrue \t"
        "successful scan: found 13 tags with checksum 3483229178\t\n"
    )
    git = cli("get", "sources", "git")
    assert "flux-system\tmain@sha1:696f056d\tFalse    \tTrue \t"
    assert "stored artifact for revision 'main@sha1:696f056d'" in git.out
    assert "696f056df216" not in git.out
    missing = cli("get", "image", "policy", "nope")
    assert (missing.code, missing.out) == (1, "")
    assert missing.err == "✗ ImagePolicy object 'nope' not found in \"flux-system\" namespace\n"
    none = cli("get", "receivers")
    assert none.err == '✗ no Receiver objects found in "flux-system" namespace\n'
    other = cli("get", "image", "update", "-n", "apps")
    assert other.err == '✗ no ImageUpdateAutomation objects found in "apps" namespace\n'


def test_get_all_prefixes_names_and_skips_empty_kinds(cli: Any, applied: Any) -> None:
    got = cli("get", "all")
    assert got.code == 0
    blocks = got.out.split("\n\n")
    assert [b.splitlines()[1].split("\t")[0].strip() for b in blocks if b] == [
        "gitrepository/flux-system",
        "imagerepository/podinfo",
        "imagepolicy/podinfo",
        "imageupdateautomation/flux-system",
    ]
    images = cli("get", "images", "all", "-A")
    assert images.out.startswith("NAMESPACE  \tNAME")
    assert "gitrepository" not in images.out
    sources = cli("get", "sources", "all")
    assert "gitrepository/flux-system" in sources.out and "image" not in sources.out
    watch = cli("get", "all", "--watch")
    assert watch.code != 0
    assert watch.err == "✗ expected a single resource type, but found all\n"


def test_selectors(cli: Any, applied: Any) -> None:
    ready = cli("get", "all", "--status-selector", "ready=true", "--no-header")
    assert "imageupdateautomation" not in ready.out and "imagepolicy/podinfo" in ready.out
    waiting = cli("get", "image", "update", "--status-selector", "Ready!=True")
    assert waiting.code == 1  # no Ready condition at all: flux matches nothing
    labelled = cli("get", "image", "repository", "-l", "team=web")
    assert labelled.code == 1
    manifest = cli(
        "create",
        "image",
        "repository",
        "web",
        "--image=ghcr.io/org/web",
        "--label=team=web",
        "--export",
    ).out
    assert cli("apply", "-f", "-", stdin=manifest).code == 0
    labelled = cli("get", "image", "repository", "-l", "team in (web,api)", "--no-header")
    assert labelled.out.startswith("web ")
    assert "podinfo" not in labelled.out


def test_watch_prints_header_then_rows_until_timeout(cli: Any, applied: Any) -> None:
    got = cli("get", "image", "policy", "--watch", "--timeout", "300ms")
    assert got.code == 0
    lines = got.out.splitlines()
    assert lines[0].startswith("NAME") and lines[1].startswith("podinfo\t")
    assert len(lines) == 2


def test_suspend_resume_many_and_all(cli: Any, applied: Any, app: Any) -> None:
    done = cli("suspend", "image", "repository", "podinfo", "nope", "podinfo")
    assert done.code == 0
    assert done.err == (
        "► suspending image repository podinfo in flux-system namespace\n"
        "✔ image repository suspended\n"
        "✗ ImageRepository nope not found in flux-system namespace\n"
    )
    assert app.objects.require("ImageRepository", "flux-system", "podinfo").suspended
    got = cli("get", "image", "repository", "--no-header")
    assert "\tTrue     \t" in got.out  # SUSPENDED
    fails = cli("reconcile", "image", "repository", "podinfo")
    assert (fails.code, fails.err) == (1, "✗ resource is suspended\n")
    resumed = cli("resume", "image", "repository", "--all", "--timeout", "2s")
    assert resumed.code == 0  # --all does not wait unless --wait
    assert resumed.err == (
        "► resuming image repository podinfo in flux-system namespace\n✔ image repository resumed\n"
    )
    assert not app.objects.require("ImageRepository", "flux-system", "podinfo").suspended
    none = cli("suspend", "receiver", "--all")
    assert (none.code, none.err) == (1, "✗ no objects found\n")
    missing = cli("resume", "image", "policy", "ghost")
    assert missing.err == "✗ ImagePolicy object 'ghost' not found in flux-system namespace\n"
    noname = cli("suspend", "image", "update")
    assert noname.err == "✗ image update automation name is required\n"


def test_reconcile_not_found_and_name_required(cli: Any, applied: Any) -> None:
    got = cli("reconcile", "image", "policy", "ghost")
    assert got.code == 1
    assert got.err == '✗ imagepolicies.image.toolkit.fluxcd.io "ghost" not found\n'
    got = cli("reconcile", "source", "git")
    assert got.err == "✗ GitRepository name is required\n"


def test_delete_asks_unless_silent(cli: Any, applied: Any, app: Any) -> None:
    no = cli("delete", "image", "policy", "podinfo", stdin="n\n")
    assert no.code == 1
    assert no.out == "? Are you sure you want to delete this image policy? [y/N] "
    assert no.err == "✗ aborting\n"
    assert app.objects.get("ImagePolicy", "flux-system", "podinfo") is not None
    eof = cli("delete", "image", "policy", "podinfo", stdin="")
    assert eof.code == 1
    yes = cli("delete", "image", "policy", "podinfo", stdin="y\n")
    assert yes.code == 0
    assert yes.err == (
        "► deleting image policy podinfo in flux-system namespace\n✔ image policy deleted\n"
    )
    assert app.objects.get("ImagePolicy", "flux-system", "podinfo") is None
    silent = cli("delete", "image", "repository", "podinfo", "--silent")
    assert silent.code == 0 and silent.out == ""
    gone = cli("delete", "image", "repository", "podinfo", "-s")
    assert gone.err == '✗ imagerepositories.image.toolkit.fluxcd.io "podinfo" not found\n'


def test_export_one_and_all(cli: Any, applied: Any) -> None:
    one = cli("export", "image", "policy", "podinfo")
    assert one.out == (
        "---\n"
        "apiVersion: image.toolkit.fluxcd.io/v1\n"
        "kind: ImagePolicy\n"
        "metadata:\n"
        "  name: podinfo\n"
        "  namespace: flux-system\n"
        "spec:\n"
        "  imageRepositoryRef:\n"
        "    name: podinfo\n"
        "  policy:\n"
        "    semver:\n"
        "      range: 5.0.x\n"
    )
    everything = cli("export", "source", "git", "--all")
    assert everything.out.startswith("---\napiVersion: source.toolkit.fluxcd.io/v1\n")
    assert "status" not in everything.out
    assert cli("export", "receiver", "--all").err == "✗ no objects found in flux-system namespace\n"
    assert cli("export", "receiver").err == "✗ name is required\n"


def test_tree_image_update(cli: Any, applied: Any) -> None:
    got = cli("tree", "image", "update", "flux-system")
    assert got.out == (
        "ImageUpdateAutomation/flux-system/flux-system\n"
        "├── GitRepository/flux-system/flux-system\n"
        "└── ImagePolicy/flux-system/podinfo\n"
        "    └── ImageRepository/flux-system/podinfo\n"
    )


def test_validate_and_apply_strict(cli: Any) -> None:
    ok = cli("validate", "-f", str(EXAMPLES / "flux"))
    assert ok.code == 0
    assert ok.out.endswith("skipped 1 Kustomization (not handled by tagpilot)\n")
    strict = cli("apply", "--strict", "-f", str(EXAMPLES / "flux"))
    assert strict.code == 2
    assert "Kustomization flux-system/apps): kind: Kustomization: not handled by tagpilot" in (
        strict.err
    )


def test_version_and_completion(cli: Any) -> None:
    got = cli("version", "--client")
    assert got.out.startswith("tagpilot: v")
    bad = cli("version", "-o", "toml")
    assert bad.err == "✗ --output must be json or yaml, not toml\n"
    for shell in ("bash", "zsh", "fish"):
        script = cli("completion", shell)
        assert script.code == 0 and "tagpilot" in script.out

"""The file-driven verbs and the structured outputs, in-process on the real store: ``delete -f``,
``validate`` (text and JSON), ``get -o yaml|json``, ``export`` of a changed object, ``serve
--once``; exit codes and streams as documented."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

pytestmark = pytest.mark.functional

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
PODINFO = EXAMPLES / "flux" / "podinfo.yaml"


def test_delete_by_file_reports_each_object(cli: Any, app: Any) -> None:
    assert cli("apply", "-f", str(PODINFO)).code == 0
    app.tags.put("flux-system/podinfo", ["5.0.0", "5.0.3"], "rev-1")
    assert app.tags.get("flux-system/podinfo") is not None
    gone = cli("delete", "-f", str(PODINFO))
    assert (gone.code, gone.err) == (0, "")
    assert sorted(gone.out.splitlines()) == [
        "GitRepository/flux-system/flux-system deleted",
        "ImagePolicy/flux-system/podinfo deleted",
        "ImageRepository/flux-system/podinfo deleted",
        "ImageUpdateAutomation/flux-system/flux-system deleted",
    ]
    assert app.objects.list("ImageRepository", None) == []
    assert app.tags.get("flux-system/podinfo") is None  # a repository's tags go with it
    again = cli("delete", "-f", str(PODINFO))
    assert again.code == 1
    assert "ImagePolicy/flux-system/podinfo not found" in again.out.splitlines()


def test_delete_by_file_refusals(cli: Any, tmp_path: Path) -> None:
    none = cli("delete")
    assert (none.code, none.err) == (2, "✗ give KIND NAME or -f FILE\n")
    only_skipped = cli("delete", "-f", str(EXAMPLES / "flux" / "kustomization.yaml"))
    assert only_skipped.code == 2
    assert only_skipped.err.startswith("✗ no objects found in ")
    nameless = cli("delete", "image", "policy")
    assert (nameless.code, nameless.err) == (1, "✗ image policy name is required\n")


def test_validate_text_and_json(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\n"
        "metadata: {name: short, namespace: apps}\nspec: {image: alpine, interval: 5m}\n"
        "---\n"
        "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\n"
        "metadata: {name: broken, namespace: apps}\nspec: {image: 'UPPER/Case', interval: 5}\n"
    )
    text = cli("validate", "-f", str(bad))
    assert text.code == 2
    lines = text.out.splitlines()
    assert lines[0].startswith("✔ ") and "short" in lines[0]
    assert len(lines) > 1 and all(line.startswith("✗ ") for line in lines[1:])
    assert any("broken" in line and "interval" in line for line in lines[1:])

    report = cli("validate", "-f", str(bad), "-o", "json")
    assert report.code == 2
    short, broken = json.loads(report.out)
    assert short == {
        "kind": "ImageRepository",
        "namespace": "apps",
        "name": "short",
        "valid": True,
        "skipped": None,
        "errors": [],
        "canonicalImageName": "index.docker.io/library/alpine",  # as Flux writes it
    }
    assert broken["valid"] is False and broken["errors"]
    assert broken["canonicalImageName"] is None  # not a repository name

    ok = cli("validate", "-f", str(PODINFO), "-o", "json")
    assert ok.code == 0
    kinds = {d["kind"]: d["canonicalImageName"] for d in json.loads(ok.out)}
    assert kinds["ImageRepository"] == "ghcr.io/stefanprodan/podinfo"
    assert kinds["ImagePolicy"] is None


def test_get_structured_output(cli: Any, app: Any) -> None:
    assert cli("apply", "-f", str(PODINFO)).code == 0
    one = cli("get", "image", "repository", "podinfo", "-o", "json")
    assert one.code == 0
    doc = json.loads(one.out)
    assert (doc["kind"], doc["metadata"]["name"]) == ("ImageRepository", "podinfo")
    assert doc["spec"]["image"] == "ghcr.io/stefanprodan/podinfo"
    listing = YAML(typ="safe").load(cli("get", "image", "policy", "-o", "yaml").out)
    assert listing["kind"] == "List"
    assert [i["metadata"]["name"] for i in listing["items"]] == ["podinfo"]
    missing = cli("get", "image", "policy", "ghost", "-o", "yaml")
    assert (missing.code, missing.out) == (1, "")
    assert missing.err == "✗ ImagePolicy object 'ghost' not found in \"flux-system\" namespace\n"
    empty = cli("get", "receivers", "-o", "json")  # a list may be empty
    assert empty.code == 0 and json.loads(empty.out)["items"] == []
    nowhere = cli("get", "image", "update", "ghost", "-A")
    assert nowhere.err == "✗ ImageUpdateAutomation object 'ghost' not found in any namespace\n"


def test_export_shows_a_suspended_object_and_missing_ones(cli: Any, app: Any) -> None:
    assert cli("apply", "-f", str(PODINFO)).code == 0
    assert cli("suspend", "image", "repository", "podinfo").code == 0
    out = cli("export", "image", "repository", "podinfo").out
    assert out.startswith("---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\n")
    assert "  suspend: true\n" in out
    assert "status" not in out
    missing = cli("export", "image", "repository", "ghost")
    assert (missing.code, missing.err) == (
        1,
        '✗ imagerepositories.image.toolkit.fluxcd.io "ghost" not found\n',
    )


def test_serve_once_runs_one_tick_and_prints_outcomes(cli: Any, app: Any, tmp_path: Path) -> None:
    manifest = tmp_path / "repo.yaml"
    manifest.write_text(
        "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\n"
        "metadata: {name: offline, namespace: flux-system}\n"
        "spec: {image: '127.0.0.1:1/team/app', interval: 5m, insecure: true}\n"
    )
    assert cli("apply", "-f", str(manifest)).code == 0
    done = cli("serve", "--once")
    assert done.code == 0
    assert done.out.startswith("✗ ImageRepository flux-system/offline: ")
    status = app.objects.require("ImageRepository", "flux-system", "offline").status
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False"
    assert ready["message"] in done.out


def test_store_outage_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The real cold-start path (load_settings, build_app) against a store that is down."""
    from tagpilot.cli.main import main

    monkeypatch.delenv("TAGPILOT_MODE", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.setenv("TAGPILOT_HOME", str(tmp_path))
    monkeypatch.setenv("TAGPILOT_DYNAMODB_ENDPOINT", "http://127.0.0.1:1")
    monkeypatch.setenv("TAGPILOT_SECRETSMANAGER_ENDPOINT", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    assert main(["get", "alerts"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("✗ the store is unavailable: table ")
    assert captured.err.count("\n") == 1
    assert "http://127.0.0.1:1" in captured.err
    assert "internal error" not in captured.err and "TableError" not in captured.err


def test_resume_waits_and_reports_each_failure(cli: Any, app: Any, tmp_path: Path) -> None:
    manifest = tmp_path / "repos.yaml"
    manifest.write_text(
        "".join(
            "---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\n"
            f"metadata: {{name: {name}, namespace: flux-system}}\n"
            "spec: {image: '127.0.0.1:1/team/app', interval: 5m, insecure: true}\n"
            for name in ("web", "api")
        )
    )
    assert cli("apply", "-f", str(manifest)).code == 0
    assert cli("suspend", "image", "repository", "--all").code == 0
    # --wait followed by a word that is not a bool: the word is a NAME (flux's NoOptDefVal)
    done = cli("resume", "image", "repository", "web", "--wait", "api", "--timeout", "1m")
    assert done.code == 1
    lines = done.err.splitlines()
    assert lines[:4] == [
        "► resuming image repository web in flux-system namespace",
        "✔ image repository resumed",
        "► resuming image repository api in flux-system namespace",
        "✔ image repository resumed",
    ]
    assert lines[4:6] == ["◎ waiting for ImageRepository reconciliation"] * 2
    assert lines[6].startswith("✗ ImageRepository api reconciliation failed: ")  # sorted by name
    assert lines[7].startswith("✗ ImageRepository web reconciliation failed: ")
    assert lines[8:] == ["✗ reconciliation failed for 2 ImageRepository(s)"]
    assert not app.objects.require("ImageRepository", "flux-system", "web").suspended
    quiet = cli("resume", "image", "repository", "web", "--wait=false")
    assert quiet.code == 0 and "waiting" not in quiet.err

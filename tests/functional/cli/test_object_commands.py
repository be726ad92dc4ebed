"""``apply``, ``get``, ``suspend``, ``delete`` and ``validate`` in-process, against DynamoDB Local.

Each command builds its App the way the console script does (``load_settings`` from the
environment, then ``build_app``); the environment names per-test tables in DynamoDB Local, and
moto serves Secrets Manager.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from tagpilot.cli.main import main
from tagpilot.config import load_settings
from tagpilot.store.models import build_models, create_tables

pytestmark = pytest.mark.functional

_counter = itertools.count()

MANIFESTS = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {name: app, namespace: apps}
spec: {image: registry.example.com/team/app, interval: 5m}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {name: app, namespace: apps}
spec:
  imageRepositoryRef: {name: app}
  policy: {semver: {range: 1.x}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: fleet, namespace: apps}
spec: {url: 'https://git.example.com/fleet.git', interval: 1m, ref: {branch: main}}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: apps}
type: Opaque
stringData: {username: bot, password: hunter2-hunter2}
"""


@pytest.fixture
def cli_env(
    dynamodb_endpoint: str, aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    n = f"{os.getpid()}-{next(_counter)}"
    env = {
        "TAGPILOT_MODE": "aws",
        "TAGPILOT_HOME": str(tmp_path / "home"),
        "TAGPILOT_DYNAMODB_ENDPOINT": dynamodb_endpoint,
        "TAGPILOT_OBJECTS_TABLE": f"cli-objects-{n}",
        "TAGPILOT_TAGS_TABLE": f"cli-tags-{n}",
        "TAGPILOT_LEASES_TABLE": f"cli-leases-{n}",
        "TAGPILOT_SECRETS_PREFIX": "tagpilot/cli/",
        "AWS_REGION": "us-east-1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    create_tables(build_models(load_settings()))
    manifests = tmp_path / "manifests.yaml"
    manifests.write_text(MANIFESTS)
    return manifests


def test_apply_creates_then_reports_unchanged(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "-f", str(cli_env)]) == 0
    first = capsys.readouterr().out.splitlines()
    assert "ImageRepository/apps/app created" in first
    assert "ImagePolicy/apps/app created" in first
    assert "GitRepository/apps/fleet created" in first
    assert any(line.startswith("Secret/apps/creds") for line in first)
    assert main(["apply", "-f", str(cli_env)]) == 0
    second = capsys.readouterr().out.splitlines()
    assert "ImageRepository/apps/app unchanged" in second
    assert "hunter2" not in "\n".join(first + second)


def test_invalid_documents_are_not_applied(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(cli_env.read_text() + "---\n" + MANIFESTS.split("---\n")[0].replace("5m", "5x"))
    assert main(["apply", "-f", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "spec.interval" in err and "nothing was applied" in err
    assert main(["get", "image", "repository", "-n", "apps"]) == 0
    assert "no ImageRepository objects found" in capsys.readouterr().err


def test_get_table_yaml_json_and_missing(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apply", "-f", str(cli_env)]) == 0
    capsys.readouterr()
    assert main(["get", "image", "repository", "-n", "apps"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[0] == "NAME" and table[1].split()[0] == "app"
    assert main(["get", "image", "policy", "app", "-n", "apps", "-o", "json"]) == 0
    policy = json.loads(capsys.readouterr().out)
    assert policy["kind"] == "ImagePolicy"
    assert policy["spec"]["policy"] == {"semver": {"range": "1.x"}}
    assert main(["get", "source", "git", "-A", "-o", "yaml"]) == 0
    listed = YAML(typ="safe").load(capsys.readouterr().out)
    assert [item["metadata"]["name"] for item in listed["items"]] == ["fleet"]
    assert main(["get", "image", "repository", "nope", "-n", "apps"]) == 1
    assert "'apps/nope' not found" in capsys.readouterr().err


def test_suspend_is_stored(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apply", "-f", str(cli_env)]) == 0
    assert main(["suspend", "image", "repository", "app", "-n", "apps"]) == 0
    assert "suspended" in capsys.readouterr().out
    assert main(["get", "image", "repository", "app", "-n", "apps", "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["spec"]["suspend"] is True


def test_delete_by_name_and_by_file(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apply", "-f", str(cli_env)]) == 0
    capsys.readouterr()
    assert main(["delete", "image", "policy", "app", "-n", "apps"]) == 0
    assert capsys.readouterr().out.strip() == "ImagePolicy/apps/app deleted"
    assert main(["delete", "image", "policy", "app", "-n", "apps"]) == 1
    assert capsys.readouterr().out.strip() == "ImagePolicy/apps/app not found"
    assert main(["delete", "-f", str(cli_env)]) == 1  # the policy was already gone
    out = capsys.readouterr().out.splitlines()
    assert "ImageRepository/apps/app deleted" in out
    assert "Secret/apps/creds deleted" in out
    assert main(["delete"]) == 2
    assert "give either KIND NAME or -f FILE" in capsys.readouterr().err


def test_validate_text_and_json(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-f", str(cli_env)]) == 0
    assert capsys.readouterr().out.count("✔") == 4
    assert main(["validate", "-f", str(cli_env), "-o", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    repo = next(d for d in report if d["kind"] == "ImageRepository")
    assert repo["canonicalImageName"] == "registry.example.com/team/app"
    assert all(d["valid"] for d in report)


POLICY_ONLY = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {{name: app, namespace: {namespace}}}
spec:
  imageRepositoryRef: {{name: missing}}
  policy: {{semver: {{range: 1.x}}}}
"""


@pytest.fixture
def local_env(
    dynamodb_endpoint: str, aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Local mode (the pipeline runs in-process) on DynamoDB Local; a namespace of its own."""
    namespace = f"local-{os.getpid()}-{next(_counter)}"
    monkeypatch.setenv("TAGPILOT_MODE", "local")
    monkeypatch.setenv("TAGPILOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TAGPILOT_DYNAMODB_ENDPOINT", dynamodb_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    manifest = tmp_path / "policy.yaml"
    manifest.write_text(POLICY_ONLY.format(namespace=namespace))
    assert main(["apply", "-f", str(manifest)]) == 0
    return namespace


def test_reconcile_runs_the_pipeline_in_local_mode_and_reports_the_condition(
    local_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = main(["reconcile", "image", "policy", "app", "-n", local_env, "--timeout", "60"])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"► annotating ImagePolicy {local_env}/app" in out
    assert "✗ DependencyNotReady: failed to get the referred ImageRepository" in err


def test_resume_requests_a_reconcile(local_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["suspend", "image", "policy", "app", "-n", local_env]) == 0
    assert main(["resume", "image", "policy", "app", "-n", local_env]) == 1
    out, err = capsys.readouterr()
    assert f"✔ ImagePolicy {local_env}/app resumed" in out
    assert "DependencyNotReady" in err


def test_get_shows_the_ready_condition_after_a_reconcile(
    local_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["reconcile", "image", "policy", "app", "-n", local_env, "--timeout", "60"])
    capsys.readouterr()
    assert main(["get", "image", "policy", "-n", local_env]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[0] == "NAME"
    assert row.split()[0] == "app"
    assert "False" in row.split() and "referred ImageRepository" in row


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["get", "image", "repository", "a", "b"], "too many arguments: a b"),
        (["suspend", "image", "repository"], "image repository: NAME is required"),
        (["get", "bogus"], "unknown kind 'bogus'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: tagpilot" in capsys.readouterr().err

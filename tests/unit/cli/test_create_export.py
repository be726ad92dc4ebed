"""``tagpilot create ... --export`` prints flux's bytes; flux's checks give flux's messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tagpilot.cli.main import main

pytestmark = pytest.mark.unit

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "flux_cli"
CASES = json.loads((GOLDEN / "cases.json").read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_is_flux_bytes(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(CASES[name]) == 0
    out = capsys.readouterr()
    assert out.out == (GOLDEN / name).read_text()
    assert out.err == ""  # --export prints no progress at all


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["create", "image", "repository", "podinfo"], "an image repository (--image) is required"),
        (["create", "image", "repository", "--image=x"], "name is required"),
        (
            ["create", "image", "repository", "Pod_info", "--image=x"],
            "name 'Pod_info' is invalid, it should adhere to standard defined in RFC 1123, "
            "the name can only contain alphanumeric characters or '-'",
        ),
        (
            ["create", "image", "policy", "pol"],
            "the name of an ImageRepository in the namespace is required (--image-ref)",
        ),
        (
            ["create", "image", "policy", "pol", "--image-ref=r"],
            "a policy must be provided with either --select-semver or --select-alpha",
        ),
        (
            ["create", "image", "policy", "pol", "--image-ref=r", "--select-alpha=up"],
            '--select-alpha must be one of ["asc", "desc"]',
        ),
        (
            [
                "create",
                "image",
                "policy",
                "pol",
                "--image-ref=r",
                "--select-alpha=asc",
                "--select-numeric=asc",
            ],
            "only one of --select-semver, --select-alpha or --select-numeric can be specified",
        ),
        (
            [
                "create",
                "image",
                "policy",
                "pol",
                "--image-ref=r",
                "--select-numeric=asc",
                "--filter-extract=$ts",
            ],
            "cannot specify --filter-extract without specifying --filter-regex",
        ),
        (
            [
                "create",
                "image",
                "policy",
                "pol",
                "--image-ref=r",
                "--select-numeric=asc",
                "--filter-regex=^(?P<ts>[0-9]+)",
                "--filter-extract=$nope",
            ],
            "capture group $nope used in --filter-extract not found in --filter-regex",
        ),
        (
            [
                "create",
                "image",
                "policy",
                "pol",
                "--image-ref=r",
                "--select-numeric=asc",
                "--filter-regex=(unclosed",
            ],
            "--filter-regex is an invalid regex pattern",
        ),
        (
            ["create", "image", "update", "upd"],
            "a reference to a GitRepository is required (--git-repo-ref)",
        ),
        (
            ["create", "image", "update", "upd", "--git-repo-ref=g"],
            "the Git repository branch is required (--checkout-branch)",
        ),
        (
            ["create", "source", "git", "src", "--url=ftp://x/y", "--branch=main"],
            "git URL scheme 'ftp' not supported, can be: ssh, http and https",
        ),
        (
            ["create", "source", "git", "src", "--url=https://x/y"],
            "a Git ref is required, use one of the following: --branch, --tag, --commit, "
            "--ref-name or --tag-semver",
        ),
        (["create", "receiver", "rcv", "--secret-ref=s"], "Receiver type is required"),
        (
            ["create", "receiver", "rcv", "--type=github", "--secret-ref=s"],
            "atleast one resource is required",
        ),
        (
            ["create", "receiver", "rcv", "--type=github", "--secret-ref=s", "--resource=web"],
            "invalid event source 'web', must be in format <kind>/<name>",
        ),
        (
            ["create", "secret", "git", "src", "--url=https://x/y"],
            "for Git over HTTP/S the username and password, or a bearer token is required",
        ),
        (
            ["create", "secret", "git", "src", "--url=https://x/y", "-u", "a", "--bearer-token=t"],
            "user credentials and bearer token cannot be used together",
        ),
        (
            ["create", "image", "repository", "pod", "--image=x/y", "--label=novalue"],
            "invalid label format 'novalue', must be key=value",
        ),
    ],
)
def test_flux_messages(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--export"]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"✗ {message}\n"


def test_labels_namespace_and_durations(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "create",
        "image",
        "repository",
        "app",
        "--image=ghcr.io/org/app",
        "-n",
        "apps",
        "--label=team=web,tier=front",
        "--interval=1.5h",
        "--scan-timeout=90s",
        "--secret-ref=regcred",
        "--export",
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out == (
        "---\n"
        "apiVersion: image.toolkit.fluxcd.io/v1\n"
        "kind: ImageRepository\n"
        "metadata:\n"
        "  labels:\n"
        "    team: web\n"
        "    tier: front\n"
        "  name: app\n"
        "  namespace: apps\n"
        "spec:\n"
        "  image: ghcr.io/org/app\n"
        "  interval: 1h30m0s\n"
        "  secretRef:\n"
        "    name: regcred\n"
        "  timeout: 1m30s\n"
    )


def test_bad_duration_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["create", "image", "repository", "app", "--image=x/y", "--interval=5", "--export"])
    assert exc.value.code != 0
    assert 'time: missing unit in duration "5"' in capsys.readouterr().err


def test_flux_system_namespace_from_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLUX_SYSTEM_NAMESPACE", "gitops")
    assert main(["create", "image", "repository", "app", "--image=x/y", "--export"]) == 0
    assert "  namespace: gitops\n" in capsys.readouterr().out
    monkeypatch.setenv("FLUX_SYSTEM_NAMESPACE", "Not_A_Label")
    assert main(["create", "image", "repository", "app", "--image=x/y", "--export"]) == 0
    assert "  namespace: flux-system\n" in capsys.readouterr().out

"""Flags of ``create ... --export`` beyond the golden cases: each flag lands in the spec field the
flux CLI reference names (§8.2-8.9), refusals carry flux's messages, and values are quoted as
go-yaml v2 quotes them (§8.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tagpilot.cli.main import main

pytestmark = pytest.mark.unit


def _export(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main([*argv, "--export"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def _spec(out: str) -> str:
    return out.split("spec:\n", 1)[1]


UPDATE = [
    "create",
    "image",
    "update",
    "upd",
    "--git-repo-ref=g",
    "--checkout-branch=main",
    "--author-name=flux",
    "--author-email=flux@example.com",
]


@pytest.mark.parametrize(
    ("ref_flags", "ref"),
    [
        (["--tag=v1.0.0"], "  ref:\n    tag: v1.0.0\n"),
        (["--tag-semver=>=1.0.0 <2.0.0"], "  ref:\n    semver: '>=1.0.0 <2.0.0'\n"),
        (["--ref-name=refs/heads/main"], "  ref:\n    name: refs/heads/main\n"),
        # precedence: commit (+branch) > ref-name > semver > tag > branch
        (
            ["--commit=abc123", "--branch=main", "--tag=v1"],
            "  ref:\n    branch: main\n    commit: abc123\n",
        ),
        (
            ["--ref-name=refs/tags/x", "--tag-semver=1.x", "--tag=v1", "--branch=b"],
            "  ref:\n    name: refs/tags/x\n",
        ),
        (["--tag-semver=1.x", "--tag=v1"], "  ref:\n    semver: 1.x\n"),
    ],
)
def test_source_git_refs(
    capsys: pytest.CaptureFixture[str], ref_flags: list[str], ref: str
) -> None:
    out = _export(capsys, "create", "source", "git", "src", "--url=https://x/y", *ref_flags)
    assert ref in _spec(out)


def test_source_git_optional_fields(capsys: pytest.CaptureFixture[str]) -> None:
    out = _export(
        capsys,
        "create",
        "source",
        "git",
        "src",
        "--url=https://git.example.com/org/repo",
        "--branch=main",
        "--secret-ref=creds",
        "--proxy-secret-ref=proxy",
        "--provider=azure",
        "--recurse-submodules",
        "--ignore-paths=/*",
        "--ignore-paths=!/deploy",
        "--sparse-checkout-paths=deploy",
        "--sparse-checkout-paths=apps",
        "--fetch-timeout=90s",
        "--interval=10m",
    )
    assert _spec(out) == (
        "  ignore: |-\n"
        "    /*\n"
        "    !/deploy\n"
        "  interval: 10m0s\n"
        "  provider: azure\n"
        "  proxySecretRef:\n"
        "    name: proxy\n"
        "  recurseSubmodules: true\n"
        "  ref:\n"
        "    branch: main\n"
        "  secretRef:\n"
        "    name: creds\n"
        "  sparseCheckout:\n"
        "  - deploy\n"
        "  - apps\n"
        "  timeout: 1m30s\n"
        "  url: https://git.example.com/org/repo\n"
    )
    generic = _export(capsys, "create", "source", "git", "src", "--url=https://x/y", "--branch=m")
    assert "provider" not in generic  # the default is not written


def test_image_update_optional_fields_and_quoting(capsys: pytest.CaptureFixture[str]) -> None:
    out = _export(
        capsys,
        *UPDATE[:-2],
        "--author-name=@bot",
        "--author-email=bot@example.com",
        "--git-repo-namespace=infra",
        "--push-branch=yes",
        "--commit-template=line1\nline2",
        "--signing-key-secret=signing",
        "--signing-key-type=ssh",
        "--label=v=1.10",
    )
    assert '  labels:\n    v: "1.10"\n' in out  # would read as a float: double quotes
    assert _spec(out) == (
        "  git:\n"
        "    checkout:\n"
        "      ref:\n"
        "        branch: main\n"
        "    commit:\n"
        "      author:\n"
        "        email: bot@example.com\n"
        "        name: '@bot'\n"  # starts with an indicator: single quotes
        "      messageTemplate: |-\n"
        "        line1\n"
        "        line2\n"
        "      signingKey:\n"
        "        secretRef:\n"
        "          name: signing\n"
        "        type: ssh\n"
        "    push:\n"
        '      branch: "yes"\n'  # a YAML 1.1 bool: double quotes
        "  interval: 1m0s\n"
        "  sourceRef:\n"
        "    kind: GitRepository\n"
        "    name: g\n"
        "    namespace: infra\n"
    )
    kept = _export(capsys, *UPDATE, "--commit-template=one\ntwo\n")
    assert "      messageTemplate: |\n        one\n        two\n" in kept
    secret_only = _export(capsys, *UPDATE, "--signing-key-secret=s")
    assert "      signingKey:\n        secretRef:\n          name: s\n  interval:" in secret_only


def test_image_policy_digest_reflection(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["create", "image", "policy", "pol", "--image-ref=app", "--select-semver=1.x"]
    out = _export(capsys, *base, "--reflect-digest=Always", "--interval=10m")
    assert "  digestReflectionPolicy: Always\n" in out and "  interval: 10m0s\n" in out
    quirk = _export(capsys, *base, "--select-alpha=asc")
    assert "  policy: {}\n" in quirk  # flux's quirk: semver with alpha gives an empty policy
    alpha = _export(
        capsys, "create", "image", "policy", "pol", "--image-ref=a", "--select-alpha=desc"
    )
    assert "  policy:\n    alphabetical:\n      order: desc\n" in alpha


def test_image_repository_cert_ref(capsys: pytest.CaptureFixture[str]) -> None:
    out = _export(
        capsys, "create", "image", "repository", "app", "--image=ghcr.io/a/b", "--cert-ref=tls"
    )
    assert "  certSecretRef:\n    name: tls\n" in out


def test_secret_git_basic_with_ca_and_bearer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    out = _export(
        capsys,
        "create",
        "secret",
        "git",
        "auth",
        "--url=https://x/y",
        "-u",
        "me",
        "-p",
        "pw",
        f"--ca-crt-file={ca}",
    )
    assert out.endswith(
        "stringData:\n"
        "  ca.crt: |\n"
        "    -----BEGIN CERTIFICATE-----\n"
        "    MIIB\n"
        "    -----END CERTIFICATE-----\n"
        "  password: pw\n"
        "  username: me\n"
        "\n"
    )
    bearer = _export(
        capsys, "create", "secret", "git", "auth", "--url=https://x/y", "--bearer-token=t0k"
    )
    assert bearer.endswith("stringData:\n  bearerToken: t0k\n\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["create", "image", "repository", "app", "--image=UPPER/Case"],
            "unable to parse image value: ",
        ),
        (
            [
                "create",
                "image",
                "policy",
                "pol",
                "--image-ref=a",
                "--select-semver=1.x",
                "--reflect-digest=Sometimes",
            ],
            "invalid value for --reflect-digest, must be one of 'Never', 'IfNotPresent', 'Always'",
        ),
        (
            [
                "create",
                "image",
                "policy",
                "pol",
                "--image-ref=a",
                "--select-semver=1.x",
                "--interval=5m",
            ],
            "the --interval flag can only be used with the 'Always' digest reflection policy, "
            "use --reflect-digest=Always",
        ),
        (
            ["create", "image", "policy", "pol", "--image-ref=a", "--select-numeric=up"],
            '--select-numeric must be one of ["asc", "desc"]',
        ),
        (
            [
                "create",
                "image",
                "policy",
                "pol",
                "--image-ref=a",
                "--select-numeric=asc",
                "--filter-regex=^(?P<ts>.*)$",
                "--filter-extract=$",
            ],
            "--filter-extract is malformed",
        ),
        ([*UPDATE[:-1]], "the author email is required (--author-email)"),
        ([*UPDATE[:-2]], "the author name is required (--author-name)"),
        ([*UPDATE, "--signing-key-type=gpg"], "--signing-key-type requires --signing-key-secret"),
        (
            [*UPDATE, "--signing-key-secret=s", "--signing-key-type=pgp"],
            "--signing-key-type must be one of: gpg, ssh",
        ),
        (["create", "source", "git", "src", "--branch=main"], "url is required"),
        (
            [
                "create",
                "source",
                "git",
                "src",
                "--url=ssh://git@x/y",
                "--branch=main",
                "--ca-file=/ca",
            ],
            "specifying a CA file is not supported for Git over SSH",
        ),
        (["create", "receiver", "rcv", "--type=github"], "secret ref is required"),
        (["create", "secret", "git", "auth"], "url is required"),
        (
            ["create", "secret", "git", "auth", "--url=ftp://x/y"],
            "git URL scheme 'ftp' not supported, can be: ssh, http and https",
        ),
        (
            [
                "create",
                "secret",
                "git",
                "auth",
                "--url=https://x/y",
                "-u",
                "a",
                "-p",
                "b",
                "--ca-crt-file=/no/such/ca",
            ],
            "failed to read /no/such/ca: No such file or directory",
        ),
        (["create", "secret", "oci", "reg", "-u", "a", "-p", "b"], "--url is required"),
        (["create", "secret", "oci", "reg", "--url=ghcr.io", "-p", "b"], "--username is required"),
        (["create", "secret", "oci", "reg", "--url=ghcr.io", "-u", "a"], "--password is required"),
    ],
)
def test_refusals(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--export"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"✗ {message}")
    assert captured.err.count("\n") == 1


def test_namespace_flag_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["create", "image", "repository", "app", "--image=a/b", "-n", "Bad_NS", "--export"])
        == 2
    )
    assert capsys.readouterr().err == '✗ namespace must be a valid DNS label: "Bad_NS"\n'

"""Input limits at ``tagpilot validate`` and ``tagpilot apply`` (README: "Limits").

Every case goes through the CLI entry point (``main``) with a manifest file, asserts the exact
refusal and, for ``apply``, that nothing reached the store. ``validate`` refuses what ``apply``
would refuse.
"""

from __future__ import annotations

import base64
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from tagpilot.cli.main import main
from tagpilot.limits import (
    MAX_INTEGER_CHARS,
    MAX_MANIFEST_BYTES,
    MAX_MANIFEST_DEPTH,
    MAX_MANIFEST_NODES,
    MAX_OBJECT_BYTES,
)
from tagpilot.store.errors import SecretNotFoundError

pytestmark = pytest.mark.functional

GOOD_TOKEN = "0123456789abcdef" * 4

REPO = """apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: app
  namespace: apps
spec:
  image: ghcr.io/org/app
  interval: 5m
"""

# The 571-byte billion laughs: nine levels of nine aliases (9**9 = 387,420,489 strings),
# used as kind, apiVersion and metadata.name.
_LEVELS = "abcdefghi"
BOMB = (
    "lol: &a ["
    + ",".join(['"lol"'] * 9)
    + "]\n"
    + "".join(
        f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        for prev, name in zip(_LEVELS, _LEVELS[1:], strict=False)
    )
    + "apiVersion: *i\nkind: *i\nmetadata:\n  name: *i\n"
)


def _write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["validate", "-f", str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def cli_app(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``apply`` writes to the test App (DynamoDB Local, moto for Secrets Manager)."""
    monkeypatch.setattr("tagpilot.cli.apply.open_app", lambda: app)
    return app


def _apply(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["apply", "-f", str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_yaml_bomb_is_refused_fast_with_low_memory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_app: Any
) -> None:
    assert len(BOMB) < 600
    path = _write(tmp_path, BOMB)
    tracemalloc.start()
    try:
        validated = _validate(path, capsys)
        applied = _apply(path, capsys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    expected = (
        f"{path}: YAML document expands to more than {MAX_MANIFEST_NODES} nodes or 4 MiB of text"
    )
    for code, output in (validated, applied):
        assert code == 2
        assert expected in output
    assert peak < 16 * 1024 * 1024  # expanded, it would be gigabytes
    assert cli_app.objects.list("ImageRepository") == []


def test_alias_of_a_collection_in_a_scalar_field_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = REPO.replace("kind: ImageRepository", "kind: &k [ImageRepository]\nx: *k")
    text = text.replace("name: app", "name: *k")
    code, output = _validate(_write(tmp_path, text), capsys)
    assert code == 2
    assert "kind: must be a string, not array" in output
    assert "metadata.name: must be a string, not array" in output


def test_integer_over_the_limit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digits = "9" * 5000  # Python's int() refuses more than 4,300 digits with a traceback
    code, output = _validate(_write(tmp_path, REPO + f"extra: {digits}\n"), capsys)
    assert code == 2
    assert (
        f"integer of 5000 characters on line 9: integers are limited to {MAX_INTEGER_CHARS} "
        "characters (64-bit)"
    ) in output
    # 20 characters is still a (64-bit) integer, refused by the schema as usual
    code, output = _validate(_write(tmp_path, REPO + "extra: 12345678901234567890\n"), capsys)
    assert code == 2 and "extra: unknown field" in output


@pytest.mark.parametrize(
    "nested",
    [
        "spec2: " + "[" * 1000 + "]" * 1000 + "\n",  # 1,000-deep flow YAML
        "spec2:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(1000)),  # block
        "spec2: " + "[" * (MAX_MANIFEST_DEPTH + 1) + "]" * (MAX_MANIFEST_DEPTH + 1) + "\n",
    ],
    ids=["flow-1000", "block-1000", "flow-limit-plus-one"],
)
def test_deep_yaml_is_refused(
    nested: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = _validate(_write(tmp_path, REPO + nested), capsys)
    assert code == 2
    assert f"YAML nested deeper than {MAX_MANIFEST_DEPTH} levels" in output
    assert "Traceback" not in output


def test_manifest_over_the_size_limit_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, REPO + "# " + "x" * MAX_MANIFEST_BYTES + "\n")
    code, output = _validate(path, capsys)
    assert code == 2
    assert f"{path}: larger than 4 MiB (the manifest size limit)" in output


@pytest.mark.parametrize(
    ("field", "pattern"),
    [
        ("filterTags", "(" * 2000 + "a" + ")" * 2000),
        ("exclusionList", "(" * 2000 + "a" + ")" * 2000),
    ],
)
def test_regexp_nested_two_thousand_deep_is_refused_with_gos_message(
    field: str, pattern: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if field == "exclusionList":
        text = REPO + f"  exclusionList: ['{pattern}']\n"
    else:
        text = (
            "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: app\n"
            "  namespace: apps\nspec:\n  imageRepositoryRef:\n    name: app\n  policy:\n"
            f"    alphabetical: {{}}\n  filterTags:\n    pattern: '{pattern}'\n"
        )
    code, output = _validate(_write(tmp_path, text), capsys)
    assert code == 2
    assert f"error parsing regexp: expression nests too deeply: `{pattern}`" in output


def test_object_over_the_item_size_is_refused_by_validate_and_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_app: Any
) -> None:
    annotation = "x" * 500_000
    text = REPO.replace(
        "  namespace: apps\n", f"  namespace: apps\n  annotations:\n    a: {annotation}\n"
    )
    path = _write(tmp_path, text)
    for run in (_validate, _apply):
        code, output = run(path, capsys)
        assert code == 2
        assert f"objects are limited to {MAX_OBJECT_BYTES // 1024} KiB" in output
        assert "ValidationException" not in output
    assert cli_app.objects.list("ImageRepository") == []


SECRET = """apiVersion: v1
kind: Secret
metadata:
  name: hook-token
  namespace: apps
stringData:
  token: {token}
"""
RECEIVER = """apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata:
  name: hook
  namespace: apps
spec:
  type: generic
  secretRef:
    name: hook-token
  resources:
    - kind: ImageRepository
      name: app
"""
WEAK = "fourteen-chars"


def test_weak_receiver_token_in_the_same_documents_is_refused_by_validate_and_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_app: Any
) -> None:
    path = _write(tmp_path, SECRET.format(token=WEAK) + "---\n" + RECEIVER)
    for run in (_validate, _apply):
        code, output = run(path, capsys)
        assert code == 2
        assert (
            "spec.secretRef: Secret hook-token: the Secret's token has 14 characters; tagpilot "
            "requires at least 32"
        ) in output
        assert WEAK not in output
    assert cli_app.objects.list("Receiver") == []
    with pytest.raises(SecretNotFoundError):
        cli_app.secrets.get("apps", "hook-token")  # all or nothing: the Secret was not stored


def test_weak_token_for_a_stored_receiver_is_refused_at_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_app: Any
) -> None:
    good = _write(tmp_path, SECRET.format(token=GOOD_TOKEN) + "---\n" + RECEIVER, "good.yaml")
    assert _apply(good, capsys)[0] == 0
    weak = _write(tmp_path, SECRET.format(token=WEAK), "weak.yaml")
    code, output = _apply(weak, capsys)
    assert code == 2
    assert (
        "Secret apps/hook-token (used by Receiver apps/hook): the Secret's token has 14 characters"
    ) in output
    assert cli_app.secrets.get("apps", "hook-token").data["token"] == GOOD_TOKEN
    # a Receiver applied alone against a weak stored Secret is refused too
    cli_app.secrets.put("apps", "other-token", "Opaque", {"token": WEAK})
    alone = _write(tmp_path, RECEIVER.replace("hook-token", "other-token"), "alone.yaml")
    code, output = _apply(alone, capsys)
    assert code == 2 and "the Secret's token has 14 characters" in output


GIT = """apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: fleet
  namespace: apps
spec:
  url: {url}
  interval: 5m
  ref:
    branch: main
"""


@pytest.mark.parametrize(
    "url",
    [
        "https://bot:s3cr3t-passw0rd@git.example.com/org/fleet.git",
        "https://ghp_s3cr3ttoken@github.com/org/fleet.git",
        "ssh://git:s3cr3t-passw0rd@git.example.com/org/fleet.git",
    ],
)
def test_credentials_in_a_git_url_are_refused_and_never_printed(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_app: Any
) -> None:
    path = _write(tmp_path, GIT.format(url=url))
    for run in (_validate, _apply):
        code, output = run(path, capsys)
        assert code == 2
        assert (
            "spec.url: must not contain credentials (user:password@ or a token before @): put "
            "them in a Secret and reference it with spec.secretRef"
        ) in output
        assert "s3cr3t" not in output
    assert cli_app.objects.list("GitRepository") == []


def test_ssh_user_in_a_git_url_is_not_a_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, GIT.format(url="ssh://git@github.com/org/fleet.git"))
    assert _validate(path, capsys)[0] == 0


def test_secret_data_is_never_decoded_into_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = base64.b64encode(WEAK.encode()).decode()
    text = SECRET.replace("stringData:\n  token: {token}", f"data:\n  token: {token}") + "---\n"
    code, output = _validate(_write(tmp_path, text + RECEIVER), capsys)
    assert code == 2 and WEAK not in output and token not in output

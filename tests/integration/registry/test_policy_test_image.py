"""``tagpilot policy test --image``: tags listed through the registry client from a real registry.

The Debian ``docker-registry`` (CNCF distribution) serves the tags; the CLI lists them through
:class:`~tagpilot.registry.client.RegistryClient` over plain HTTP (``--insecure``), applies the
default exclusion list and the policy, and prints the latest tag.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tagpilot.cli.main import main

from tests.support.registry import RegistryServer, push_image

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServer]:
    with RegistryServer() as server:
        push_image(server.url, "team/app", ["1.0.0", "1.1.0", "2.0.0-rc.1", "x.sig"])
        yield server


def test_image_tags_are_listed_from_the_registry(
    registry: RegistryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    image = f"{registry.host}/team/app"
    args = ["policy", "test", "--image", image, "--insecure", "--timeout", "5"]
    assert main([*args, "--select-semver", "*"]) == 0
    assert capsys.readouterr().out == "1.1.0\n"
    assert main([*args, "--select-alpha", "asc", "-o", "json"]) == 0
    report = capsys.readouterr().out
    assert '"latest": "2.0.0-rc.1"' in report
    assert '"tag": "x.sig"' in report  # rejected by the default exclusion list


def test_unknown_repository_is_a_one_line_error(
    registry: RegistryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    image = f"{registry.host}/team/missing"
    code = main(["policy", "test", "--image", image, "--insecure", "--select-semver", "*"])
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err

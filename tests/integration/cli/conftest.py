"""The in-process CLI fixture of the functional tier, for tests against real services."""

from tests.functional.cli.conftest import Run, cli  # noqa: F401 - re-exported fixture

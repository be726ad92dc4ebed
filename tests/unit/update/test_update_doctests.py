"""The examples in the update package's docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

pytestmark = pytest.mark.unit

MODULES = ["imageref", "setters", "markers", "yaml11", "scalar_style", "walk", "yaml_edit", "apply"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"tagpilot.update.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0

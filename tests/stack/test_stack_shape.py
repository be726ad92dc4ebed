"""The stack as created from the template: what each function gets, and nothing else."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.stack


def test_every_function_of_the_template_runs(stack) -> None:
    functions = {
        k
        for k, v in stack.source_template["Resources"].items()
        if v["Type"] == "AWS::Serverless::Function"
    }
    assert set(stack.functions) == functions
    for fn in stack.functions.values():
        assert fn.spec.code_dir.parent.name == "build"  # the sam build output
        assert (fn.spec.code_dir / "app.py").exists()

"""Flux commit message templates rendered like Flux (expected output recorded from Go)."""

from __future__ import annotations

import pytest
from commit_message_cases import CASES
from commit_message_data import NAME, NAMESPACE, VALUES, make_result
from tagpilot.golang.template.errors import TemplateExecError, TemplateParseError
from tagpilot.update.template import (
    CommitTemplateExecError,
    CommitTemplateParseError,
    render_commit_message,
)

pytestmark = pytest.mark.unit

# The Go program declared its types in package main; Flux's live in these packages.
_GO_TYPES = {
    "main.NamespacedName": "types.NamespacedName",
    "main.Result": "update.Result",
    "main.TemplateData": "source.TemplateData",
}


def _flux_types(message: str) -> str:
    for go, flux in _GO_TYPES.items():
        message = message.replace(go, flux)
    return message


def _render(template: str) -> str:
    return render_commit_message(
        template, namespace=NAMESPACE, name=NAME, result=make_result(), values=VALUES
    )


@pytest.mark.parametrize(("case_id", "tpl", "expected"), [c[:3] for c in CASES if not c[3]])
def test_renders_like_flux(case_id: str, tpl: str, expected: str) -> None:
    assert _render(tpl) == expected


@pytest.mark.parametrize(
    ("case_id", "tpl", "message"), [(c[0], c[1], c[4]) for c in CASES if c[3] == "parse"]
)
def test_parse_errors_like_flux(case_id: str, tpl: str, message: str) -> None:
    with pytest.raises(CommitTemplateParseError) as info:
        _render(tpl)
    assert isinstance(info.value, TemplateParseError)
    assert str(info.value) == f"unable to create commit message template from spec: {message}"


@pytest.mark.parametrize(
    ("case_id", "tpl", "message"), [(c[0], c[1], c[4]) for c in CASES if c[3] == "exec"]
)
def test_exec_errors_like_flux(case_id: str, tpl: str, message: str) -> None:
    with pytest.raises(CommitTemplateExecError) as info:
        _render(tpl)
    assert isinstance(info.value, TemplateExecError)
    assert str(info.value) == f"failed to run template from spec: {_flux_types(message)}"

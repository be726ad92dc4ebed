"""Renderings of Go's standard ``text/template`` features, checked against recorded Go output."""

from __future__ import annotations

import re

import pytest
from gotemplate_cases import CASES
from gotemplate_data import make_data
from tagpilot.errors import TagpilotError
from tagpilot.golang.template import parse, render
from tagpilot.golang.template.errors import TemplateExecError, TemplateParseError

pytestmark = pytest.mark.unit

# Go names the static type of the receiver in some messages ("interface {}" for values read from
# a map[string]any, the reflect panic text for len of nil). Python values carry no static type, so
# for these cases only the location and the start of the message are compared.
LOOSE_DETAIL = {
    "field_bad_struct",
    "field_on_string",
    "len_missing",
    "pos_multiline",
    "pos_unicode_col",
    "pos_in_define",
    "eq_list",
}
_EXEC_PREFIX = re.compile(r'^(template: [^:]+:\d+:\d+: executing "[^"]*" at <.*?>: )')

OK_CASES = [c for c in CASES if not c[3]]
PARSE_ERRORS = [c for c in CASES if c[3] == "parse"]
EXEC_ERRORS = [c for c in CASES if c[3] == "exec"]


@pytest.mark.parametrize(("case_id", "tpl", "expected"), [c[:3] for c in OK_CASES])
def test_renders_like_go(case_id: str, tpl: str, expected: str) -> None:
    assert render("t", tpl, make_data()) == expected


@pytest.mark.parametrize(("case_id", "tpl", "message"), [(c[0], c[1], c[4]) for c in PARSE_ERRORS])
def test_parse_errors_like_go(case_id: str, tpl: str, message: str) -> None:
    with pytest.raises(TemplateParseError) as info:
        parse("t", tpl)
    assert str(info.value) == message
    assert isinstance(info.value, TagpilotError)


@pytest.mark.parametrize(("case_id", "tpl", "message"), [(c[0], c[1], c[4]) for c in EXEC_ERRORS])
def test_exec_errors_like_go(case_id: str, tpl: str, message: str) -> None:
    template = parse("t", tpl)
    with pytest.raises(TemplateExecError) as info:
        template.execute(make_data())
    if case_id in LOOSE_DETAIL:
        match = _EXEC_PREFIX.match(message)
        assert match is not None
        assert str(info.value).startswith(match.group(1))
    else:
        assert str(info.value) == message

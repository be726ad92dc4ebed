"""Template features beyond the recorded Go 1.19 table, and the Python data protocol.

``else with`` (Go 1.23) and ranging over an integer (Go 1.22) are checked against the behaviour
the Go documentation describes; the rest exercises how Python values stand in for Go values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from tagpilot.errors import TagpilotError
from tagpilot.golang.template import MISSING, GoMap, parse, render
from tagpilot.golang.template.errors import FuncError, TemplateExecError, TemplateParseError
from tagpilot.golang.template.executor import MAX_EXEC_DEPTH

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class Point:
    __go_fields__: ClassVar[dict[str, str]] = {"X": "x", "Y": "y"}
    __go_methods__: ClassVar[dict[str, str]] = {"Add": "add", "Sum": "total"}
    __go_type__: ClassVar[str] = "geo.Point"

    x: int
    y: int

    def add(self, dx: int, dy: int) -> Point:
        return Point(self.x + dx, self.y + dy)

    def total(self) -> int:
        return self.x + self.y


@pytest.mark.parametrize(
    ("tpl", "data", "expected"),
    [
        # {{with}} ... {{else with}} ... {{else}} ... {{end}} (Go 1.23 doc semantics).
        ("{{ with .a }}A{{ . }}{{ else with .b }}B{{ . }}{{ else }}C{{ end }}", {"a": 1}, "A1"),
        ("{{ with .a }}A{{ . }}{{ else with .b }}B{{ . }}{{ else }}C{{ end }}", {"b": 2}, "B2"),
        ("{{ with .a }}A{{ else with .b }}B{{ else }}C{{ . }}{{ end }}", {"c": 3}, "Cmap[c:3]"),
        ("{{ if .a }}A{{ else if .b }}B{{ else if .c }}C{{ end }}", {"c": 1}, "C"),
        # Ranging over an integer n visits 0..n-1 (Go 1.22); n <= 0 runs the else branch.
        ("{{ range 3 }}{{ . }}{{ end }}", {}, "012"),
        ("{{ range $i := .n }}[{{ $i }}]{{ end }}", {"n": 2}, "[0][1]"),
        ("{{ range 0 }}x{{ else }}none{{ end }}", {}, "none"),
        ("{{ range -2 }}x{{ else }}none{{ end }}", {}, "none"),
        # break/continue only leave the innermost range.
        (
            "{{ range .o }}{{ range . }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }};"
            "{{ end }}",
            {"o": [[1, 2, 3], [4, 2, 5]]},
            "1;4;",
        ),
        (
            "{{ range $i, $v := .l }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ $v }}{{ end }}",
            {"l": ["a", "b", "c"]},
            "ac",
        ),
        # Variables declared inside a range iteration do not leak to the next one.
        ("{{ range .l }}{{ $x := . }}{{ $x }}{{ end }}", {"l": [1, 2]}, "12"),
        ("{{ $x := 0 }}{{ range .l }}{{ $x = . }}{{ end }}{{ $x }}", {"l": [1, 2]}, "2"),
        # Trim markers around comments and at the edges.
        ("a {{- /* c */ -}} b", {}, "ab"),
        ("{{- 1 -}}\n\n", {}, "1"),
        ("\t {{- 1 }}", {}, "1"),
        # Struct protocol: fields, methods with arguments, chained results.
        (
            "{{ .p.X }},{{ .p.Y }} {{ .p.Sum }} {{ (.p.Add 1 2).Sum }}",
            {"p": Point(1, 2)},
            "1,2 3 6",
        ),
        ("{{ $q := .p.Add 10 0 }}{{ $q.X }} {{ $q }}", {"p": Point(1, 2)}, "11 {11 2}"),
        ('{{ printf "%+v" .p }}', {"p": Point(1, 2)}, "{X:1 Y:2}"),
        # Struct map keys sort field by field.
        (
            "{{ range $k, $v := .m }}{{ $k.X }}{{ $k.Y }}={{ $v }} {{ end }}",
            {"m": {Point(2, 1): "c", Point(1, 9): "b", Point(1, 2): "a"}},
            "12=a 19=b 21=c ",
        ),
        # A GoMap knows its element zero value for index; field access still gives <no value>.
        ('{{ index .m "x" | printf "%q" }} {{ .m.x }}', {"m": GoMap({}, zero="")}, '"" <no value>'),
        ('{{ index .m "x" }}', {"m": {}}, "<no value>"),
        # call invokes a function value.
        ('{{ call .f 1 "x" }}', {"f": lambda a, b: f"{a}-{b}"}, "1-x"),
        # Tuples behave like slices.
        ("{{ len .t }} {{ index .t 1 }} {{ .t }}", {"t": ("a", "b")}, "2 b [a b]"),
        # The root value and $.
        ("{{ . }} {{ $ }}", "root", "root root"),
        ("{{ .x }}", MISSING, "<no value>"),
    ],
)
def test_renders(tpl: str, data: Any, expected: str) -> None:
    assert render("t", tpl, data) == expected


def test_range_over_int_with_two_variables_fails() -> None:
    with pytest.raises(TemplateExecError, match="can't use 2 to iterate over more than one"):
        render("t", "{{ range $i, $j := 2 }}{{ end }}", {})


def test_template_recursion_is_bounded() -> None:
    tpl = '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}'
    with pytest.raises(
        TemplateExecError, match=f"exceeded maximum template depth \\({MAX_EXEC_DEPTH}"
    ):
        render("t", tpl, {})


def test_user_funcs_override_builtins_and_get_go_argument_checks() -> None:
    def shout(times: int, s: str) -> str:
        return s.upper() * times

    funcs: dict[str, Callable[..., Any]] = {"shout": shout, "len": lambda v: 99}
    assert render("t", '{{ "a" | shout 2 }} {{ len "abc" }}', {}, funcs) == "AA 99"
    with pytest.raises(TemplateExecError, match='expected integer; found "x"'):
        render("t", '{{ shout "x" "a" }}', {}, funcs)
    with pytest.raises(TemplateExecError, match="wrong number of args for shout: want 2 got 1"):
        render("t", "{{ shout 1 }}", {}, funcs)
    with pytest.raises(TemplateExecError, match="wrong type for value; expected string; got int"):
        render("t", "{{ shout 1 .n }}", {"n": 5}, funcs)
    with pytest.raises(TemplateExecError, match="invalid value; expected string"):
        render("t", "{{ .missing | shout 1 }}", {}, funcs)


def test_function_errors_are_reported_as_error_calling() -> None:
    def fail(msg: str) -> str:
        raise FuncError(msg)

    def crash() -> str:
        raise ZeroDivisionError("division by zero")

    funcs: dict[str, Callable[..., Any]] = {"fail": fail, "crash": crash}
    with pytest.raises(TemplateExecError) as info:
        render("t", '{{ fail "boom" }}', {}, funcs)
    assert str(info.value) == (
        'template: t:1:3: executing "t" at <fail "boom">: error calling fail: boom'
    )
    with pytest.raises(TemplateExecError, match="error calling crash: division by zero"):
        render("t", "{{ crash }}", {}, funcs)


def test_unknown_function_is_a_parse_error_and_funcs_make_it_known() -> None:
    with pytest.raises(TemplateParseError) as info:
        parse("commit message", "{{ .A | foo }}")
    assert str(info.value) == 'template: commit message:1: function "foo" not defined'
    assert (info.value.name, info.value.line) == ("commit message", 1)
    assert parse("t", "{{ .A | foo }}", {"foo": str.upper}).execute({"A": "x"}) == "X"


def test_parse_without_data_exposes_trees() -> None:
    template = parse("main", '{{ define "a" }}A{{ end }}{{ block "b" . }}B{{ end }}x')
    assert sorted(template.trees) == ["a", "b", "main"]
    assert template.execute(None) == "Bx"


def test_errors_are_tagpilot_errors() -> None:
    assert issubclass(TemplateParseError, TagpilotError)
    assert issubclass(TemplateExecError, TagpilotError)


def test_method_field_errors_name_the_go_type() -> None:
    with pytest.raises(TemplateExecError) as info:
        render("t", "{{ .p.Z }}", {"p": Point(1, 2)})
    assert str(info.value).endswith("can't evaluate field Z in type geo.Point")
    with pytest.raises(TemplateExecError, match="X has arguments but cannot be invoked"):
        render("t", "{{ .p.X 1 }}", {"p": Point(1, 2)})


def test_printing_a_function_value_fails() -> None:
    with pytest.raises(TemplateExecError, match="can't print"):
        render("t", "{{ .f }}", {"f": len})

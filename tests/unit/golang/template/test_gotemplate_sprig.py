"""Sprig functions, with expected values taken from Sprig v3's own tests and documentation."""

from __future__ import annotations

from typing import Any

import pytest
from tagpilot.golang.template import parse, render
from tagpilot.golang.template.errors import TemplateExecError, TemplateParseError
from tagpilot.golang.template.sprig import SPRIG_FUNCS

pytestmark = pytest.mark.unit


def _render(tpl: str, data: Any = None) -> str:
    return render("t", tpl, data or {}, SPRIG_FUNCS)


@pytest.mark.parametrize(
    ("tpl", "expected"),
    [
        # strings_test.go
        ('{{"fooo" | substr 0 3 }}', "foo"),
        ('{{"foo" | substr 0 10 }}', "foo"),
        ('{{ "foooooo" | trunc 3 }}', "foo"),
        ('{{ "baaaaaar" | trunc -3 }}', "aar"),
        ('{{ "baaaaaar" | trunc -999 }}', "baaaaaar"),
        ('{{ "baaaaaz" | trunc 0 }}', ""),
        ('{{quote "a" "b" "c"}}', '"a" "b" "c"'),
        ('{{quote "\\"a\\"" "b" "c"}}', '"\\"a\\"" "b" "c"'),
        ("{{quote 1 2 3 }}", '"1" "2" "3"'),
        ('{{squote "a" "b" "c"}}', "'a' 'b' 'c'"),
        ("{{squote 1 2 3 }}", "'1' '2' '3'"),
        ('{{if contains "cat" "fair catch"}}1{{end}}', "1"),
        ('{{if hasPrefix "cat" "catch"}}1{{end}}', "1"),
        ('{{if hasSuffix "cat" "ducat"}}1{{end}}', "1"),
        ('{{trim "   5.00   "}}', "5.00"),
        ('{{trimAll "$" "$5.00$"}}', "5.00"),
        ('{{trimPrefix "$" "$5.00"}}', "5.00"),
        ('{{trimSuffix "$" "5.00$"}}', "5.00"),
        ('{{ tuple "a" "b" "c" | join "-" }}', "a-b-c"),
        ('{{ tuple 1 2 3 | join "-" }}', "1-2-3"),
        ('{{ list "c" "a" "b" | sortAlpha | join "" }}', "abc"),
        ('{{ list 2 1 4 3 | sortAlpha | join "" }}', "1234"),
        ('{{nospace "h e l l o "}}', "hello"),
        ('{{$b := "b"}}{{"c" | cat "a" $b}}', "a b c"),
        ('{{indent 4 "a\\nb\\nc"}}', "    a\n    b\n    c"),
        ('{{nindent 4 "a\\nb\\nc"}}', "\n    a\n    b\n    c"),
        ('{{"I Am Henry VIII" | replace " " "-"}}', "I-Am-Henry-VIII"),
        ('{{$num := len "two"}}{{$num}} {{$num | plural "1 char" "chars"}}', "3 chars"),
        ('{{len "t" | plural "cheese" "%d chars"}}', "cheese"),
        # docs/strings.md, docs/defaults.md, docs/lists.md, docs/dicts.md, docs/paths.md
        (
            '{{ "hello" | upper }} {{ "HELLO" | lower }} {{ "hello world" | title }}',
            "HELLO hello Hello World",
        ),
        ('{{ repeat 3 "hello" }}', "hellohellohello"),
        ('{{ "hello" | substr 1 3 }}', "el"),
        ('{{ "hello world" | trunc 5 }}', "hello"),
        ('{{ default "foo" "" }} {{ default "foo" "bar" }} {{ default 42 0 }}', "foo bar 42"),
        ("{{ empty .Foo }} {{ empty 0 }} {{ empty (list) }} {{ empty 1 }}", "true true true false"),
        ('{{ coalesce 0 1 2 }} {{ coalesce .name .parent.name "Matt" }}', "1 Matt"),
        ('{{ splitList "$" "foo$bar$baz" }}', "[foo bar baz]"),
        ("{{ first (list 1 2 3 4 5) }} {{ last (list 1 2 3 4 5) }}", "1 5"),
        ("{{ list 1 1 1 2 | uniq }}", "[1 2]"),
        (
            "{{ slice (list 1 2 3 4 5) 1 3 }} {{ slice (list 1 2 3 4 5) 3 }} {{ slice (list) }}",
            "[2 3] [4 5] <no value>",
        ),
        ('{{ $d := dict "name1" "value1" "name2" "value2" }}{{ $d.name2 }}', "value2"),
        ('{{ dict "a" 1 "b" }}', "map[a:1 b:]"),
        (
            '{{ base "foo/bar/baz" }} {{ dir "foo/bar/baz" }} {{ ext "foo.bar" }}',
            "baz foo/bar .bar",
        ),
        ('{{ clean "foo/bar/../baz" }}', "foo/baz"),
        ("{{ toString 1 }} {{ toString 1.5 }} {{ toString true }}", "1 1.5 true"),
        (
            '{{ sha256sum "abc" }}',
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        ('{{ ternary "foo" "bar" true }} {{ ternary "foo" "bar" false }}', "foo bar"),
        # Pipelines with Sprig's argument order, as Flux templates use them.
        ('{{ "v1.2.3" | trimPrefix "v" }}', "1.2.3"),
        ('{{ "ghcr.io/org/app:1.2" | splitList ":" | last }}', "1.2"),
    ],
)
def test_sprig_documented_behaviour(tpl: str, expected: str) -> None:
    assert _render(tpl) == expected


@pytest.mark.parametrize(
    ("tpl", "data", "expected"),
    [
        ("{{ .value | quote }}", {"value": None}, ""),
        ("{{ .value | squote }}", {"value": None}, ""),
        ('{{ .value | cat "a" "b"}}', {"value": None}, "a b"),
        ('{{ join "-" .V }}', {"V": ["a", "b", "c"]}, "a-b-c"),
        ('{{ join "-" .V }}', {"V": "abc"}, "abc"),
        ('{{ join "-" .value }}', {"value": ["1", None, "2"]}, "1-2"),
    ],
)
def test_sprig_tests_with_values(tpl: str, data: dict[str, Any], expected: str) -> None:
    assert _render(tpl, data) == expected


@pytest.mark.parametrize(
    ("tpl", "message"),
    [
        ('{{ first "abc" }}', "error calling first: Cannot find first on type string"),
        ('{{ repeat -1 "x" }}', "error calling repeat: strings: negative Repeat count"),
        ("{{ upper 5 }}", "expected string; found 5"),
        (
            '{{ slice "abc" 1 }}',
            "error calling slice: list should be type of slice or array but string",
        ),
        (
            '{{ substr 3 1 "abcdef" }}',
            "error calling substr: runtime error: slice bounds out of range",
        ),
    ],
)
def test_sprig_errors(tpl: str, message: str) -> None:
    with pytest.raises(TemplateExecError, match=message.replace("(", "\\(")):
        _render(tpl)


def test_functions_outside_the_subset_are_not_defined() -> None:
    with pytest.raises(TemplateParseError, match='function "b64enc" not defined'):
        parse("t", '{{ b64enc "x" }}', SPRIG_FUNCS)


def test_hermetic_map_has_no_environment_functions() -> None:
    assert not {"now", "date", "env", "expandenv", "randAlphaNum", "uuidv4"} & set(SPRIG_FUNCS)

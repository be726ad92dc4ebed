"""Go regexp emulation, checked against tables produced by Go 1.19's ``regexp`` package.

The tables below are literal outputs of a small Go program (``regexp.Compile``,
``FindStringSubmatchIndex``, ``ExpandString``) run on each input; Go is not needed to run them.
Spans are character offsets (all subjects in the span table are ASCII, where Go's byte offsets
are the same).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tagpilot.golang import regexp as goregexp

pytestmark = pytest.mark.unit

GO_ERRORS = [
    ("(?!x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?!`"),
    ("(?=x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
    ("(?<=x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"),
    ("(?<!x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"),
    ("(a)\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
    ("\\k<n>", "error parsing regexp: invalid escape sequence: `\\k`"),
    ("(?>a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?>`"),
    ("a*+", "error parsing regexp: invalid nested repetition operator: `*+`"),
    ("a++", "error parsing regexp: invalid nested repetition operator: `++`"),
    ("a?+", "error parsing regexp: invalid nested repetition operator: `?+`"),
    ("a{2}+", "error parsing regexp: invalid nested repetition operator: `{2}+`"),
    ("(?(1)a|b)", "error parsing regexp: invalid or unsupported Perl syntax: `(?(`"),
    ("\\Z", "error parsing regexp: invalid escape sequence: `\\Z`"),
    ("(?P=n)", "error parsing regexp: invalid or unsupported Perl syntax: `(?P`"),
    ("(?#comment)", "error parsing regexp: invalid or unsupported Perl syntax: `(?#`"),
    ("\\p{Foo}", "error parsing regexp: invalid character class range: `\\p{Foo}`"),
    ("a{2,1}", "error parsing regexp: invalid repeat count: `{2,1}`"),
    ("a{1001}", "error parsing regexp: invalid repeat count: `{1001}`"),
    ("a**", "error parsing regexp: invalid nested repetition operator: `**`"),
    ("*a", "error parsing regexp: missing argument to repetition operator: `*`"),
    ("(a", "error parsing regexp: missing closing ): `(a`"),
    ("a)", "error parsing regexp: unexpected ): `a)`"),
    ("[a", "error parsing regexp: missing closing ]: `[a`"),
    ("[z-a]", "error parsing regexp: invalid character class range: `z-a`"),
    ("\\", "error parsing regexp: trailing backslash at end of expression: ``"),
    ("\\e", "error parsing regexp: invalid escape sequence: `\\e`"),
    ("\\C", "error parsing regexp: invalid escape sequence: `\\C`"),
    ("\\8", "error parsing regexp: invalid escape sequence: `\\8`"),
    ("(?P<>x)", "error parsing regexp: invalid named capture: `(?P<>`"),
    ("(?P<a-b>x)", "error parsing regexp: invalid named capture: `(?P<a-b>`"),
    ("(?i", "error parsing regexp: invalid or unsupported Perl syntax: `(?i`"),
    ("(?z)", "error parsing regexp: invalid or unsupported Perl syntax: `(?z`"),
    ("[a-\\d]", "error parsing regexp: invalid escape sequence: `\\d`"),
    ("[[:foo:]]", "error parsing regexp: invalid character class range: `[:foo:]`"),
    ("\\x{110000}", "error parsing regexp: invalid escape sequence: `\\x{110000`"),
    ("[\\Q]\\E]", "error parsing regexp: invalid escape sequence: `\\Q`"),
    ("\\Q\\E*", "error parsing regexp: missing argument to repetition operator: `*`"),
    ("\\u0041", "error parsing regexp: invalid escape sequence: `\\u`"),
    ("\\N{LATIN}", "error parsing regexp: invalid escape sequence: `\\N`"),
    ("\\G", "error parsing regexp: invalid escape sequence: `\\G`"),
    ("\\h", "error parsing regexp: invalid escape sequence: `\\h`"),
    ("\\X", "error parsing regexp: invalid escape sequence: `\\X`"),
    ("\\R", "error parsing regexp: invalid escape sequence: `\\R`"),
]

GO_MATCHES = [
    ("\\z", "abc\n", (4, 4)),
    ("abc\\z", "abc", (0, 3)),
    ("a$", "a\n", None),
    ("a$", "a", (0, 1)),
    ("(?m)a$", "a\nb", (0, 1)),
    ("\\d+", "٣", None),
    ("\\w+", "é", None),
    ("(?i)abc", "ABC", (0, 3)),
    ("a(?i)b|c", "C", (0, 1)),
    ("a(?i)b|c", "aB", (0, 2)),
    ("(?U)a+", "aaa", (0, 1)),
    ("\\Qa.b\\E", "a.b", (0, 3)),
    ("\\Qa.b", "axb", None),
    ("\\Qa.b", "a.b", (0, 3)),
    ("[[:alpha:]]+", "ab1", (0, 2)),
    ("[[:^alpha:]]+", "ab1", (2, 3)),
    ("[^[:digit:]]+", "ab1", (0, 2)),
    ("\\pL+", "ab1", (0, 2)),
    ("\\PL", "a1", (1, 2)),
    ("\\p{Nd}", "5", (0, 1)),
    ("a{,3}", "a{,3}", (0, 5)),
    ("a{1000}", None, None),
    ("a{2", None, None),
    ("[]a]", "]", (0, 1)),
    ("\\0", "\x00", (0, 1)),
    ("\\01", None, None),
    ("\\x41", "A", (0, 1)),
    ("\\x{41}", "A", (0, 1)),
    ("\\a", None, None),
    ("\\v", "\x0b", (0, 1)),
    ("\\s", "\x0b", None),
    ("[\\s]", "\x0b", None),
    ("(?P<a>x)(?P<a>y)", None, None),
    ("(?i-s:a)", None, None),
    ("(?s).", "\n", (0, 1)),
    (".", "\n", None),
    ("a|ab", "ab", (0, 1)),
    ("a*?", "aaa", (0, 0)),
    ("\\bfoo\\b", "a foo b", (2, 5)),
    ("x*", "abc", (0, 0)),
    ("[\\d-z]", "-", (0, 1)),
    ("[a-]", "-", (0, 1)),
    ("\\B", "ab", (1, 1)),
    ("^", "abc", (0, 0)),
    ("[[]", "[", (0, 1)),
    ("[a[:digit:]]", "5", (0, 1)),
    ("[[:word:]]", "_", (0, 1)),
    ("\\pN", "5", (0, 1)),
    ("(?:a)", "a", (0, 1)),
    ("a{,}", "a{,}", (0, 4)),
    ("a{1,}", "aa", (0, 2)),
    ("(?s:.)", "\n", (0, 1)),
    ("a\\z", "a\n", None),
    ("\\$", "$", (0, 1)),
    ("[\\^]", "^", (0, 1)),
    ("\\-", "-", (0, 1)),
    ("\\_", None, None),
    ("\\!", "!", (0, 1)),
    ("\\<", None, None),
    ("\\@", "@", (0, 1)),
]

GO_EXPANSIONS = [
    ("(?P<n>a)", "a", "$n", "a"),
    ("(?P<1a>x)", "x", "$1a", "x"),
    (
        "(a)(b)?",
        "a",
        "[$1][$2][${1}x][$1x][$$][$][${][${1][$-][$0]",
        "[a][][ax][][$][$][${][${1][$-][a]",
    ),
    ("(?P<ver>[0-9]+)-(?P<x>a)?", "12-", "${ver}.$x.$ver_1.$ver.${x}", "12...12."),
    ("(\\d+)", "x123y", "$01|$1|${01}|$10|$1$1", "|123|||123123"),
    ("(a|ab)(c|bcd)", "abcd", "$1,$2", "a,bcd"),
    ("(a)(?:b)(c)", "abc", "$2", "c"),
    ("(?P<n>a)|(?P<m>b)", "b", "[$n][$m]", "[][b]"),
    ("(?i)(?P<n>A)", "a", "$n", "a"),
    ("$", "ab", "x", "x"),
]


@pytest.mark.parametrize(("pattern", "message"), GO_ERRORS)
def test_refuses_what_go_refuses_with_go_message(pattern: str, message: str) -> None:
    with pytest.raises(goregexp.RegexpSyntaxError) as info:
        goregexp.compile(pattern)
    assert str(info.value) == message


@pytest.mark.parametrize(("pattern", "subject", "span"), GO_MATCHES)
def test_match_spans_equal_go(
    pattern: str, subject: str | None, span: tuple[int, int] | None
) -> None:
    rx = goregexp.compile(pattern)
    if subject is None:
        return  # Go compiles it; compiling without error is the assertion.
    m = rx.search(subject)
    assert (None if m is None else m.span()) == span
    assert rx.match_string(subject) is (span is not None)


@pytest.mark.parametrize(("pattern", "subject", "template", "expected"), GO_EXPANSIONS)
def test_expand_string_equals_go(pattern: str, subject: str, template: str, expected: str) -> None:
    rx = goregexp.compile(pattern)
    m = rx.search(subject)
    assert m is not None
    assert rx.expand_string(template, subject, m) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$1x", ""),  # group "1x" does not exist: the longest name wins
        ("${1}x", "1.2x"),
        ("$v.$2", "1.2.1"),
        ("${v}", "1.2"),
        ("$$1", "$1"),
        ("$", "$"),
        ("${", "${"),
        ("$-", "$-"),
        ("$missing", ""),
        ("$9", ""),
        ("$01", ""),  # leading zero: a name, not a number
    ],
)
def test_expand_name_rules(template: str, expected: str) -> None:
    rx = goregexp.compile(r"^(?P<v>[0-9.]+)-(1)$")
    subject = "1.2-1"
    m = rx.search(subject)
    assert m is not None
    assert rx.expand_string(template, subject, m) == expected


def test_angle_bracket_named_group_accepted_as_go_1_22() -> None:
    rx = goregexp.compile(r"^(?<ver>\d+)$")
    m = rx.search("42")
    assert m is not None and rx.expand_string("$ver", "42", m) == "42"


def test_duplicate_group_names_expand_first_participating_group() -> None:
    rx = goregexp.compile(r"(?P<n>a)|(?P<n>b)")
    m = rx.search("b")
    assert m is not None and rx.expand_string("[$n]", "b", m) == "[b]"


@pytest.mark.parametrize(
    ("pattern", "subject", "matches"),
    [
        (r"\d", "\u0663", False),  # ASCII digits only
        (r"\w", "é", False),
        (r"\s", "\x0b", False),  # Go's \s has no \v
        (r"a$", "a\n", False),  # $ is the end of the text
        (r"(?m)a$", "a\nb", True),
        (r"(?i)[^a]", "A", False),  # folding happens before negation
        (r"(?U)a+", "aaa", True),
        (r"\bfoo\b", "a foo b", True),
        (r"[[:^alpha:]]", "abc", False),
        (r"\pL", "ß", True),
        (r"\PN", "5", False),
    ],
)
def test_go_semantics_python_differs_on(pattern: str, subject: str, matches: bool) -> None:
    assert goregexp.compile(pattern).match_string(subject) is matches


def test_ungreedy_flag_swaps_greediness() -> None:
    m = goregexp.compile(r"(?U)a+").search("aaa")
    assert m is not None and m.group(0) == "a"
    m = goregexp.compile(r"(?U)a+?").search("aaa")
    assert m is not None and m.group(0) == "aaa"


def test_unicode_script_classes_match_as_in_go() -> None:
    rx = goregexp.compile(r"^\p{Greek}+$")
    assert rx.match_string("αβγ") and not rx.match_string("abc")
    assert goregexp.compile(r"\P{^Greek}").match_string("λ")


def test_find_all_skips_empty_match_abutting_previous() -> None:
    rx = goregexp.compile(r"a*")
    assert [m.group(0) for m in rx.find_all("baaac")] == ["", "aaa", ""]


def test_compile_is_cached() -> None:
    assert goregexp.compile("^x$") is goregexp.compile("^x$")


# -- differential table: 2,000 random patterns through Go 1.19 (see oracle/README.md) ---------

_RANDOM_TABLE = Path(__file__).with_name("go119_regexp_random.jsonl")
_RANDOM_ROWS = [json.loads(line) for line in _RANDOM_TABLE.read_text().splitlines()]


def _char_span(subject: str, span: list[int]) -> tuple[int, int]:
    data = subject.encode()
    return len(data[: span[0]].decode()), len(data[: span[1]].decode())


def test_random_table_is_the_recorded_one() -> None:
    assert len(_RANDOM_ROWS) == 2000
    assert sum("err" in row for row in _RANDOM_ROWS) > 500  # errors are covered too
    assert sum(row.get("match", False) for row in _RANDOM_ROWS) > 150


def test_random_patterns_equal_go() -> None:
    differences = []
    for row in _RANDOM_ROWS:
        pattern, subject, template = row["in"]
        try:
            rx = goregexp.compile(pattern)
        except goregexp.RegexpSyntaxError as err:
            if str(err) != row.get("err"):
                differences.append((pattern, "error", str(err), row.get("err")))
            continue
        if "err" in row:
            differences.append((pattern, "accepted", None, row["err"]))
            continue
        m = rx.search(subject)
        if (m is not None) != row["match"]:
            differences.append((pattern, "match", m is not None, row["match"]))
        elif m is not None:
            got = (m.span(), rx.expand_string(template, subject, m))
            want = (_char_span(subject, row["span"]), row["expand"])
            if got != want:
                differences.append((pattern, "span/expand", got, want))
    assert differences == []


# -- parse-tree height: Go refuses a tree deeper than 1,000 (outcomes recorded from Go 1.19) ----

# (opening, closing, the largest n Go accepts, or None when Go accepts every n up to 2,000)
GO_HEIGHT_LIMITS = [
    ("(", ")", 999),  # captures: one level each
    ("(?:", ")", None),  # plain grouping adds no level
    ("(", ")*", 499),  # capture and star
    ("(?:", ")*", 999),
    ("(a", ")", 500),  # capture and concatenation
    ("(a|", ")", 500),
    ("(b|", ")", 500),
    ("(?:a|", ")", None),  # nested alternations are flattened
    ("(?:ab", ")", None),  # nested concatenations are flattened
    ("(?:a*", ")", None),
    ("(?:bc|", ")", None),
    ("(ab", ")", 500),
    ("(x", "y)", 500),
    ("(", "|b)", 500),  # "a|b" becomes one character class
]


@pytest.mark.parametrize(("opening", "closing", "limit"), GO_HEIGHT_LIMITS)
def test_nesting_limit_equals_go(opening: str, closing: str, limit: int | None) -> None:
    for n in (limit, limit + 1) if limit is not None else (2000,):
        pattern = opening * n + "a" + closing * n
        if limit is None or n == limit:
            goregexp.compile(pattern)
        else:
            with pytest.raises(goregexp.RegexpSyntaxError) as info:
                goregexp.compile(pattern)
            assert (
                str(info.value) == f"error parsing regexp: expression nests too deeply: `{pattern}`"
            )


def test_two_thousand_nested_groups_get_go_error_not_a_traceback() -> None:
    pattern = "(" * 2000 + "a" + ")" * 2000
    with pytest.raises(goregexp.RegexpSyntaxError, match="expression nests too deeply"):
        goregexp.compile(pattern)
    with pytest.raises(goregexp.RegexpSyntaxError, match="expression nests too deeply"):
        goregexp.compile("(" * 100_000 + "a" + ")" * 100_000)


GO_REPEAT_RULES = [
    ("(a{2}){501}", "error parsing regexp: invalid repeat count: `{501}`"),
    ("(a{2}){500}", None),
    ("((a{10}){10}){10}", None),
    ("((a{10}){10}){11}", "error parsing regexp: invalid repeat count: `{11}`"),
    ("((a{10}){10}?){11}?", "error parsing regexp: invalid repeat count: `{11}?`"),
    ("(a{1000}){0}", None),
    ("(a{1000}){1,}", None),
    ("(a{1000}){2,}", "error parsing regexp: invalid repeat count: `{2,}`"),
    ("(a*){1000}", None),
    ("a{1000000000}", "error parsing regexp: invalid repeat count: `{1000000000}`"),
    ("a{1,1000000000}", "error parsing regexp: invalid repeat count: `{1,1000000000}`"),
    ("a{01}", None),  # a leading zero: "{" is a literal
    ("a*(?i)*", None),  # a flag group resets "nested repetition"
    ("a*\\Q\\E*", None),
    ("(?i)(?-i)*", "error parsing regexp: missing argument to repetition operator: `*`"),
    ("\\x{}", "error parsing regexp: invalid escape sequence: `\\x{}`"),
    ("\\x{4gh}", "error parsing regexp: invalid escape sequence: `\\x{4g`"),
    ("\\x{1100000}", "error parsing regexp: invalid escape sequence: `\\x{110000`"),
    ("\\p{Greek", "error parsing regexp: invalid character class range: `\\p{Greek`"),
]


@pytest.mark.parametrize(("pattern", "message"), GO_REPEAT_RULES)
def test_repeat_and_escape_rules_equal_go(pattern: str, message: str | None) -> None:
    if message is None:
        goregexp.compile(pattern)
        return
    with pytest.raises(goregexp.RegexpSyntaxError) as info:
        goregexp.compile(pattern)
    assert str(info.value) == message


def test_literal_brace_with_leading_zero_matches_literally() -> None:
    assert goregexp.compile("^a{01}$").match_string("a{01}")
    assert not goregexp.compile("^a{01}$").match_string("a")


def test_program_over_re2_budget_is_refused_with_gos_too_large_text() -> None:
    # Go accepts \pL{500} (its budget is 128 MiB); RE2's 8 MiB budget refuses it (README).
    with pytest.raises(goregexp.RegexpUnsupportedError) as info:
        goregexp.compile(r"\pL{500}")
    assert str(info.value) == "error parsing regexp: expression too large: `\\pL{500}`"


def test_lone_surrogate_in_subject_is_matched_as_replacement_character() -> None:
    assert goregexp.compile("^a.b$").match_string("a\ud800b")


def test_spans_are_character_offsets_for_non_ascii_subjects() -> None:
    m = goregexp.compile(r"(?P<w>\p{Greek}+)-(\d)").search("é αβ-7")
    assert m is not None
    assert (m.span(), m.span(1), m.span(2), m.group(1)) == ((2, 6), (2, 4), (5, 6), "αβ")


def test_find_all_steps_over_multibyte_characters_after_empty_matches() -> None:
    rx = goregexp.compile(r"x*")
    assert [m.span() for m in rx.find_all("éxé")] == [(0, 0), (1, 2), (3, 3)]


def test_match_string_helper_compiles_once_and_reports_go_errors() -> None:
    assert goregexp.match_string(r"^v\d+$", "v12")
    assert not goregexp.match_string(r"^v\d+$", "v12a")
    with pytest.raises(goregexp.RegexpSyntaxError, match=r"missing closing \)"):
        goregexp.match_string("(a", "a")

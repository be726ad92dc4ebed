"""Would a YAML 1.1 parser read this plain scalar as something other than a string?

Ports kyaml ``IsValueNonString`` (``yaml/compatibility.go``: the value is unmarshalled as a
whole document by ``gopkg.in/yaml.v2``) together with go-yaml v3's implicit-tag resolver,
which forces quotes on values that resolve to a non-string tag (``0o17``, ``<<``).
On top of what yaml.v2 resolves, sexagesimal numbers from the YAML 1.1 type repository
(``1:20``, ``1:20.5``) are treated as non-strings: other YAML 1.1 parsers (PyYAML, Ruby)
read them as numbers, and quoting them never changes the string value.
"""

from __future__ import annotations

import calendar
import re

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import ScalarNode

# yaml.v2 resolve.go resolveMapList (plus "<<", the merge key, which v3 quotes).
_KEYWORDS = frozenset(
    (
        *("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"),
        *("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"),
        *("~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN"),
        *(".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"),
        "<<",
    )
)
_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?")  # Go ParseFloat on ".5", ".5e3"
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_GO_INT = re.compile(
    r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)"
)  # strconv.ParseInt(s, 0, 64) syntax once underscores are removed
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_TIME = r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.[0-9]+)?"
_DATETIME_TZ = re.compile(_DATE.pattern + r"[Tt]" + _TIME + r"(?:Z|[-+][0-9]{2}:[0-9]{2})")
_DATETIME_SPACE = re.compile(_DATE.pattern + " " + _TIME)


def _valid_date(year: str, month: str, day: str) -> bool:
    y, m, d = int(year), int(month), int(day)
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y or 2000, m)[1]


def is_timestamp(value: str) -> bool:
    """yaml.v2/v3 ``parseTimestamp``: Go ``time.Parse`` with the four allowed layouts."""
    if m := _DATE.fullmatch(value):
        return _valid_date(*m.groups())
    for pattern in (_DATETIME_TZ, _DATETIME_SPACE):
        if m := pattern.fullmatch(value):
            year, month, day, hour, minute, second = m.groups()
            return (
                _valid_date(year, month, day)
                and int(hour) < 24
                and int(minute) < 60
                and int(second) < 60
            )
    return False


def resolves_to_non_string(value: str) -> bool:
    """The implicit-tag resolver for a plain scalar (yaml.v2 ``resolve`` plus sexagesimal).

    Examples
    --------
    >>> [resolves_to_non_string(v) for v in ("1.10", "on", "0755", "v1.2.3", "1.2.3")]
    [True, True, True, False, False]
    """
    if value == "" or value in _KEYWORDS:
        return True
    first = value[0]
    if first == ".":
        return _DOT_FLOAT.fullmatch(value) is not None
    if not (first.isascii() and (first.isdigit() or first in "+-")):
        return False
    if is_timestamp(value):
        return True
    plain = value.replace("_", "")
    return bool(
        _GO_INT.fullmatch(plain)
        or _YAML_STYLE_FLOAT.fullmatch(plain)
        or _SEXAGESIMAL.fullmatch(value)
    )


def is_yaml11_non_string(value: str) -> bool:
    """kyaml ``IsValueNonString``: parse ``value`` as a YAML document, is it a non-string?

    A value that parses as a mapping, a sequence, nothing at all (``#x``, ``---``) or a
    plain scalar the resolver types is a non-string; a parse error, a quoted or block
    scalar, or a multi-line value count as strings.

    Examples
    --------
    >>> [is_yaml11_non_string(v) for v in ("a: b", "[x]", "1e3", "ghcr.io/app:1.0", "")]
    [True, True, True, False, False]
    """
    if value == "" or "\n" in value:
        return False
    if resolves_to_non_string(value):
        return True
    if not _may_be_structural(value):
        return False
    try:
        node = YAML(typ="rt").compose(value)
    except YAMLError:
        return False
    if node is None:
        return True
    if not isinstance(node, ScalarNode):
        return True
    return node.style is None and resolves_to_non_string(str(node.value))


_STRUCTURE_HINT = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`]|: |:$| #|^(?:---|\.\.\.)")


def _may_be_structural(value: str) -> bool:
    # Cheap gate so ordinary image references never pay for a YAML parse.
    return _STRUCTURE_HINT.search(value) is not None or value != value.strip()

"""Go ``fmt`` printing of template values: ``Sprint``, ``Sprintln`` and ``Sprintf``.

Supported verbs: ``%v %+v %s %q %d %b %o %x %X %c %U %t %f %F %e %E %g %G %T %%`` with the flags
``-+ #0``, a width and a precision. Wrong verbs, missing and extra arguments are reported inline the
way Go does (``%!d(string=x)``, ``%!s(MISSING)``, ``%!(EXTRA int=1)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tagpilot.golang.template.quote import go_quote
from tagpilot.golang.template.values import (
    MISSING,
    is_struct,
    sorted_items,
    stringer,
    struct_fields,
    type_name,
)


@dataclass
class Spec:
    """A parsed verb with its flags."""

    verb: str = "v"
    minus: bool = False
    plus: bool = False
    plus_v: bool = False
    sharp: bool = False
    space: bool = False
    zero: bool = False
    width: int | None = None
    prec: int | None = None


_PLAIN = Spec()


def _digits(x: float) -> tuple[str, int]:
    """Shortest decimal digits of ``abs(x)`` and the decimal-point position (Go ``decimal.dp``)."""
    sign, digits, exponent = Decimal(repr(abs(x))).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(str(d) for d in digits)
    return text, len(text) + exponent


def _fmt_e(digits: str, dp: int, prec: int, letter: str) -> str:
    mant = digits[0] + ("." + digits[1 : prec + 1].ljust(prec, "0") if prec > 0 else "")
    exp = dp - 1 if digits != "0" else 0
    return f"{mant}{letter}{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _fmt_f(digits: str, dp: int, prec: int) -> str:
    if dp <= 0:
        whole, frac = "0", "0" * (-dp) + digits
    else:
        whole, frac = digits[:dp].ljust(dp, "0"), digits[dp:]
    return whole + ("." + frac.ljust(prec, "0")[:prec] if prec > 0 else "")


def format_float(x: float, verb: str = "g", prec: int | None = None) -> str:
    """``strconv.FormatFloat``-style text for ``x`` including a leading ``-`` when negative."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    neg = "-" if math.copysign(1.0, x) < 0 else ""
    if prec is not None:
        if verb in "gG":
            body = f"{abs(x):.{prec}{verb}}"
        else:
            body = f"{abs(x):.{prec}{verb.lower() if verb == 'F' else verb}}"
        return neg + body
    if x == 0:
        digits, dp = "0", 1
    else:
        digits, dp = _digits(x)
    if verb in "gG":
        exp = dp - 1
        # Go switches to the exponent form for exponents < -4 or >= 6 (shortest precision).
        if digits != "0" and (exp < -4 or exp >= 6):
            return neg + _fmt_e(digits, dp, len(digits) - 1, "e" if verb == "g" else "E")
        return neg + _fmt_f(digits, dp, max(len(digits) - dp, 0))
    if verb in "eE":
        return neg + _fmt_e(digits, dp, 6, verb)
    return neg + _fmt_f(digits, dp, 6)


def _bad(spec: Spec, arg: Any) -> str:
    if arg is None or arg is MISSING:
        return f"%!{spec.verb}(<nil>)"
    return f"%!{spec.verb}({type_name(arg)}={format_arg(arg, _PLAIN)})"


def _pad(spec: Spec, text: str, numeric: bool = False) -> str:
    width = spec.width
    if width is None or len(text) >= width:
        return text
    if spec.minus:
        return text + " " * (width - len(text))
    if spec.zero:
        if numeric and text[:1] in "+- ":
            return text[0] + "0" * (width - len(text)) + text[1:]
        return "0" * (width - len(text)) + text
    return " " * (width - len(text)) + text


def _sign(spec: Spec, negative: bool, body: str) -> str:
    if negative:
        return "-" + body
    if spec.plus:
        return "+" + body
    if spec.space:
        return " " + body
    return body


def _fmt_int(spec: Spec, x: int) -> str:
    verb = spec.verb
    if verb == "c":
        return _pad(spec, chr(x) if 0 <= x <= 0x10FFFF else "\ufffd")
    if verb == "q":
        return _pad(spec, go_quote(chr(x) if 0 <= x <= 0x10FFFF else "\ufffd", "'"))
    if verb == "U":
        return _pad(spec, f"U+{x:04X}")
    base = {"v": "d", "d": "d", "b": "b", "o": "o", "O": "o", "x": "x", "X": "X"}.get(verb)
    if base is None:
        return _bad(spec, x)
    body = format(abs(x), base)
    if spec.prec is not None:
        body = "" if spec.prec == 0 and x == 0 else body.rjust(spec.prec, "0")
    prefix = {"b": "0b", "x": "0x", "X": "0X"}.get(verb, "") if spec.sharp else ""
    prefix = "0o" if verb == "O" else ("0" if verb == "o" and spec.sharp else prefix)
    if spec.zero and spec.prec is None and not spec.minus and spec.width is not None:
        # Go pads the digits (not counting a 0x prefix) to the width, leaving room for a sign.
        body = body.rjust(spec.width - len(_sign(spec, x < 0, "")), "0")
    return _pad(Spec(width=spec.width, minus=spec.minus), _sign(spec, x < 0, prefix + body))


def _fmt_float(spec: Spec, x: float) -> str:
    verb = "g" if spec.verb == "v" else spec.verb
    if verb not in "eEfFgG":
        return _bad(spec, x)
    prec = spec.prec if spec.prec is not None else (None if verb in "gG" else 6)
    text = format_float(x, verb, prec)
    negative = text.startswith("-")
    body = text.lstrip("-")
    if body[0] in "+IN":
        return _pad(Spec(width=spec.width, minus=spec.minus), body)
    return _pad(spec, _sign(spec, negative, body), numeric=True)


def _fmt_str(spec: Spec, s: str) -> str:
    verb = spec.verb
    if spec.prec is not None:
        s = s[: spec.prec]
    if verb == "v" and spec.sharp:
        return _pad(spec, go_quote(s))
    if verb in "vs":
        return _pad(spec, s)
    if verb == "q":
        return _pad(spec, "`" + s + "`" if spec.sharp and "`" not in s else go_quote(s))
    if verb in "xX":
        # "% x" separates the bytes with spaces.
        text = s.encode().hex(" ") if spec.space else s.encode().hex()
        return _pad(spec, text.upper() if verb == "X" else text)
    return _bad(spec, s)


def format_arg(arg: Any, spec: Spec) -> str:
    """Format one operand with ``spec`` (Go ``printArg``)."""
    verb = spec.verb
    if verb == "T":
        return _pad(spec, type_name(arg))
    if arg is None or arg is MISSING:
        return _pad(spec, "<nil>") if verb == "v" else _bad(spec, arg)
    text = stringer(arg)
    if text is not None and verb in "vsxXq":
        return _fmt_str(spec, text)
    if isinstance(arg, bool):
        return _pad(spec, "true" if arg else "false") if verb in "vt" else _bad(spec, arg)
    if isinstance(arg, int):
        return _fmt_int(spec, arg)
    if isinstance(arg, float):
        return _fmt_float(spec, arg)
    if isinstance(arg, str):
        return _fmt_str(spec, arg)
    inner = Spec(verb=verb, plus=spec.plus, plus_v=spec.plus_v, sharp=spec.sharp)
    if isinstance(arg, list | tuple):
        return _pad(spec, "[" + " ".join(format_arg(e, inner) for e in arg) + "]")
    if isinstance(arg, dict):
        pairs = (f"{format_arg(k, inner)}:{format_arg(v, inner)}" for k, v in sorted_items(arg))
        return _pad(spec, "map[" + " ".join(pairs) + "]")
    if is_struct(arg):
        parts = []
        for name, attr in struct_fields(arg).items():
            value = format_arg(getattr(arg, attr), inner)
            parts.append(f"{name}:{value}" if spec.plus_v else value)
        return _pad(spec, "{" + " ".join(parts) + "}")
    return _pad(spec, str(arg))


def sprint(args: list[Any]) -> str:
    """Go ``fmt.Sprint``: a space between operands when neither side is a string."""
    out: list[str] = []
    prev_string = False
    for i, arg in enumerate(args):
        is_string = isinstance(arg, str)
        if i > 0 and not is_string and not prev_string:
            out.append(" ")
        out.append(format_arg(arg, _PLAIN))
        prev_string = is_string
    return "".join(out)


def sprintln(args: list[Any]) -> str:
    """Go ``fmt.Sprintln``: operands separated by spaces, then a newline."""
    return " ".join(format_arg(a, _PLAIN) for a in args) + "\n"


def _parse_num(fmt: str, i: int) -> tuple[int | None, int]:
    """Go's ``parsenum``: a number over 1e6 consumes the rest of the format (then NOVERB)."""
    num: int | None = None
    while i < len(fmt) and "0" <= fmt[i] <= "9":
        if num is not None and num > 1_000_000:
            return None, len(fmt)
        num = (num or 0) * 10 + int(fmt[i])
        i += 1
    return num, i


def _parse_spec(fmt: str, i: int) -> tuple[Spec, int]:
    spec = Spec()
    flags = {"-": "minus", "+": "plus", "#": "sharp", " ": "space", "0": "zero"}
    while i < len(fmt) and fmt[i] in flags:
        setattr(spec, flags[fmt[i]], True)
        i += 1
    spec.width, i = _parse_num(fmt, i)
    if i < len(fmt) and fmt[i] == ".":
        prec, i = _parse_num(fmt, i + 1)
        spec.prec = prec or 0
    if spec.minus:
        spec.zero = False
    return spec, i


def sprintf(fmt: str, args: list[Any]) -> str:
    """Go ``fmt.Sprintf`` for the supported verbs."""
    out: list[str] = []
    argn = 0
    i = 0
    while i < len(fmt):
        pct = fmt.find("%", i)
        if pct < 0:
            out.append(fmt[i:])
            break
        out.append(fmt[i:pct])
        spec, i = _parse_spec(fmt, pct + 1)
        if i >= len(fmt):
            out.append("%!(NOVERB)")
            break
        spec.verb = fmt[i]
        i += 1
        if spec.verb == "v" and spec.plus:
            # Go: %+v means "field names", not "always print a sign".
            spec.plus, spec.plus_v = False, True
        if spec.verb == "%":
            out.append("%")
        elif argn >= len(args):
            out.append(f"%!{spec.verb}(MISSING)")
        else:
            out.append(format_arg(args[argn], spec))
            argn += 1
    if argn < len(args):
        extra = ", ".join(
            "<nil>" if a is None else f"{type_name(a)}={format_arg(a, _PLAIN)}" for a in args[argn:]
        )
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)

"""Catastrophic-backtracking patterns finish: every user pattern runs on RE2 (linear time).

Each pattern below takes exponential (or high-polynomial) time in a backtracking engine on the
tags generated for it: with Python's ``re``, a single ``"a" * 30 + "b"`` against ``^(a+)+$``
does not finish. The tags go through the three ways a user's pattern is applied: the
ImagePolicy ``filterTags`` (with ``extract``), the ImageRepository ``exclusionList`` and the
public helper :func:`tagpilot.golang.regexp.match_string`.

The work runs in a child process so that a hang fails the test (a hung regexp cannot be
interrupted in-process); the bound is generous (about 100 times the expected time on a loaded
2-core machine), it is not a performance assertion.
"""

from __future__ import annotations

import multiprocessing
import string
from collections.abc import Callable

import pytest
from tagpilot.golang import regexp as goregexp
from tagpilot.policy.errors import NoCandidateError
from tagpilot.policy.evaluate import evaluate
from tagpilot.policy.tags import exclude

pytestmark = pytest.mark.unit

TAGS_PER_PATTERN = 10_000
HANG_BOUND_S = 240


def _runs(char: str, suffix: str) -> Callable[[int], str]:
    """Tag number ``i``: a run of ``char`` (20 to 120 long) and a distinct failing suffix."""

    def make(i: int) -> str:
        variant = string.ascii_uppercase[i % 26] + string.digits[(i // 26) % 10]
        return char * (20 + i % 101) + suffix + variant + str(i // 260)

    return make


# pattern, adversarial tag generator (no generated tag matches), a tag that does match
CATASTROPHIC: list[tuple[str, Callable[[int], str], str]] = [
    (r"^(a+)+$", _runs("a", "b"), "aaaa"),
    (r"(a|a)*b", _runs("a", "c"), "aab"),
    (r"(a*)*c", _runs("a", "b"), "aac"),
    (r"(x+x+)+y", _runs("x", "z"), "xxy"),
    (r"^(a|aa)+$", _runs("a", "b"), "aaa"),
    (r"^(a?){30}a{30}$", lambda i: "a" * (10 + i % 19) + "-" + str(i), "a" * 30),
    (r"^(\w+\s?)*$", _runs("w", "!"), "ab cd"),
    (r"^([a-zA-Z0-9]+)*$", _runs("a1", "-"), "a1b2"),
    (r"^(([a-z])+.)+[A-Z]([a-z])+$", _runs("a", "0"), "abcXyz"),
    (r"^([0-9]+[.-]?)+$", _runs("1", "x"), "1.2-3"),
    (r"^v?(\d+\.?)+-rc$", _runs("1", "-r"), "v1.2-rc"),
    (r"(.*a){12}", lambda i: "a" * 11 + "b" * (20 + i % 100) + str(i), "a" * 12),
    (r"^(\d|\d\d)+$", _runs("1", "x"), "123"),
    (r"^([a-z0-9]+-?)*[a-z0-9]+-rc$", _runs("a", "_"), "main-rc"),
]


def _exercise(queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    results = []
    for pattern, make, good in CATASTROPHIC:
        tags = [make(i) for i in range(TAGS_PER_PATTERN)]
        assert len(set(tags)) == TAGS_PER_PATTERN
        helper = sum(goregexp.match_string(pattern, tag) for tag in tags)
        kept, excluded = exclude([*tags, good], [pattern])
        spec = {
            "policy": {"alphabetical": {"order": "asc"}},
            "filterTags": {"pattern": pattern, "extract": "$0"},
        }
        latest = evaluate(spec, [*tags, good]).latest
        try:
            evaluate(spec, tags)
            none_selected = False
        except NoCandidateError:
            none_selected = True
        results.append(
            (pattern, helper, len(kept), [t for t, _ in excluded], latest, none_selected)
        )
    queue.put(results)


def test_every_catastrophic_pattern_finishes_on_ten_thousand_adversarial_tags() -> None:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_exercise, args=(queue,))
    child.start()
    try:
        results = queue.get(timeout=HANG_BOUND_S)
    finally:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
    assert len(results) == len(CATASTROPHIC) == 14
    for (pattern, _, good), (name, helper, kept, excluded, latest, none_selected) in zip(
        CATASTROPHIC, results, strict=True
    ):
        assert name == pattern
        assert helper == 0, pattern  # no adversarial tag matches ...
        assert (kept, excluded) == (TAGS_PER_PATTERN, [good]), pattern  # ... only the good one
        assert latest == good, pattern
        assert none_selected, pattern


def test_the_classic_case_is_instant_in_process() -> None:
    # Python's re needs about 2**30 steps here; RE2 answers at once (no timing asserted).
    assert not goregexp.match_string(r"^(a+)+$", "a" * 30 + "b")
    assert goregexp.match_string(r"^(a+)+$", "a" * 30)

"""Deadlines: one time budget for a whole operation, composable with the caller's budget.

A :class:`Deadline` is a point in time. Deadlines nest: one created while another is active
(``with outer.active(): Deadline(20)``) ends at whichever comes first, so a registry scan with
``spec.timeout: 20s`` inside a Lambda invocation with 8 s left gets 8 s. The active deadline is
a context variable of the running thread; the HTTP layer (:mod:`tagpilot.httpdeadline`) enforces
it on every connect, socket write and socket read, so a peer that trickles its headers or body
cannot hold an operation past its end.

Examples
--------
>>> budget = Deadline(30.0)           # e.g. the Lambda invocation's remaining time
>>> with budget.active():
...     scan = Deadline(20.0)         # spec.timeout, bounded by the budget
...     scan.left() <= 20.0
True
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tagpilot.errors import TagpilotError

_ACTIVE: ContextVar[Deadline | None] = ContextVar("tagpilot_deadline", default=None)


class DeadlineExceededError(TagpilotError, TimeoutError):
    """The active deadline passed (a ``TimeoutError``, so transports treat it as one)."""


class Deadline:
    """An end time on ``clock``, never later than ``parent``'s end.

    Parameters
    ----------
    seconds:
        The budget from now.
    clock:
        Monotonic seconds (injected by tests).
    parent:
        The enclosing deadline; by default the one active in this thread, if any. Each deadline
        reads its own clock, so a parent on another clock still bounds it correctly.
    """

    def __init__(
        self,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        parent: Deadline | None | bool = True,
    ) -> None:
        self.seconds = float(seconds)
        self._clock = clock
        self._end = clock() + self.seconds
        self.parent: Deadline | None = current() if parent is True else (parent or None)

    def left(self) -> float:
        """Seconds until the earliest end in the chain (zero or negative once passed)."""
        own = self._end - self._clock()
        return own if self.parent is None else min(own, self.parent.left())

    @property
    def expired(self) -> bool:
        return self.left() <= 0

    def check(self, what: str) -> float:
        """The seconds left; raises :class:`DeadlineExceededError` naming ``what`` when none."""
        left = self.left()
        if left <= 0:
            raise DeadlineExceededError(f"{what}: deadline of {self.budget():g}s exceeded")
        return left

    def budget(self) -> float:
        """The budget that binds: this deadline's, or a parent's if that one ends first."""
        own = self._end - self._clock()
        if self.parent is not None and self.parent.left() < own:
            return self.parent.budget()
        return self.seconds

    @contextmanager
    def active(self) -> Iterator[Deadline]:
        """Make this the thread's active deadline inside the ``with`` block."""
        token = _ACTIVE.set(self)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)


def current() -> Deadline | None:
    """The deadline active in this thread, or ``None``."""
    return _ACTIVE.get()

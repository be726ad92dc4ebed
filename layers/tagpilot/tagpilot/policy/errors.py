"""Typed errors of the ImagePolicy engine, one per Flux outcome.

=====================  =====================================================================
Error                  Flux outcome
=====================  =====================================================================
InvalidPolicyError     Stalled, reason ``InvalidPolicy`` (bad range, regex, order, no policy)
NoCandidateError       Ready=False, reason ``Failure``, retried (nothing selectable)
NoTagsError            Ready=False, reason ``DependencyNotReady``, requeued (no stored tags)
InvalidExclusionError  ImageRepository ``ReadOperationFailed``, retried (bad exclusion regex)
=====================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tagpilot.errors import TagpilotError

if TYPE_CHECKING:
    from tagpilot.policy.evaluate import Rejection


class PolicyError(TagpilotError):
    """Base class of the policy engine's errors."""


class InvalidPolicyError(PolicyError):
    """The policy spec cannot be used at all (Flux stalls the ImagePolicy, no retry).

    Attributes
    ----------
    condition_message
        The Stalled/Ready condition message Flux writes: ``invalid policy: <err>`` for the
        policy choice, ``failed to filter tags: ...`` for ``filterTags``.
    """

    def __init__(self, message: str, condition_message: str | None = None) -> None:
        super().__init__(message)
        self.condition_message = condition_message or f"invalid policy: {message}"


class NoTagsError(PolicyError):
    """The repository has no stored tags (Flux: Ready=False ``DependencyNotReady``, requeue)."""


class InvalidExclusionError(PolicyError):
    """An exclusion pattern of the ImageRepository does not compile (Flux retries)."""


class NoCandidateError(PolicyError):
    """No tag could be selected; the message is Flux's, e.g. ``version list argument cannot be
    empty``.

    Attributes
    ----------
    candidates
        Original tags that reached the policer (filled by ``evaluate``).
    rejected
        Why tags were dropped; only filled when ``evaluate`` ran with ``explain=True``.
    """

    def __init__(
        self,
        message: str,
        candidates: Sequence[str] = (),
        rejected: Sequence[Rejection] = (),
    ) -> None:
        super().__init__(message)
        self.candidates = list(candidates)
        self.rejected = list(rejected)


#: Flux's messages, reused by the policers and by tests.
EMPTY_LIST = "version list argument cannot be empty"
NO_LATEST = "unable to determine latest version from provided list"
NO_POLICY = "given ImagePolicyChoice object is invalid"
NO_TAGS = "no tags in database"

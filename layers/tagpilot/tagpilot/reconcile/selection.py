"""The ImagePolicy reconciler's hook for tagpilot's selection extensions.

:func:`select` replaces the plain Flux evaluation when a policy or its repository uses them:
soak time, newest-pushed order, and never-downgrade (on unless
``tagpilot.dev/allow-downgrade: "true"``). What they did is reported by :func:`report` as
``tagpilot.dev/Waiting`` (reason ``Soaking``) and ``tagpilot.dev/Held`` (reason
``DowngradePrevented``) conditions, and ``status.extensions.latestPushedAt``.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tagpilot.api import conditions
from tagpilot.api.extensions import (
    ALLOW_DOWNGRADE,
    NEWEST_PUSHED,
    ORDER,
    PREFIX,
    PUSH_TIMES,
    SOAK,
    ExtensionError,
    PolicyOptions,
    policy_options,
    push_time_source,
    verify_identities,
)
from tagpilot.api.imagerepository import ImageRepositorySpec
from tagpilot.api.resource import Resource
from tagpilot.golang.duration import format_duration
from tagpilot.policy.errors import NoCandidateError
from tagpilot.policy.evaluate import Evaluation, Rejection, evaluate
from tagpilot.policy.extensions import is_downgrade, newest_pushed, soak
from tagpilot.reconcile.app import App
from tagpilot.reconcile.registryauth import build_registry_auth
from tagpilot.reconcile.verified import (
    VERIFY_IDENTITIES,
    VERIFY_SECRET,
    Checker,
    Requirements,
    parse_platforms,
    select_verified,
)
from tagpilot.registry.names import ImageName
from tagpilot.store.errors import SecretNotFoundError
from tagpilot.verify.cosign import OIDCIdentity
from tagpilot.verify.trustroot import TrustRootError, read_trusted_root_file

WAITING = PREFIX + "Waiting"
HELD = PREFIX + "Held"
SOAKING = "Soaking"
DOWNGRADE_PREVENTED = "DowngradePrevented"
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _rfc3339(epoch: float) -> str:
    return time.strftime(_FORMAT, time.gmtime(epoch))


def _epoch(text: Any) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(str(text), _FORMAT)))
    except ValueError:
        return None


@dataclass
class Notes:
    """What the extensions did in one reconcile (reported by :func:`report`)."""

    held: str | None = None
    waiting: str | None = None
    verified: dict[str, list[Any]] | None = None  # tag -> [digest, ok, reason]
    rejected: list[Rejection] | None = None
    due_at: float | None = None
    pushed_at: float | None = None


def _pick(
    opts: PolicyOptions, spec: Mapping[str, Any], tags: Sequence[str], pushed: Mapping[str, float]
) -> Evaluation:
    if opts.order == NEWEST_PUSHED:
        if not tags:
            return evaluate(spec, tags)  # raises NoTagsError like Flux
        return newest_pushed(spec, tags, pushed)
    return evaluate(spec, tags)


def _push_times(app: App, opts: PolicyOptions, repo: Resource) -> dict[str, float]:
    if not opts.needs_push_times:
        return {}
    if push_time_source(repo.annotations) is None or app.pushtimes is None:
        wanted = ORDER if opts.order == NEWEST_PUSHED else SOAK
        raise ExtensionError(
            wanted,
            f"needs push times: annotate ImageRepository {repo.key} with {PUSH_TIMES} "
            "(auto, ecr, dockerhub or config)",
        )
    return dict(app.pushtimes.get(repo.key).times())


def _ext(policy: Resource) -> dict[str, Any]:
    return dict(policy.status.get("extensions") or {})


def _requirements(app: Any, policy: Resource) -> Requirements:
    platforms = parse_platforms(policy.annotations)
    identities = verify_identities(policy.annotations)
    if identities is not None:
        try:
            root = read_trusted_root_file(getattr(app.settings, "sigstore_trusted_root", ""))
        except TrustRootError as exc:
            raise ExtensionError(VERIFY_IDENTITIES, str(exc)) from None
        wanted = tuple(OIDCIdentity(issuer, subject) for issuer, subject in identities)
        return Requirements(None, platforms, wanted, root)
    secret = policy.annotations.get(VERIFY_SECRET)
    if not secret:
        return Requirements(None, platforms)
    try:
        keys = app.secrets.get(policy.namespace, secret, use="registry").data
    except SecretNotFoundError:
        raise ExtensionError(
            VERIFY_SECRET, f"Secret '{policy.namespace}/{secret}' not found"
        ) from None
    return Requirements(dict(keys), platforms)


def _auth(app: Any, repo: Resource, image: ImageName) -> Any:
    spec = ImageRepositorySpec.from_dict(repo.spec)
    return build_registry_auth(spec, repo.namespace, image, app.secrets, app.ecr)


def select(
    app: App,
    policy: Resource,
    repo: Resource,
    image: ImageName,
    tags: Sequence[str],
    previous: Mapping[str, Any] | None,
    notes: Notes,
) -> str | None:
    """The tag to become ``latestRef``, or ``None`` to keep ``previous`` (never-downgrade).

    Raises the policy engine's errors (``NoTagsError``, ``NoCandidateError``,
    ``InvalidPolicyError``) and :class:`ExtensionError` for an invalid annotation.
    """
    opts = policy_options(policy.annotations)
    spec = policy.spec
    pushed = _push_times(app, opts, repo)
    candidates: Sequence[str] = tags
    if opts.soak_seconds and tags:
        now = float(app.clock())
        split = soak(tags, pushed, opts.soak_seconds, now)
        candidates = split.ripe
        try:
            best = _pick(opts, spec, tags, pushed).latest
        except NoCandidateError:
            best = None
        if best is not None and best in split.waiting:
            until = split.waiting[best]
            soak_text = format_duration(opts.soak_seconds)
            if until == float("inf"):
                notes.waiting = f"{best} is waiting: its push time is unknown"
            else:
                notes.waiting = f"{best} is soaking ({soak_text}) until {_rfc3339(until)}"
                notes.due_at = until
        if not candidates:
            raise NoCandidateError(
                f"no tag has soaked yet ({notes.waiting or 'push times unknown'})", list(tags)
            )
    requirements = _requirements(app, policy)
    if requirements.active:
        checker = Checker(
            app.registry,
            image,
            _auth(app, repo, image),
            ImageRepositorySpec.from_dict(repo.spec).timeout,
            requirements,
            {t: list(v) for t, v in (_ext(policy).get("verified") or {}).items() if t in tags},
        )
        chosen, notes.rejected = select_verified(
            candidates, lambda ts: _pick(opts, spec, ts, pushed).latest, checker.check
        )
        notes.verified = checker.cache
    else:
        chosen = _pick(opts, spec, candidates, pushed).latest
    notes.pushed_at = pushed.get(chosen)
    if _held(opts, policy, repo, previous, chosen, pushed):
        assert previous is not None
        notes.held = (
            f"kept {previous['tag']}: the best tag now available, {chosen}, is lower "
            f'(never-downgrade; {ALLOW_DOWNGRADE}: "true" allows it)'
        )
        notes.pushed_at = _epoch((policy.status.get("extensions") or {}).get("latestPushedAt"))
        return None
    return chosen


def _held(
    opts: PolicyOptions,
    policy: Resource,
    repo: Resource,
    previous: Mapping[str, Any] | None,
    chosen: str,
    pushed: Mapping[str, float],
) -> bool:
    if opts.allow_downgrade or not previous or previous.get("name") != repo.spec.get("image"):
        return False
    if policy.generation != policy.status.get("observedGeneration"):
        return False  # the spec changed: the new policy may pick anything
    prev_tag = str(previous.get("tag"))
    if opts.order != NEWEST_PUSHED:
        return is_downgrade(policy.spec, prev_tag, chosen)
    times = dict(pushed)
    if prev_tag not in times:
        at = _epoch((policy.status.get("extensions") or {}).get("latestPushedAt"))
        if at is not None:
            times[prev_tag] = at
    return is_downgrade(policy.spec, prev_tag, chosen, times)


def report(status: dict[str, Any], notes: Notes, generation: int) -> None:
    """Set or clear the extension conditions after a successful selection."""
    for ctype, reason, message in (
        (HELD, DOWNGRADE_PREVENTED, notes.held),
        (WAITING, SOAKING, notes.waiting),
    ):
        if message:
            conditions.set_condition(status, ctype, "True", reason, message, generation=generation)
        elif conditions.get(status, ctype) is not None:
            conditions.delete(status, ctype)
    ext = dict(status.get("extensions") or {})
    for key, value in (
        ("verified", notes.verified),
        ("rejected", [{"tag": r.tag, "why": r.why} for r in notes.rejected or []] or None),
    ):
        if value:
            ext[key] = value
        else:
            ext.pop(key, None)
    if notes.pushed_at is not None:
        ext["latestPushedAt"] = _rfc3339(notes.pushed_at)
    else:
        ext.pop("latestPushedAt", None)
    if ext:
        status["extensions"] = ext
    else:
        status.pop("extensions", None)

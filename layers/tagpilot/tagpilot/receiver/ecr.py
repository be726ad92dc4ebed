"""EventBridge ``ECR Image Action`` events (reference §7): the push-notification alternative.

ECR publishes to the account's default bus; the rule only lets ``aws.ecr`` events in, and this
module turns one into the canonical image name the ImageRepository index is keyed on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tagpilot.receiver.errors import EcrEventError

DETAIL_TYPE = "ECR Image Action"
SOURCE = "aws.ecr"

_ACCOUNT = re.compile(r"[0-9]{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+")
# ECR repository names: lower-case path components separated by '/', 2 to 256 characters.
_REPOSITORY = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,299}")
# Partitions whose ECR endpoints are not under amazonaws.com.
_DOMAINS = (("cn-", "amazonaws.com.cn"), ("us-isob-", "sc2s.sgov.gov"), ("us-iso-", "c2s.ic.gov"))


@dataclass(frozen=True)
class EcrImageAction:
    """A parsed image action.

    Attributes
    ----------
    image : str
        ``<account>.dkr.ecr.<region>.<domain>/<repository-name>`` (no tag).
    tag : str or None
        ``detail.image-tag``; ``None`` for digest-only pushes (rescan anyway).
    action : str
        ``PUSH`` or ``DELETE``.
    result : str
        ``SUCCESS`` (failed actions are ignored).
    event_id : str
        EventBridge ``id``, the idempotency key of the reconcile request.
    digest : str or None
        ``detail.image-digest``.
    """

    image: str
    tag: str | None
    action: str
    result: str
    event_id: str
    digest: str | None = None


def registry_host(account: str, region: str) -> str:
    """Return the ECR registry host of an account and region.

    Examples
    --------
    >>> registry_host("123456789012", "eu-west-1")
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
    >>> registry_host("123456789012", "cn-north-1")
    '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn'
    """
    domain = next((d for prefix, d in _DOMAINS if region.startswith(prefix)), "amazonaws.com")
    return f"{account}.dkr.ecr.{region}.{domain}"


def parse_ecr_event(
    event: Mapping[str, Any], *, include_deletes: bool = False
) -> EcrImageAction | None:
    """Parse an ``ECR Image Action`` event.

    Parameters
    ----------
    event : Mapping
        The EventBridge event as Lambda receives it.
    include_deletes : bool
        Also return successful ``DELETE`` actions (to drop deleted tags promptly).

    Returns
    -------
    EcrImageAction or None
        ``None`` for actions to ignore: a failed action, or an action type other than ``PUSH``
        (and ``DELETE`` when ``include_deletes``).

    Raises
    ------
    EcrEventError
        Not an ``aws.ecr`` ``ECR Image Action`` event, or a required field missing or malformed.

    Examples
    --------
    >>> parse_ecr_event({"id": "e1", "source": "aws.ecr", "detail-type": "ECR Image Action",
    ...     "account": "123456789012", "region": "eu-west-1", "detail": {"result": "SUCCESS",
    ...     "action-type": "PUSH", "repository-name": "team/app", "image-tag": "1.0"}}).image
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app'
    """
    if event.get("source") != SOURCE or event.get("detail-type") != DETAIL_TYPE:
        raise EcrEventError(f"not an {SOURCE} {DETAIL_TYPE!r} event")
    event_id = _required(event, "id")
    account = _matching(event, "account", _ACCOUNT)
    region = _matching(event, "region", _REGION)
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise EcrEventError("detail must be an object")
    action = _required(detail, "action-type", "detail.")
    result = _required(detail, "result", "detail.")
    repository = _matching(detail, "repository-name", _REPOSITORY, "detail.")
    if not 2 <= len(repository) <= 256:
        raise EcrEventError("detail.repository-name must have 2 to 256 characters")
    tag = detail.get("image-tag")
    if tag is not None and (not isinstance(tag, str) or (tag and not _TAG.fullmatch(tag))):
        raise EcrEventError("detail.image-tag is not a valid tag")
    digest = detail.get("image-digest")
    wanted = ("PUSH", "DELETE") if include_deletes else ("PUSH",)
    if result != "SUCCESS" or action not in wanted:
        return None
    return EcrImageAction(
        image=f"{registry_host(account, region)}/{repository}",
        tag=tag or None,
        action=action,
        result=result,
        event_id=event_id,
        digest=digest if isinstance(digest, str) and digest else None,
    )


def _required(source: Mapping[str, Any], key: str, prefix: str = "") -> str:
    value = source.get(key)
    if not isinstance(value, str) or not value:
        raise EcrEventError(f"{prefix}{key} must be a non-empty string")
    return value


def _matching(
    source: Mapping[str, Any], key: str, pattern: re.Pattern[str], prefix: str = ""
) -> str:
    value = _required(source, key, prefix)
    if not pattern.fullmatch(value):
        raise EcrEventError(f"{prefix}{key} is malformed")
    return value

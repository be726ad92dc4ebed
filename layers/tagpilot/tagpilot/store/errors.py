"""Errors of the persistence layer."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from pynamodb.exceptions import PynamoDBException

from tagpilot.errors import TagpilotError

P = ParamSpec("P")
R = TypeVar("R")


class StoreError(TagpilotError):
    """DynamoDB or Secrets Manager failed; the message names the operation, never a secret."""


class NotFoundError(StoreError):
    """The object does not exist."""


class ConflictError(StoreError):
    """A conditional write lost a race (another writer changed the item first)."""


class SecretNotFoundError(StoreError):
    """The referenced Secret was never applied (or was deleted)."""


class LeaseNotReleasedError(StoreError):
    """A lease could not be released (the store failed): its holder must retry the release."""

    def __init__(self, message: str, *, lease: str, owner: str) -> None:
        super().__init__(message)
        self.lease = lease
        self.owner = owner


def store_operation(operation: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn a pynamodb failure of ``operation`` into a :class:`StoreError` naming it."""

    def deco(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return func(*args, **kwargs)
            except (NotFoundError, ConflictError):
                raise
            except PynamoDBException as exc:
                cause = getattr(exc, "cause_response_code", None) or type(exc).__name__
                raise StoreError(f"{operation} failed: {cause}: {exc.msg}") from exc

        return inner

    return deco

"""Errors of the persistence layer."""

from tagpilot.errors import TagpilotError


class StoreError(TagpilotError):
    """DynamoDB or Secrets Manager failed; the message names the operation, never a secret."""


class NotFoundError(StoreError):
    """The object does not exist."""


class ConflictError(StoreError):
    """A conditional write lost a race (another writer changed the item first)."""


class SecretNotFoundError(StoreError):
    """The referenced Secret was never applied (or was deleted)."""

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


class LeaseNotReleasedError(StoreError):
    """A lease could not be released (the store failed): its holder must retry the release."""

    def __init__(self, message: str, *, lease: str, owner: str) -> None:
        super().__init__(message)
        self.lease = lease
        self.owner = owner

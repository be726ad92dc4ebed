"""Short-lived exclusive leases in DynamoDB (one automation run per Git repository and branch)."""

from __future__ import annotations

import time
from collections.abc import Callable

from pynamodb.exceptions import DeleteError, PutError

from tagpilot.store.errors import LeaseNotReleasedError, StoreError, store_operation
from tagpilot.store.models import Models


class LeaseStore:
    """Acquire with a conditional put; an expired lease may be taken over."""

    def __init__(self, models: Models, clock: Callable[[], float] = time.time) -> None:
        self._model = models.leases
        self._clock = clock

    @store_operation("acquire lease")
    def acquire(self, lease: str, owner: str, seconds: float) -> bool:
        now = self._clock()
        m = self._model
        item = m(lease, owner=owner, expires_at=now + seconds)
        try:
            item.save(
                condition=m.lease.does_not_exist() | (m.expires_at < now) | (m.owner == owner)
            )
        except PutError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, lease: str, owner: str) -> None:
        """Release ``lease`` if ``owner`` still holds it.

        Raises
        ------
        LeaseNotReleasedError
            The store failed; the error names the lease and owner so the release can be retried.
        """
        try:
            self._release(lease, owner)
        except StoreError as exc:
            raise LeaseNotReleasedError(str(exc), lease=lease, owner=owner) from exc

    @store_operation("release lease")
    def _release(self, lease: str, owner: str) -> None:
        m = self._model
        try:
            m(lease).delete(condition=m.owner == owner)
        except DeleteError as exc:
            if getattr(exc, "cause_response_code", "") != "ConditionalCheckFailedException":
                raise

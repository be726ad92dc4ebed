"""Follow the local stack when it moves to other ports.

``tagpilot local up`` takes the ports of its previous start again (``<home>/ports.json``) when
they are free; when one was taken meanwhile, the stack starts on new ports. A process that
resolved the endpoints before (a running ``tagpilot serve``, its webhook server) would keep
calling the old ones forever. :class:`StackFollower` re-reads the running stack's ports
(``<home>/local.json``) when the store fails and, if they changed, points every DynamoDB model
and the Secrets Manager client of the :class:`~tagpilot.reconcile.app.App` at the new ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tagpilot.local.stack import read_state
from tagpilot.reconcile.app import App
from tagpilot.store.secrets import SecretStore

logger = logging.getLogger(__name__)


class StackFollower:
    """Re-resolve the local stack's endpoints for ``app`` (call it after a store failure).

    Parameters
    ----------
    app:
        The App whose adapters to re-point.
    home:
        The local stack's home (``TAGPILOT_HOME``).
    models:
        Every PynamoDB model class the App's stores use.
    secrets_client:
        ``secrets_client(endpoint) -> client`` for the Secrets Manager endpoint.
    """

    def __init__(
        self,
        app: App,
        home: Path,
        models: Iterable[type[Any]],
        secrets_client: Callable[[str], Any],
    ) -> None:
        self._app = app
        self._home = home
        self._models = list(models)
        self._secrets_client = secrets_client

    def __call__(self) -> bool:
        """Re-point the adapters if the running stack is now elsewhere; True if it moved."""
        stack = read_state(self._home)
        settings = self._app.settings
        if stack is None or (
            stack.dynamodb_endpoint == settings.dynamodb_endpoint
            and stack.secrets_endpoint == settings.secrets_endpoint
        ):
            return False
        for model in self._models:
            model.Meta.host = stack.dynamodb_endpoint
            model._connection = None  # PynamoDB builds the next one from Meta.host
        if isinstance(self._app.secrets, SecretStore):
            self._app.secrets.use_client(self._secrets_client(stack.secrets_endpoint))
        self._app.settings = settings.with_overrides(
            dynamodb_endpoint=stack.dynamodb_endpoint, secrets_endpoint=stack.secrets_endpoint
        )
        logger.warning(
            "the local stack moved: DynamoDB %s, Secrets Manager %s",
            stack.dynamodb_endpoint,
            stack.secrets_endpoint,
        )
        return True

"""Fixtures shared by the integration suites: the tests' own Sigstore instance."""

from __future__ import annotations

import pytest

from tests.support.fulcio import LocalSigstore


@pytest.fixture(scope="session")
def sigstore() -> LocalSigstore:
    """A Fulcio-style CA, CT log and Rekor keys, shared: signing only advances its log index."""
    return LocalSigstore()


@pytest.fixture(scope="session")
def trusted_root(sigstore: LocalSigstore) -> bytes:
    return sigstore.trusted_root()

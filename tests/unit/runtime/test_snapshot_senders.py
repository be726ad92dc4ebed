"""Which queue messages' object snapshots a worker may use: the dispatcher's role only."""

from __future__ import annotations

from tagpilot.config import load_settings
from tagpilot.runtime.lambda_support import trusted_sender

AWS_ENV = {
    "TAGPILOT_MODE": "aws",
    "TAGPILOT_OBJECTS_TABLE": "o",
    "TAGPILOT_TAGS_TABLE": "t",
    "TAGPILOT_LEASES_TABLE": "l",
    "TAGPILOT_SECRETS_PREFIX": "tagpilot/dev/",
}


def test_the_setting_lists_role_unique_ids() -> None:
    settings = load_settings({**AWS_ENV, "TAGPILOT_SNAPSHOT_SENDERS": "AROAAAA, AROABBB,"})
    assert settings.snapshot_senders == ("AROAAAA", "AROABBB")
    assert load_settings(AWS_ENV).snapshot_senders == ()


def test_only_a_listed_role_is_trusted() -> None:
    senders = ("AROADISPATCHER",)
    assert trusted_sender(senders, "AROADISPATCHER:tagpilot-dispatcher")
    assert not trusted_sender(senders, "AROAWEBHOOK:tagpilot-webhook")
    assert not trusted_sender(senders, "123456789012")  # a user or the account: never
    assert not trusted_sender(senders, None) and not trusted_sender(senders, "")
    assert not trusted_sender((), "AROADISPATCHER:tagpilot-dispatcher")  # none configured
    assert not trusted_sender(senders, "AROADISPATCHERX:x")  # the whole id, not a prefix

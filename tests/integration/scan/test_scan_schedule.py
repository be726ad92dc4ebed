"""Slot scheduling on DynamoDB Local: a periodic rescan that finds nothing new writes nothing,
and everything off the regular period (first run, requests, failures) keeps the due path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pynamodb.connection.base import Connection
from tagpilot.reconcile import imagerepository
from tagpilot.reconcile.dispatch import dispatch_tick
from tagpilot.store.slots import slot_offset

from tests.support.pagingregistry import Fault, PagingRegistry

pytestmark = pytest.mark.integration

KIND, KEY = "ImageRepository", "apps/app"
DAY = 86400 * 20_000  # a minute boundary that is a multiple of every interval used here
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@pytest.fixture
def registry():
    with PagingRegistry({"team/app": ["1.0.0", "1.1.0"]}, page_size=100) as server:
        yield server


@pytest.fixture
def ddb_calls(monkeypatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every DynamoDB request the store makes: ``(operation, parameters)``."""
    calls: list[tuple[str, dict[str, Any]]] = []
    real = Connection.dispatch

    def dispatch(self: Connection, operation: str, kwargs: dict[str, Any]) -> Any:
        calls.append((operation, dict(kwargs)))
        return real(self, operation, kwargs)

    monkeypatch.setattr(Connection, "dispatch", dispatch)
    yield calls


def _item(app) -> Any:
    return app.objects._model.get(KIND, KEY, consistent_read=True)


def _slot_now(app) -> int:
    """The current slot instant of apps/app (5m interval)."""
    offset = slot_offset(KIND, KEY, 300)
    now = int(app.clock())
    return now - (now - offset) % 300


def _scanned(app, registry, put_repo) -> None:
    put_repo(image=f"{registry.host}/team/app", insecure=True, interval="5m")
    assert app.objects.claim(KIND, KEY, now=app.clock(), hold_seconds=60)  # the due path
    assert imagerepository.reconcile(app, "apps", "app").ready == "True"


def test_a_first_run_puts_the_object_on_its_slot(app, put_repo, registry) -> None:
    _scanned(app, registry, put_repo)
    item = _item(app)
    assert item.next_due_at is None  # left the due index: no key moves per cycle any more
    assert (item.slot_shard, item.slot_offset) == (
        "ImageRepository#300",
        slot_offset(KIND, KEY, 300),
    )
    assert app.objects.slot_intervals(KIND) == [300]


def test_the_dispatcher_finds_an_object_in_its_minute_only(app, put_repo, registry) -> None:
    _scanned(app, registry, put_repo)
    offset = slot_offset(KIND, KEY, 300)
    found = {minute: app.objects.slotted(KIND, 300, DAY + minute) for minute in range(0, 300, 60)}
    assert found.pop(offset // 60 * 60) == [(KEY, DAY + offset)]
    assert all(keys == [] for keys in found.values())


def _slots_with_and_without_tags_check(app) -> tuple[int, int]:
    """A slot instant of apps/app where the stored tags are not checked, and one where they are
    (every TAG_CHECK_SLOTS-th slot); the slot only decides that check."""
    slot = _slot_now(app)
    every = imagerepository.TAG_CHECK_SLOTS
    plain = slot - 300 if (slot // 300) % every == 0 else slot
    checked = slot - ((slot // 300) % every) * 300
    assert (plain // 300) % every != 0 and (checked // 300) % every == 0
    return plain, checked


def test_an_unchanged_rescan_at_its_slot_writes_nothing(app, put_repo, registry, ddb_calls) -> None:
    _scanned(app, registry, put_repo)
    before = _item(app).status
    plain, checked = _slots_with_and_without_tags_check(app)
    ddb_calls.clear()
    out = imagerepository.reconcile(app, "apps", "app", slot=plain)
    assert (out.ready, out.skipped, out.quiet) == ("True", None, True)
    assert [op for op, _ in ddb_calls if op in WRITES] == []
    reads = [(op, kw.get("ConsistentRead", False)) for op, kw in ddb_calls]
    assert reads == [("GetItem", False)]  # half a read unit: the object, eventually consistent
    assert _item(app).status == before
    assert sum("/tags/list" in r.path for r in registry.requests) == 2  # it did scan
    # Every TAG_CHECK_SLOTS-th slot also checks that the stored tags exist: one Query more.
    ddb_calls.clear()
    out = imagerepository.reconcile(app, "apps", "app", slot=checked)
    assert (out.ready, out.skipped, out.quiet) == ("True", None, True)
    assert [op for op, _ in ddb_calls if op in WRITES] == []
    reads = [(op, kw.get("ConsistentRead", False)) for op, kw in ddb_calls]
    assert reads == [("GetItem", False), ("Query", False)]


def test_an_unchanged_rescan_refreshes_its_scan_time_once_an_hour(
    app, put_repo, registry, ddb_calls
) -> None:
    _scanned(app, registry, put_repo)
    later = app.clock() + imagerepository.SCAN_TIME_REFRESH + 1
    app.clock = lambda: later
    ddb_calls.clear()
    out = imagerepository.reconcile(app, "apps", "app", slot=_slot_now(app))
    assert out.quiet  # nothing changed: no event either
    assert [op for op, _ in ddb_calls if op in WRITES] == ["UpdateItem"]
    assert _item(app).next_due_at is None  # still on its slot


def test_new_tags_at_a_slot_are_stored_and_reported(app, put_repo, registry) -> None:
    _scanned(app, registry, put_repo)
    registry.repos["team/app"].append("1.2.0")
    out = imagerepository.reconcile(app, "apps", "app", slot=_slot_now(app))
    assert not out.quiet and out.ready == "True"
    assert _item(app).status["lastScanResult"]["tagCount"] == 3
    assert _item(app).next_due_at is None


def test_a_failed_slot_scan_backs_off_then_returns_to_its_slot(app, put_repo, registry) -> None:
    _scanned(app, registry, put_repo)
    now = app.clock() + 300  # the next slot
    app.clock = lambda: now
    registry.inject(Fault(status=500, path="/tags/list", times=1))
    out = imagerepository.reconcile(app, "apps", "app", slot=_slot_now(app))
    assert out.ready == "False"
    due = float(_item(app).next_due_at)
    assert now < due < now + 5  # Flux's backoff: 0.75 s after the first failure
    offset = slot_offset(KIND, KEY, 300)
    assert app.objects.slotted(KIND, 300, DAY + offset // 60 * 60) == []  # the slot waits
    skipped = imagerepository.reconcile(app, "apps", "app", slot=_slot_now(app))
    assert skipped.skipped and skipped.quiet  # a slot message meanwhile does nothing
    assert [k for k, _ in app.objects.due(KIND, now=due + 1)] == [KEY]
    assert app.objects.claim(KIND, KEY, now=due + 1, hold_seconds=60)
    app.clock = lambda: due + 1
    assert imagerepository.reconcile(app, "apps", "app").ready == "True"  # the retry
    assert _item(app).next_due_at is None
    assert app.objects.slotted(KIND, 300, DAY + offset // 60 * 60) == [(KEY, DAY + offset)]


def test_a_reconcile_request_is_due_at_once(app, put_repo, registry) -> None:
    _scanned(app, registry, put_repo)
    app.objects.request_reconcile(KIND, "apps", "app", "token-1")
    assert [k for k, _ in app.objects.due(KIND)] == [KEY]
    assert app.objects.claim(KIND, KEY, now=app.clock(), hold_seconds=60)
    out = imagerepository.reconcile(app, "apps", "app")
    assert out.ready == "True"
    item = _item(app)
    assert item.status["lastHandledReconcileAt"] == "token-1"
    assert item.next_due_at is None


def test_a_request_during_the_run_still_wins(app, put_repo, registry) -> None:
    _scanned(app, registry, put_repo)
    app.objects.request_reconcile(KIND, "apps", "app", "token-1")
    app.objects.claim(KIND, KEY, now=app.clock(), hold_seconds=60)
    resource = app.objects.require(KIND, "apps", "app")
    app.objects.request_reconcile(KIND, "apps", "app", "token-2")
    app.objects.write_status(
        resource, resource.status, next_due_at=app.clock() + 300, periodic=True
    )
    assert float(_item(app).next_due_at) == 0


def test_suspend_leaves_the_slot_and_resume_makes_it_due(app, put_repo, registry) -> None:
    _scanned(app, registry, put_repo)
    offset = slot_offset(KIND, KEY, 300)
    minute = DAY + offset // 60 * 60
    app.objects.set_suspend(KIND, "apps", "app", True)
    assert app.objects.slotted(KIND, 300, minute) == []
    app.objects.set_suspend(KIND, "apps", "app", False)
    assert [k for k, _ in app.objects.due(KIND)] == [KEY]
    assert _item(app).slot_offset == offset


def test_an_interval_change_moves_the_slot(app, put_repo, registry) -> None:
    _scanned(app, registry, put_repo)
    put_repo(image=f"{registry.host}/team/app", insecure=True, interval="1h")
    item = _item(app)
    assert (item.slot_shard, item.slot_offset) == (
        "ImageRepository#3600",
        slot_offset(KIND, KEY, 3600),
    )
    assert app.objects.slot_intervals(KIND) == [300, 3600]


def test_a_due_slot_is_dispatched_once_even_when_the_event_is_duplicated(
    app, put_repo, registry
) -> None:
    _scanned(app, registry, put_repo)
    offset = slot_offset(KIND, KEY, 300)
    at = DAY + offset // 60 * 60 + 7  # the event's time, within the slot's minute
    first = dispatch_tick(app, at)
    assert first[KIND] == 1
    item = app.scan_queue.take()
    assert (item.kind, item.namespace, item.name, item.slot) == (KIND, "apps", "app", DAY + offset)
    assert dispatch_tick(app, at)[KIND] == 0  # EventBridge delivered it twice
    assert dispatch_tick(app, at + 30)[KIND] == 0  # or late, for the same minute
    assert app.scan_queue.take() is None
    assert dispatch_tick(app, at + 300)[KIND] == 1  # the next period

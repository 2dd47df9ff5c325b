"""What every store promises (the contract in ``reminder.store``), run against each store in
``tests.conftest.STORES`` through the ``store`` and ``store_factory`` fixtures."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from reminder.channels.base import Receipt
from reminder.store import (
    AckEvent,
    ChannelState,
    DeliveryItem,
    DigestRun,
    Leaseholder,
    MessageCount,
    Outcome,
    OutcomeStatus,
    Pairs,
    RecordKind,
    SendError,
    Store,
    apply_outcome,
    bearing,
    tally,
)
from reminder.store.records import head_of
from tests.conftest import StoreFactory
from tests.helpers import pending_delivery

NOW = datetime(2025, 4, 1, 8, 5, tzinfo=UTC)
DAY = date(2025, 4, 1)
A = Leaseholder("pass-a", "host-a", 11)
B = Leaseholder("pass-b", "host-b", 22)


def _error(permanent: bool = False) -> SendError:
    return SendError("máy chủ bận", "451", "thử lại sau", permanent, NOW)


class Clock:
    """A store clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


# -- deliveries and leases -------------------------------------------------------------------------


def test_deliveries_round_trip_with_every_field(store: Store) -> None:
    d = pending_delivery("nv")
    (added,) = store.add_deliveries([d], A, 600)
    assert added.lease is not None
    assert added.lease.owner == "pass-a"
    got = store.delivery(d.key, DAY)
    assert got is not None
    assert replace(got, lease=None) == d
    assert store.deliveries() == [got]
    assert store.deliveries("2025-04") == [got]
    assert store.deliveries("2025-05") == []
    assert store.delivery_months() == ["2025-04"]
    assert store.delivery("nobody/email/2025-04-01", DAY) is None


def test_a_key_is_inserted_once_and_only_its_first_pass_gets_it(store: Store) -> None:
    first = store.add_deliveries([pending_delivery("nv"), pending_delivery("tp")], A, 600)
    assert [d.key for d in first] == ["nv/email/2025-04-01", "tp/email/2025-04-01"]
    second = store.add_deliveries([pending_delivery("nv"), pending_delivery("ct")], B, 600)
    assert [d.key for d in second] == ["ct/email/2025-04-01"]
    assert len(store.deliveries()) == 3


def test_a_held_lease_is_not_given_to_another_pass_until_it_runs_out(
    tmp_path: Path, store_factory: StoreFactory
) -> None:
    clock = Clock()
    store = store_factory(tmp_path / "data", clock=clock)
    store.add_deliveries([pending_delivery("nv")], A, 60)
    assert store.lease_due(B, NOW, 60) == []
    clock.now += timedelta(seconds=59)
    assert store.lease_due(B, NOW, 60) == []
    clock.now += timedelta(seconds=2)
    (taken,) = store.lease_due(B, NOW, 60)
    assert taken.lease is not None
    assert taken.lease.owner == "pass-b"
    assert store.lease_due(A, NOW, 60) == []  # B holds it now


def test_leases_are_judged_by_the_stores_clock_not_the_callers(
    tmp_path: Path, store_factory: StoreFactory
) -> None:
    clock = Clock()
    store = store_factory(tmp_path / "data", clock=clock)
    store.add_deliveries([pending_delivery("nv")], A, 60)
    skewed = NOW + timedelta(hours=3)  # a caller whose clock runs far ahead
    assert store.lease_due(B, skewed, 60) == []


def test_renewing_keeps_a_lease_held_and_releasing_frees_it(
    tmp_path: Path, store_factory: StoreFactory
) -> None:
    clock = Clock()
    store = store_factory(tmp_path / "data", clock=clock)
    store.add_deliveries([pending_delivery("nv")], A, 60)
    for _ in range(5):
        clock.now += timedelta(seconds=40)
        store.renew_leases(A.owner, 60)
        assert store.lease_due(B, NOW, 60) == []
    store.release_leases(A.owner)
    assert [d.key for d in store.lease_due(B, NOW, 60)] == ["nv/email/2025-04-01"]


def test_retries_are_leased_when_due_by_the_callers_time(store: Store) -> None:
    (d,) = store.add_deliveries([pending_delivery("nv")], A, 600)
    retry_at = NOW + timedelta(minutes=5)
    store.record_outcome(Outcome(d.key, DAY, "retry", NOW, 1, NOW, retry_at, error=_error()))
    assert store.lease_due(B, NOW + timedelta(minutes=4), 600) == []
    (taken,) = store.lease_due(B, retry_at, 600)
    assert taken.status == "retry"
    assert taken.attempts == 1


def test_finished_deliveries_are_never_leased(store: Store) -> None:
    (d,) = store.add_deliveries([pending_delivery("nv")], A, 600)
    store.record_outcome(Outcome(d.key, DAY, "sent", NOW, 1, NOW, receipt=Receipt("id-1")))
    store.release_leases(A.owner)
    assert store.lease_due(B, NOW + timedelta(days=3), 600) == []


def test_an_outcome_reads_back_at_once_and_after_flush(store: Store) -> None:
    (d,) = store.add_deliveries([pending_delivery("nv")], A, 600)
    first = Outcome(d.key, DAY, "retry", NOW, 1, NOW, NOW + timedelta(minutes=2), error=_error())
    store.record_outcome(first)
    got = store.delivery(d.key, DAY)
    assert got == apply_outcome(d, first)
    assert got is not None
    assert got.lease is None
    assert got.last_error == _error()
    later = NOW + timedelta(minutes=3)
    second = Outcome(d.key, DAY, "sent", later, 2, NOW, receipt=Receipt("msg-9", "250 OK"))
    store.record_outcome(second)
    store.flush()
    got = store.delivery(d.key, DAY)
    assert got is not None
    assert (got.status, got.attempts, got.sent_at, got.receipt) == (
        "sent",
        2,
        later,
        Receipt("msg-9", "250 OK"),
    )
    assert got.errors == (_error(),)  # the history keeps the failed attempt


def test_delivery_heads_follow_every_write_of_the_same_store(store: Store) -> None:
    # A process reads heads (the board, status) between its own writes (the pass).
    def seen() -> list[tuple[str, str, int]]:
        return [(h.key, h.status, h.attempts) for h in store.delivery_heads()]

    def stored() -> list[tuple[str, str, int]]:
        return [(d.key, d.status, d.attempts) for d in store.deliveries()]

    (first,) = store.add_deliveries([pending_delivery("nv")], A, 600)
    assert seen() == stored() == [(first.key, "pending", 0)]
    (second,) = store.add_deliveries([pending_delivery("tc")], A, 600)
    assert seen() == stored()
    assert len(seen()) == 2
    store.record_outcome(Outcome(second.key, DAY, "sent", NOW, 1, NOW))
    assert seen() == stored()
    store.flush()
    assert seen() == stored()
    assert (second.key, "sent", 1) in seen()


def test_outcomes_from_many_threads_are_all_kept(store: Store) -> None:
    added = store.add_deliveries([pending_delivery(f"u{i}") for i in range(40)], A, 600)
    threads = [
        threading.Thread(
            target=store.record_outcome, args=(Outcome(d.key, DAY, "sent", NOW, 1, NOW),)
        )
        for d in added
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.flush()
    assert {d.status for d in store.deliveries()} == {"sent"}


def _counted_deliveries(store: Store) -> None:
    """Five deliveries: sent, failed and retried emails created at ``NOW``, one email created
    the next day and still pending, and a Zalo template message sent at 00:30 local time on
    1 May (17:30 UTC on 30 April)."""
    late = datetime(2025, 4, 30, 17, 0, tzinfo=UTC)
    zns = replace(pending_delivery("u3", date(2025, 4, 30), created=late), channel="zalo_zns")
    zns = replace(zns, key="u3/zalo_zns/2025-04-30")
    later = pending_delivery("u4", date(2025, 4, 2), created=NOW + timedelta(days=1))
    store.add_deliveries(
        [pending_delivery("u1"), pending_delivery("u2"), pending_delivery("u5"), zns, later],
        A,
        600,
    )
    minute = timedelta(minutes=1)
    steps: list[tuple[str, OutcomeStatus, datetime]] = [
        ("u1/email/2025-04-01", "sent", NOW + 5 * minute),
        ("u2/email/2025-04-01", "failed", NOW + 15 * minute),
        ("u5/email/2025-04-01", "retry", NOW + 25 * minute),
        ("u3/zalo_zns/2025-04-30", "sent", late + 30 * minute),
    ]
    for key, status, at in steps:
        day = date(2025, 4, 30) if "zalo" in key else DAY
        error = None if status == "sent" else _error(permanent=status == "failed")
        nxt = at + timedelta(hours=1) if status == "retry" else None
        store.record_outcome(Outcome(key, day, status, at, 1, at, nxt, error=error))
    store.flush()


def test_messages_are_counted_as_of_a_moment_in_the_store(store: Store) -> None:
    _counted_deliveries(store)
    early = NOW + timedelta(minutes=10)  # u1 sent; u2, u5 not tried yet; u3, u4 not created
    assert store.message_counts(early) == [
        MessageCount("email", "pending", "", 2),
        MessageCount("email", "sent", "2025-04", 1),
    ]
    end = datetime(2025, 5, 2, tzinfo=UTC)
    assert store.message_counts(end) == [
        MessageCount("email", "failed", "", 1),
        MessageCount("email", "pending", "", 1),
        MessageCount("email", "retry", "", 1),
        MessageCount("email", "sent", "2025-04", 1),
        MessageCount("zalo_zns", "sent", "2025-05", 1),  # the local month of sending
    ]
    assert store.message_counts(NOW - timedelta(days=1)) == []
    for moment in (early, end, NOW, NOW + timedelta(minutes=20), end - timedelta(days=2)):
        # The same answer as counting the whole records (messages included).
        assert store.message_counts(moment) == tally.message_counts(store.deliveries(), moment)


def test_the_deliveries_carrying_some_pairs_are_their_whole_history(store: Store) -> None:
    first = pending_delivery("u1")
    again = replace(pending_delivery("u1", date(2025, 4, 2)), created_at=NOW + timedelta(days=1))
    council = replace(
        pending_delivery("hd"),
        items=(DeliveryItem("plan", "T1", "u1", "escalation", DAY),),
    )
    other = replace(pending_delivery("u2"), items=(DeliveryItem("plan", "T2", "u2", "due", DAY),))
    store.add_deliveries([first, again, council, other], A, 600)
    end = NOW + timedelta(days=2)
    carried = store.carrying_deliveries(end, Pairs(plan="plan", task="T1"))
    assert [d.key for d in carried] == [council.key, first.key, again.key]  # bearing.order
    assert [d.key for d in store.carrying_deliveries(NOW, Pairs(task="T1"))] == [
        council.key,
        first.key,
    ]
    assert store.carrying_deliveries(end, Pairs(units=frozenset({"u2"}))) == [
        head_of(d) for d in store.deliveries() if d.key == other.key
    ]
    for pairs in (Pairs(plan="plan", task="T1"), Pairs(task="T2"), Pairs(plan="other")):
        for moment in (NOW, end):
            expected = bearing.carrying(store.delivery_heads(), moment, pairs)
            assert store.carrying_deliveries(moment, pairs) == expected


# -- acknowledgments -------------------------------------------------------------------------------


def test_acks_are_appended_in_order_and_read_as_of_a_moment(
    tmp_path: Path, store_factory: StoreFactory
) -> None:
    clock = Clock()
    store = store_factory(tmp_path / "data", clock=clock)
    early = AckEvent("p", "T1", "nv", "received", NOW, "link", by="1.2.3.4", note="đã nhận")
    late = AckEvent("p", "T1", "nv", "done", NOW + timedelta(days=2), "zalo", recorded_utc=NOW)
    other = AckEvent("p", "T2", "tp", "done", NOW + timedelta(days=1), "cli")
    store.add_acks([early])
    store.add_acks([late, other])
    # The store stamps an event with its own clock unless the event says when it was taken.
    early = replace(early, recorded_utc=clock.now)
    other = replace(other, recorded_utc=clock.now)
    assert store.ack_events() == [early, late, other]
    assert store.ack_events(as_of=NOW + timedelta(days=1)) == [early, other]
    assert store.ack_events(pair=("p", "T1", "nv")) == [early, late]
    assert store.ack_events(as_of=NOW - timedelta(seconds=1)) == []


# -- channel state, digest runs --------------------------------------------------------------------


def test_channel_state_is_a_compare_and_set(store: Store) -> None:
    empty = store.channel_state("zalo")
    assert empty == ChannelState("zalo")
    one = store.swap_channel_state(empty, {"access_token": "a1", "expires_at": None})
    assert one is not None
    assert one.version == 1
    assert store.channel_state("zalo") == one
    assert store.swap_channel_state(empty, {"access_token": "stale"}) is None
    two = store.swap_channel_state(one, {"access_token": "a2"})
    assert two is not None
    assert store.channel_state("zalo").values == {"access_token": "a2"}
    assert store.channel_state("email") == ChannelState("email")


def test_a_digest_week_is_recorded_once(store: Store) -> None:
    run = DigestRun("2025-W26", NOW, "email", ("chu-tich@huyen.example",))
    assert store.add_digest_run(run)
    assert not store.add_digest_run(replace(run, sent_at=NOW + timedelta(hours=1)))
    assert store.digest_runs() == [run]


# -- generic records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatLink:
    """A record kind of the sort other features declare."""

    unit: str
    user_id: str
    linked_at: datetime
    tags: tuple[str, ...] = ()


LINKS = RecordKind("test_chat_link", ChatLink)


def test_generic_records_are_typed_keyed_and_idempotent(store: Store) -> None:
    link = ChatLink("nv", "777", NOW, ("zalo",))
    assert store.get_record(LINKS, "777") is None
    assert store.add_record(LINKS, "777", link)
    assert not store.add_record(LINKS, "777", replace(link, unit="tp"))
    assert store.get_record(LINKS, "777") == link
    moved = replace(link, unit="tp")
    assert not store.replace_record(LINKS, "777", moved, link)  # not what is stored
    assert store.replace_record(LINKS, "777", link, moved)
    store.put_record(LINKS, "888", link)
    assert store.records(LINKS) == {"777": moved, "888": link}
    assert store.delete_record(LINKS, "777")
    assert not store.delete_record(LINKS, "777")
    assert list(store.records(LINKS)) == ["888"]


def test_record_kind_names_are_checked() -> None:
    with pytest.raises(ValueError, match="lower-case"):
        RecordKind("Chat Links", ChatLink)


# -- health ----------------------------------------------------------------------------------------


def test_a_healthy_store_says_so(store: Store) -> None:
    store.add_acks([AckEvent("p", "T1", "nv", "done", NOW, "cli")])
    health = store.health()
    assert health.ok, health.problems
    assert health.problems == ()

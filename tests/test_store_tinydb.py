"""The TinyDB store's own promises: atomic, locked, batched files; corrupt files stop the
program and are kept; the outcome journal survives kills. (What every store promises is in
``test_store_contract.py``.)"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from reminder.channels.base import Message
from reminder.errors import StoreError
from reminder.store import AckEvent, Delivery, Leaseholder, Outcome
from reminder.store.acklog import FOLD_AT
from reminder.store.tinydb import SCHEMA_VERSION, TinyDBStore
from tests.servers import wait_until

NOW = datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
HOLDER = Leaseholder("test-pass")


def delivery(key: str, pad: str = "") -> Delivery:
    """A pending delivery of April 2025."""
    message = Message(key, "file", "u", "Đơn vị", "s", "t" + pad, "h", "z", NOW.isoformat())
    return Delivery(key, "u", "file", date(2025, 4, 1), "pending", (), (), NOW, message=message)


def ack(task: str, state: str = "done") -> AckEvent:
    """An acknowledgment of (p, task, u)."""
    return AckEvent("p", task, "u", state, NOW, "cli")  # type: ignore[arg-type]


def folded(task: str) -> list[AckEvent]:
    """Enough acknowledgments of ``task`` to fill the ack log, so it is folded into acks.json."""
    return [AckEvent("p", task, f"u{i}", "done", NOW, "cli") for i in range(FOLD_AT)]


def sent(key: str) -> Outcome:
    """A successful first attempt."""
    return Outcome(key, date(2025, 4, 1), "sent", NOW, 1, NOW)


def test_a_write_rewrites_each_changed_file_once_and_keeps_the_previous_version(
    tmp_path: Path,
) -> None:
    store = TinyDBStore(tmp_path)
    store.add_deliveries([delivery(f"k{i}") for i in range(500)], HOLDER, 600)
    path = tmp_path / "deliveries-2025-04.json"
    first = path.read_bytes()
    store.record_outcome(sent("k7"))
    store.flush()
    assert (tmp_path / "deliveries-2025-04.json.bak").read_bytes() == first
    again = TinyDBStore(tmp_path)
    record = again.delivery("k7", date(2025, 4, 1))
    assert record is not None
    assert record.status == "sent"
    assert len(again.deliveries("2025-04")) == 500


def test_an_exception_inside_a_transaction_writes_nothing(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    store.add_deliveries([delivery("a")], HOLDER, 600)
    before = (tmp_path / "deliveries-2025-04.json").read_bytes()
    # April's record is written into the transaction, then May's cannot be encoded.
    broken = replace(delivery("m"), day=date(2025, 5, 2), message=None)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        store.add_deliveries([delivery("b"), broken], HOLDER, 600)
    assert (tmp_path / "deliveries-2025-04.json").read_bytes() == before
    assert not (tmp_path / "deliveries-2025-05.json").exists()
    assert [d.key for d in store.deliveries()] == ["a"]


def test_a_corrupt_file_stops_with_a_clear_error_and_is_never_overwritten(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    store.add_acks(folded("t"))
    store.add_acks(folded("t2"))
    broken = b'{"acks": {"1": {"plan": '
    (tmp_path / "acks.json").write_bytes(broken)
    with pytest.raises(StoreError) as exc:
        TinyDBStore(tmp_path).add_acks([ack("t3")])
    message = str(exc.value)
    assert str(tmp_path / "acks.json") in message
    assert "acks.json.bak" in message
    assert (tmp_path / "acks.json").read_bytes() == broken
    json.loads((tmp_path / "acks.json.bak").read_bytes())  # the backup is whole


def test_the_cli_reports_a_corrupt_store_without_a_traceback(
    tmp_path: Path, shipped_config: Path
) -> None:
    data = tmp_path / "data"
    TinyDBStore(data).add_acks([ack("t")])
    (data / "state.json").write_text("{not json", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reminder",
            "send-due",
            "--config-dir",
            str(shipped_config),
            "--data-dir",
            str(data),
            "--now",
            "2025-01-02T08:05",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "state.json: tệp dữ liệu hỏng" in done.stderr
    assert "Traceback" not in done.stderr


def test_data_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text(
        json.dumps({"meta": {"1": {"key": "schema", "version": SCHEMA_VERSION + 1}}}),
        encoding="utf-8",
    )
    with pytest.raises(StoreError, match="phiên bản mới hơn"):
        TinyDBStore(tmp_path).ack_events()


def test_outcomes_in_the_journal_are_folded_by_the_next_transaction(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    store.add_deliveries([delivery("a")], HOLDER, 600)
    store.record_outcome(sent("a"))
    with store.journal_path.open("a") as handle:
        handle.write('{"outcome": {"key": "a", "mon')  # a torn line from a killed writer
    record = TinyDBStore(tmp_path).delivery("a", date(2025, 4, 1))  # another process sees it
    assert record is not None
    assert record.status == "sent"
    TinyDBStore(tmp_path).add_acks([ack("t")])  # a writing transaction of another process
    assert store.journal_path.exists()  # its writer is alive: the journal stays
    journal = store.journal_path
    store.flush()
    assert not journal.exists()
    assert list(tmp_path.glob("outcomes.*")) == []
    raw = json.loads((tmp_path / "deliveries-2025-04.json").read_text())
    assert raw["deliveries"]["1"]["status"] == "sent"
    assert not (tmp_path / "quarantine.log").exists()  # a torn last line is no bad line


def test_the_journal_of_a_killed_process_is_folded_and_removed(tmp_path: Path) -> None:
    TinyDBStore(tmp_path).add_deliveries([delivery("a")], HOLDER, 600)
    script = (
        "import sys, os, signal; from pathlib import Path;"
        "from reminder.store.tinydb import TinyDBStore; from tests.test_store_tinydb import sent;"
        "s = TinyDBStore(Path(sys.argv[1])); s.record_outcome(sent('a'));"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=False)
    assert len(list(tmp_path.glob("outcomes.*.log"))) == 1
    record = TinyDBStore(tmp_path).delivery("a", date(2025, 4, 1))
    assert record is not None
    assert record.status == "sent"
    TinyDBStore(tmp_path).flush()
    assert list(tmp_path.glob("outcomes.*")) == []


def _add_acks(data_dir: str, worker: int, count: int) -> None:
    store = TinyDBStore(Path(data_dir))
    for n in range(count):
        store.add_acks([AckEvent("p", f"w{worker}", str(n), "done", NOW, "test")])


def test_concurrent_processes_lose_no_write(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_add_acks, args=(str(tmp_path), w, 25)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    acks = TinyDBStore(tmp_path).ack_events()
    assert len(acks) == 100
    assert {(a.task, a.unit) for a in acks} == {
        (f"w{w}", str(n)) for w in range(4) for n in range(25)
    }


WRITER = """
import sys
from pathlib import Path
from reminder.store import Leaseholder
from reminder.store.tinydb import TinyDBStore
from tests.test_store_tinydb import delivery
store = TinyDBStore(Path(sys.argv[1]))
n = 0
while True:
    n += 1
    store.add_deliveries([delivery(f"k{n}-{i}", "x" * 200) for i in range(50)],
                         Leaseholder("w"), 600)
"""


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns if path.exists() else 0


def _changed(path: Path) -> Callable[[], bool]:
    """Whether ``path`` has been written since this was called."""
    before = _mtime(path)
    return lambda: _mtime(path) != before


def test_kill_9_at_any_moment_leaves_a_readable_store(tmp_path: Path) -> None:
    for round_ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)])
        # Once the writer has written (its start-up time varies with the machine's load) ...
        assert wait_until(_changed(tmp_path / "deliveries-2025-04.json"), 30)
        time.sleep(0.01 + 0.017 * round_)  # ... kill it at varied points of the write cycle
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        records = TinyDBStore(tmp_path).deliveries("2025-04")
        assert len(records) % 50 == 0  # whole transactions only
    assert records


# -- hardening (issue 12) ------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"  \n\t", b"[]", b'{"acks": []}', b'{"acks": {"1": 5}}'])
def test_an_empty_or_wrongly_shaped_file_stops_and_the_good_backup_is_kept(
    tmp_path: Path, content: bytes
) -> None:
    store = TinyDBStore(tmp_path)
    store.add_acks(folded("t1"))
    store.add_acks(folded("t2"))  # acks.json.bak now holds the t1 events
    backup = (tmp_path / "acks.json.bak").read_bytes()
    (tmp_path / "acks.json").write_bytes(content)
    with pytest.raises(StoreError) as exc:
        TinyDBStore(tmp_path).ack_events()
    assert str(tmp_path / "acks.json") in str(exc.value)
    assert "acks.json.bak" in str(exc.value)
    with pytest.raises(StoreError):
        TinyDBStore(tmp_path).add_acks([ack("t3")])
    assert (tmp_path / "acks.json").read_bytes() == content  # never overwritten
    assert (tmp_path / "acks.json.bak").read_bytes() == backup  # never rotated over
    health = TinyDBStore(tmp_path).health()
    assert not health.ok
    assert "acks.json" in health.problems[0]


def test_a_record_of_the_wrong_shape_names_its_file(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    store.add_deliveries([delivery("a")], HOLDER, 600)
    path = tmp_path / "deliveries-2025-04.json"
    raw = json.loads(path.read_text())
    raw["deliveries"]["1"]["status"] = "teleported"
    path.write_text(json.dumps(raw))
    with pytest.raises(StoreError, match=r"deliveries-2025-04\.json: tệp dữ liệu hỏng"):
        TinyDBStore(tmp_path).deliveries()


def test_a_bad_journal_line_is_quarantined_and_reported_not_fatal(tmp_path: Path) -> None:
    TinyDBStore(tmp_path).add_deliveries([delivery("a"), delivery("b")], HOLDER, 600)
    journal = tmp_path / "outcomes.999999999.0badc0de.log"  # of a process that has ended
    good = json.dumps({"outcome": {**_sent_json("a")}})
    journal.write_text(f'{{"outcome": {{"key": 1}}}}\nnot json at all\n{good}\n')
    store = TinyDBStore(tmp_path)
    a = store.delivery("a", date(2025, 4, 1))
    assert a is not None
    assert a.status == "sent"  # the good line counts
    store.flush()
    assert not journal.exists()
    kept = (tmp_path / "quarantine.log").read_text().splitlines()
    assert len(kept) == 2
    assert all(journal.name in line for line in kept)
    health = store.health()
    assert health.ok
    assert "quarantine.log" in health.notes[0]


def _sent_json(key: str) -> dict[str, object]:
    from reminder.store.records import outcome_to_json

    return outcome_to_json(sent(key))


def test_leftover_temporary_files_are_removed_at_start_up(tmp_path: Path) -> None:
    TinyDBStore(tmp_path).add_acks([ack("t")])
    leftovers = [tmp_path / ".acks.json.k2j3h4.tmp", tmp_path / ".acks.json.bak.tmp"]
    for path in leftovers:
        path.write_bytes(b'{"acks": {"1": {"half": ')
    TinyDBStore(tmp_path).ack_events()
    assert not any(path.exists() for path in leftovers)


WRITE_ACK = """
import resource, sys
from datetime import datetime, UTC
from pathlib import Path
from reminder.store import AckEvent
from reminder.store.tinydb import TinyDBStore
store = TinyDBStore(Path(sys.argv[1]))
store.ack_events()
resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))
big = "x" * 5000
store.add_acks([AckEvent("p", "t", "u", "done", datetime(2025, 4, 1, tzinfo=UTC), "cli", note=big)])
"""


def test_a_file_size_limit_names_the_file_and_what_to_do(tmp_path: Path) -> None:
    TinyDBStore(tmp_path).add_acks(folded("t"))
    TinyDBStore(tmp_path).add_deliveries([delivery("a")], HOLDER, 600)
    before = (tmp_path / "acks.json").read_bytes()
    done = subprocess.run(
        [sys.executable, "-c", WRITE_ACK, str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "StoreError" in done.stderr
    assert f"{tmp_path / 'acks-2.log'}: không ghi được" in done.stderr
    assert "ulimit -f" in done.stderr
    assert (tmp_path / "acks.json").read_bytes() == before
    assert (tmp_path / "acks-2.log").read_bytes() == b""  # the part written is cut off again
    assert list(tmp_path.glob(".*.tmp")) == []


def test_acks_are_appended_to_a_log_and_folded_in_batches(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    store.add_acks([ack("first")])
    assert not (tmp_path / "acks.json").exists()  # one appended line, no rewrite
    assert (tmp_path / "acks-1.log").read_bytes().count(b"\n") == 1
    store.add_acks(folded("batch"))  # the log is full: folded into acks.json
    assert not (tmp_path / "acks-1.log").exists()
    raw = json.loads((tmp_path / "acks.json").read_text())
    assert len(raw["acks"]) == FOLD_AT + 1
    store.add_acks([ack("after")])
    assert (tmp_path / "acks-2.log").exists()
    tasks = [e.task for e in TinyDBStore(tmp_path).ack_events()]
    assert tasks == ["first", *["batch"] * FOLD_AT, "after"]  # in the order recorded


def test_a_folded_log_left_by_a_kill_is_not_counted_twice(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    store.add_acks(folded("batch"))
    # As if killed after acks.json was written and before the folded log was deleted.
    (tmp_path / "acks-1.log").write_bytes(
        b"".join(
            json.dumps(
                {
                    "plan": "p",
                    "task": "batch",
                    "unit": f"u{i}",
                    "state": "done",
                    "at": NOW.isoformat(),
                }
            ).encode()
            + b"\n"
            for i in range(FOLD_AT)
        )
    )
    assert len(TinyDBStore(tmp_path).ack_events()) == FOLD_AT


def test_a_half_written_ack_line_is_dropped_and_the_next_ack_is_whole(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    store.add_acks([ack("one")])
    with (tmp_path / "acks-1.log").open("ab") as handle:
        handle.write(b'{"plan": "p", "task": "cut sh')  # a kill in the middle of an append
    assert [e.task for e in TinyDBStore(tmp_path).ack_events()] == ["one"]
    TinyDBStore(tmp_path).add_acks([ack("two")])
    assert [e.task for e in TinyDBStore(tmp_path).ack_events()] == ["one", "two"]


def test_reading_heads_keeps_only_the_heads_of_past_months_and_loses_nothing(
    tmp_path: Path,
) -> None:
    store = TinyDBStore(tmp_path)
    march = replace(delivery("m", pad="x" * 10_000), day=date(2025, 3, 31))
    store.add_deliveries([march, delivery("a")], HOLDER, 600)
    assert [h.key for h in store.delivery_heads()] == ["m", "a"]
    files = store._disk.files
    # March's parsed documents (its messages) are dropped; April, the latest, stays parsed.
    assert files["deliveries-2025-03.json"].released
    assert files["deliveries-2025-03.json"].storage.data == {}
    assert not files["deliveries-2025-04.json"].released
    assert [h.key for h in store.delivery_heads()] == ["m", "a"]  # from the kept heads
    # Whatever needs the documents again reads the file again.
    (full,) = store.deliveries("2025-03")
    assert full.message is not None
    assert full.message.text == "t" + "x" * 10_000
    store.record_outcome(replace(sent("m"), day=date(2025, 3, 31)))
    store.flush()
    assert [h.status for h in store.delivery_heads()] == ["sent", "pending"]
    assert [d.status for d in TinyDBStore(tmp_path).deliveries()] == ["sent", "pending"]

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
from reminder.store.tinydb import SCHEMA_VERSION, TinyDBStore
from tests.servers import wait_until

NOW = datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
HOLDER = Leaseholder("test-pass")


def delivery(key: str, pad: str = "") -> Delivery:
    """A pending delivery of April 2025."""
    message = Message(key, "file", "u", "Đơn vị", "s", "t" + pad, "h", "z", NOW.isoformat())
    return Delivery(key, "u", "file", date(2025, 4, 1), "pending", (), (), message, NOW)


def ack(task: str, state: str = "done") -> AckEvent:
    """An acknowledgment of (p, task, u)."""
    return AckEvent("p", task, "u", state, NOW, "cli")  # type: ignore[arg-type]


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
    store.add_acks([ack("t")])
    store.add_acks([ack("t2")])
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

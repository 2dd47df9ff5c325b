"""The store: atomic, locked, batched; corrupt files stop the program and are kept."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reminder.errors import StoreError
from reminder.store import SCHEMA_VERSION, Store


def test_a_transaction_writes_each_changed_file_once_and_keeps_the_previous_version(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path)
    with store.transaction() as tx:
        tx.add_deliveries("2025-04", [{"key": f"k{i}", "status": "pending"} for i in range(500)])
    path = tmp_path / "deliveries-2025-04.json"
    first = path.read_bytes()
    with store.transaction() as tx:
        assert tx.update_delivery("2025-04", "k7", {"status": "sent"})
        assert not tx.update_delivery("2025-04", "missing", {"status": "sent"})
    assert (tmp_path / "deliveries-2025-04.json.bak").read_bytes() == first
    with Store(tmp_path).transaction(readonly=True) as tx:
        record = tx.delivery("2025-04", "k7")
        assert record is not None
        assert record["status"] == "sent"
        assert len(tx.deliveries("2025-04")) == 500


def test_an_exception_inside_a_transaction_writes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction() as tx:
        tx.add_acks([{"plan": "p", "task": "t", "unit": "u", "state": "received"}])
    before = (tmp_path / "acks.json").read_bytes()

    def fail_midway() -> None:
        with store.transaction() as tx:
            tx.add_acks([{"plan": "p", "task": "t", "unit": "u", "state": "done"}])
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_midway()
    assert (tmp_path / "acks.json").read_bytes() == before
    with store.transaction(readonly=True) as tx:
        assert [a["state"] for a in tx.acks()] == ["received"]


def test_a_corrupt_file_stops_with_a_clear_error_and_is_never_overwritten(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction() as tx:
        tx.add_acks([{"plan": "p", "task": "t", "unit": "u", "state": "done"}])
    with store.transaction() as tx:
        tx.add_acks([{"plan": "p", "task": "t2", "unit": "u", "state": "done"}])
    broken = b'{"acks": {"1": {"plan": '
    (tmp_path / "acks.json").write_bytes(broken)
    with pytest.raises(StoreError) as exc, Store(tmp_path).transaction() as tx:
        tx.add_acks([{"plan": "p", "task": "t3", "unit": "u", "state": "done"}])
    message = str(exc.value)
    assert str(tmp_path / "acks.json") in message
    assert "acks.json.bak" in message
    assert (tmp_path / "acks.json").read_bytes() == broken
    json.loads((tmp_path / "acks.json.bak").read_bytes())  # the backup is whole


def test_the_cli_reports_a_corrupt_store_without_a_traceback(
    tmp_path: Path, shipped_config: Path
) -> None:
    data = tmp_path / "data"
    Store(data)
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
    with pytest.raises(StoreError, match="phiên bản mới hơn"), Store(tmp_path).transaction():
        pass


def test_outcomes_in_the_journal_are_folded_by_the_next_transaction(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction() as tx:
        tx.add_deliveries("2025-04", [{"key": "a", "status": "pending"}])
    store.record_outcome("a", "2025-04", {"status": "sent", "attempts": 1})
    with store.journal_path.open("a") as handle:
        handle.write('{"key": "a", "mon')  # a torn line from a killed writer
    with Store(tmp_path).transaction() as tx:  # another process sees it
        record = tx.delivery("2025-04", "a")
        assert record is not None
        assert record["status"] == "sent"
    assert store.journal_path.exists()  # its writer is alive: the journal stays
    journal = store.journal_path
    store.finish_journal()
    with Store(tmp_path).transaction():
        pass
    assert not journal.exists()
    assert list(tmp_path.glob("outcomes.*")) == []
    raw = json.loads((tmp_path / "deliveries-2025-04.json").read_text())
    assert raw["deliveries"]["1"]["status"] == "sent"


def test_the_journal_of_a_killed_process_is_folded_and_removed(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction() as tx:
        tx.add_deliveries("2025-04", [{"key": "a", "status": "pending"}])
    script = (
        "import sys, os, signal; from pathlib import Path; from reminder.store import Store;"
        "s = Store(Path(sys.argv[1])); s.record_outcome('a', '2025-04', {'status': 'sent'});"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=False)
    assert len(list(tmp_path.glob("outcomes.*.log"))) == 1
    with Store(tmp_path).transaction() as tx:
        record = tx.delivery("2025-04", "a")
        assert record is not None
        assert record["status"] == "sent"
    assert list(tmp_path.glob("outcomes.*")) == []


def _add_acks(data_dir: str, worker: int, count: int) -> None:
    store = Store(Path(data_dir))
    for n in range(count):
        with store.transaction() as tx:
            tx.add_acks([{"plan": "p", "task": f"w{worker}", "unit": str(n), "state": "done"}])


def test_concurrent_processes_lose_no_write(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_add_acks, args=(str(tmp_path), w, 25)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with Store(tmp_path).transaction(readonly=True) as tx:
        acks = tx.acks()
    assert len(acks) == 100
    assert {(a["task"], a["unit"]) for a in acks} == {
        (f"w{w}", str(n)) for w in range(4) for n in range(25)
    }


WRITER = """
import sys
from pathlib import Path
from reminder.store import Store
store = Store(Path(sys.argv[1]))
n = 0
while True:
    n += 1
    with store.transaction() as tx:
        tx.add_deliveries("2025-04", [{"key": f"k{n}-{i}", "status": "pending", "pad": "x" * 200}
                                      for i in range(50)])
"""


def test_kill_9_at_any_moment_leaves_a_readable_store(tmp_path: Path) -> None:
    for round_ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)])
        time.sleep(0.15 + 0.037 * round_)  # kill at varied points of the write cycle
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with Store(tmp_path).transaction(readonly=True) as tx:
            records = tx.deliveries("2025-04")
        assert len(records) % 50 == 0  # whole transactions only
    assert records

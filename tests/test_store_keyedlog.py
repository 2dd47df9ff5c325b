"""The TinyDB store's keyed records: a write appends one line to the kind's change log instead
of rewriting ``records-<kind>.json``; the log is folded by size; kills (mid-append, mid-fold,
anywhere) lose nothing and apply nothing twice; processes sharing the data dir keep
insert-if-new and compare-and-set. (The contract itself is in ``test_store_contract.py``.)"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from reminder.errors import StoreError
from reminder.store import RecordKind
from reminder.store.tinydb import TinyDBStore, keyedlog
from tests.servers import wait_until


@dataclass(frozen=True)
class Count:
    """A test record: a number."""

    n: int


KEYS = RecordKind("test_key", Count)
COUNTER = RecordKind("test_counter", Count)
FILE = "records-test_key.json"
LOG1 = "records-test_key-1.log"


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_a_write_appends_one_line_and_never_rewrites_the_kind_s_file(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    for n in range(5):
        store.add_record(KEYS, f"k{n}", Count(n))
    store.fold_records(KEYS)
    before = (tmp_path / FILE).read_bytes()
    assert store.add_record(KEYS, "new", Count(9))
    assert not store.add_record(KEYS, "new", Count(10))  # insert-if-new: nothing written
    assert store.replace_record(KEYS, "k1", Count(1), Count(11))
    assert not store.replace_record(KEYS, "k1", Count(1), Count(12))  # no longer what is stored
    assert store.delete_record(KEYS, "k2")
    assert not store.delete_record(KEYS, "k2")
    store.put_record(KEYS, "k3", Count(13))
    assert (tmp_path / FILE).read_bytes() == before
    assert _lines(tmp_path / "records-test_key-2.log") == [
        {"op": "add", "key": "new", "value": {"n": 9}},
        {"op": "replace", "key": "k1", "value": {"n": 11}},
        {"op": "delete", "key": "k2"},
        {"op": "put", "key": "k3", "value": {"n": 13}},
    ]
    expected = {"k0": Count(0), "k1": Count(11), "k3": Count(13), "k4": Count(4), "new": Count(9)}
    assert TinyDBStore(tmp_path).records(KEYS) == expected
    assert list(TinyDBStore(tmp_path).records(KEYS)) == ["k0", "k1", "k3", "k4", "new"]


def test_the_log_is_folded_once_it_has_as_many_lines_as_the_file_has_records(
    tmp_path: Path,
) -> None:
    store = TinyDBStore(tmp_path)
    for n in range(keyedlog.FOLD_MIN - 1):
        store.add_record(KEYS, f"k{n}", Count(n))
    assert not (tmp_path / FILE).exists()
    assert len(_lines(tmp_path / LOG1)) == keyedlog.FOLD_MIN - 1
    store.add_record(KEYS, "last", Count(-1))  # the FOLD_MIN-th line: folded
    assert not (tmp_path / LOG1).exists()
    raw = json.loads((tmp_path / FILE).read_text())
    assert len(raw["records"]) == keyedlog.FOLD_MIN
    assert list(raw["meta"].values()) == [{"key": "log", "gen": 1}]
    # The next fold waits for as many lines as the file holds records.
    for n in range(keyedlog.FOLD_MIN - 1):
        store.replace_record(KEYS, f"k{n}", Count(n), Count(n + 1))
    assert len(_lines(tmp_path / "records-test_key-2.log")) == keyedlog.FOLD_MIN - 1
    assert store.delete_record(KEYS, "k0")
    assert not (tmp_path / "records-test_key-2.log").exists()
    records = TinyDBStore(tmp_path).records(KEYS)
    assert list(records)[:2] == ["k1", "k2"]
    assert records["k1"] == Count(2)
    assert records["last"] == Count(-1)
    assert len(records) == keyedlog.FOLD_MIN - 1


def test_insertion_order_is_the_contract_s_through_replace_delete_re_add_and_fold(
    tmp_path: Path,
) -> None:
    store = TinyDBStore(tmp_path)
    for key in "abcd":
        store.add_record(KEYS, key, Count(0))
    store.fold_records(KEYS)  # a, b, c, d in the file
    store.replace_record(KEYS, "b", Count(0), Count(1))  # keeps its place
    store.delete_record(KEYS, "a")
    store.add_record(KEYS, "e", Count(0))
    store.add_record(KEYS, "a", Count(2))  # back after a delete: last
    store.delete_record(KEYS, "e")
    store.put_record(KEYS, "e", Count(3))  # back after a delete: last
    expected = ["b", "c", "d", "a", "e"]
    assert list(TinyDBStore(tmp_path).records(KEYS)) == expected
    store.fold_records(KEYS)
    assert list(TinyDBStore(tmp_path).records(KEYS)) == expected
    assert TinyDBStore(tmp_path).records(KEYS)["b"] == Count(1)
    assert TinyDBStore(tmp_path).record_kinds() == ["test_key"]


def test_a_kind_with_only_a_log_is_listed_and_copied(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    store.add_record(COUNTER, "c", Count(1))
    assert not (tmp_path / "records-test_counter.json").exists()
    assert store.record_kinds() == ["test_counter"]
    assert store.health().ok


def test_a_folded_log_left_by_a_kill_is_not_applied_twice(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    store.add_record(KEYS, "x", Count(1))
    store.add_record(KEYS, "y", Count(1))
    kept = (tmp_path / LOG1).read_bytes()
    store.fold_records(KEYS)
    assert store.delete_record(KEYS, "x")  # in the log of generation 2, folded too
    assert store.replace_record(KEYS, "y", Count(1), Count(2))
    store.fold_records(KEYS)
    # As if killed after the file was written and before the folded log was deleted.
    (tmp_path / LOG1).write_bytes(kept)
    assert TinyDBStore(tmp_path).records(KEYS) == {"y": Count(2)}
    again = TinyDBStore(tmp_path)
    again.add_record(KEYS, "z", Count(3))
    again.fold_records(KEYS)
    assert not (tmp_path / LOG1).exists()  # the next fold deletes it
    assert TinyDBStore(tmp_path).records(KEYS) == {"y": Count(2), "z": Count(3)}


def test_a_half_written_line_is_ignored_and_cut_off_by_the_next_write(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    store.add_record(KEYS, "one", Count(1))
    with (tmp_path / LOG1).open("ab") as handle:
        handle.write(b'{"op": "add", "key": "torn", "val')  # a kill in the middle of an append
    assert TinyDBStore(tmp_path).records(KEYS) == {"one": Count(1)}
    assert TinyDBStore(tmp_path).add_record(KEYS, "two", Count(2))
    assert TinyDBStore(tmp_path).records(KEYS) == {"one": Count(1), "two": Count(2)}
    assert len(_lines(tmp_path / LOG1)) == 2


def test_a_damaged_log_line_stops_naming_the_file_and_line(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path)
    store.add_record(KEYS, "one", Count(1))
    with (tmp_path / LOG1).open("ab") as handle:
        handle.write(b'{"op": "rename", "key": "one"}\n')
    with pytest.raises(StoreError) as caught:
        TinyDBStore(tmp_path).get_record(KEYS, "one")
    assert f"{tmp_path / LOG1}: dòng 2 hỏng" in str(caught.value)
    assert "sửa hoặc xóa dòng đó" in str(caught.value)
    health = TinyDBStore(tmp_path).health()
    assert not health.ok
    assert str(tmp_path / LOG1) in health.problems[0]


def test_records_written_before_the_change_log_are_read_and_kept(tmp_path: Path) -> None:
    # The shape every release before this one wrote: a file rewritten per write, no meta.
    docs = {"1": {"key": "old", "value": {"n": 1}}, "2": {"key": "older", "value": {"n": 2}}}
    (tmp_path / FILE).write_text(json.dumps({"records": docs}))
    store = TinyDBStore(tmp_path)
    assert store.replace_record(KEYS, "old", Count(1), Count(5))
    assert TinyDBStore(tmp_path).records(KEYS) == {"old": Count(5), "older": Count(2)}


# -- processes sharing the data dir, and kills -----------------------------------------------


def _contend(data_dir: str, worker: int, wins_file: str) -> None:
    keyedlog.FOLD_MIN = 7  # fold often, so folds interleave with the other processes' writes
    store = TinyDBStore(Path(data_dir))
    wins = 0
    for n in range(20):
        if store.add_record(KEYS, f"shared{n}", Count(worker)):
            wins += 1
        while True:  # an increment by compare-and-set
            current = store.get_record(COUNTER, "c")
            assert current is not None
            if store.replace_record(COUNTER, "c", current, Count(current.n + 1)):
                break
    Path(wins_file).write_text(str(wins))


def test_processes_sharing_the_data_dir_keep_insert_if_new_and_compare_and_set(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    TinyDBStore(data).add_record(COUNTER, "c", Count(0))
    context = multiprocessing.get_context("spawn")
    wins = [tmp_path / f"wins-{w}" for w in range(4)]
    procs = [context.Process(target=_contend, args=(str(data), w, str(wins[w]))) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    store = TinyDBStore(data)
    assert store.get_record(COUNTER, "c") == Count(80)  # no increment lost
    assert sum(int(w.read_text()) for w in wins) == 20  # each key inserted by one process
    assert len(store.records(KEYS)) == 20


WRITER = """
import sys
from pathlib import Path
from reminder.store.tinydb import TinyDBStore, keyedlog
from tests.test_store_keyedlog import COUNTER, KEYS, Count
keyedlog.FOLD_MIN = 25  # folds are frequent: kills land in them too
store = TinyDBStore(Path(sys.argv[1]))
c = store.get_record(COUNTER, "c")
if c is None:
    store.add_record(COUNTER, "c", Count(0))
    c = Count(0)
i = c.n
while True:
    store.add_record(KEYS, f"k{i}", Count(i))
    if i >= 5:
        store.delete_record(KEYS, f"k{i - 5}")
    assert store.replace_record(COUNTER, "c", Count(i), Count(i + 1))
    i += 1
"""


def _stamp(data_dir: Path) -> list[tuple[str, int, int]]:
    """Names, sizes and times of the test kinds' files: changes whenever a write lands."""
    out = []
    for path in sorted(data_dir.glob("records-test_*")):
        try:
            st = path.stat()
        except FileNotFoundError:  # folded and deleted meanwhile
            continue
        out.append((path.name, st.st_size, st.st_mtime_ns))
    return out


def _written_since(data_dir: Path) -> Callable[[], bool]:
    before = _stamp(data_dir)
    return lambda: _stamp(data_dir) != before


def test_kill_9_at_any_moment_loses_no_change_and_applies_none_twice(tmp_path: Path) -> None:
    counts = []
    for round_ in range(10):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)])
        # Once the writer has written (its start-up time varies with the machine's load) ...
        assert wait_until(_written_since(tmp_path), 60)
        time.sleep(0.02 + 0.023 * round_)  # ... kill it at varied points of its cycle
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        store = TinyDBStore(tmp_path)
        counter = store.get_record(COUNTER, "c")
        assert counter is not None
        c = counter.n
        present = {r.n for r in store.records(KEYS).values()}
        # Every key of a finished step is there, every key deleted is gone; the step the kill
        # interrupted may have added k_c and deleted k_(c-5), or not yet.
        assert set(range(max(0, c - 4), c)) <= present <= set(range(max(0, c - 5), c + 1))
        assert all(store.get_record(KEYS, f"k{n}") == Count(n) for n in present)
        counts.append(c)
    assert counts == sorted(counts)  # each round carried on from the last one's counter
    assert json.loads((tmp_path / FILE).read_text())["meta"]["1"]["gen"] > 1  # folds happened


FOLD_KILLER = """
import os, signal, sys
from pathlib import Path
from reminder.store.tinydb import TinyDBStore, disk
from tests.test_store_keyedlog import KEYS, Count
real, where = disk.write_atomic, sys.argv[2]

def dying(path, data, *, keep_backup=False):
    if path.name == "records-test_key.json":
        if where == "before-rename":  # the new file half written to its temporary name
            (path.parent / f".{path.name}.kill.tmp").write_bytes(data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        real(path, data, keep_backup=keep_backup)
        os.kill(os.getpid(), signal.SIGKILL)  # renamed; the folded log not deleted yet
    real(path, data, keep_backup=keep_backup)

disk.write_atomic = dying
store = TinyDBStore(Path(sys.argv[1]))
store.delete_record(KEYS, "a")
store.replace_record(KEYS, "b", Count(1), Count(2))
store.add_record(KEYS, "c", Count(3))
store.add_record(KEYS, "a", Count(4))
store.fold_records(KEYS)
"""


@pytest.mark.parametrize("where", ["before-rename", "after-rename"])
def test_a_kill_in_the_middle_of_a_fold_loses_nothing_and_applies_nothing_twice(
    tmp_path: Path, where: str
) -> None:
    store = TinyDBStore(tmp_path)
    store.add_record(KEYS, "a", Count(1))
    store.add_record(KEYS, "b", Count(1))
    store.fold_records(KEYS)
    done = subprocess.run([sys.executable, "-c", FOLD_KILLER, str(tmp_path), where], check=False)
    assert done.returncode == -signal.SIGKILL
    folded = json.loads((tmp_path / FILE).read_text())["meta"]["1"]["gen"]
    assert folded == (1 if where == "before-rename" else 2)
    assert (tmp_path / "records-test_key-2.log").exists()  # kept in both cases
    expected = {"b": Count(2), "c": Count(3), "a": Count(4)}
    after = TinyDBStore(tmp_path)
    assert after.records(KEYS) == expected
    assert list(after.records(KEYS)) == ["b", "c", "a"]
    assert after.delete_record(KEYS, "c")
    after.fold_records(KEYS)
    assert TinyDBStore(tmp_path).records(KEYS) == {"b": Count(2), "a": Count(4)}
    assert sorted(p.name for p in tmp_path.glob("records-test_key*")) == [FILE, FILE + ".bak"]
    assert list(tmp_path.glob(".*.tmp")) == []  # the half-written temporary file is removed


def test_a_data_dir_of_schema_1_is_marked_2_so_an_older_program_refuses_it(
    tmp_path: Path,
) -> None:
    state = {"meta": {"1": {"key": "schema", "version": 1}}}
    (tmp_path / "state.json").write_text(json.dumps(state))
    store = TinyDBStore(tmp_path)
    assert store.records(KEYS) == {}
    assert json.loads((tmp_path / "state.json").read_text()) == state  # reading writes nothing
    store.add_record(KEYS, "k", Count(1))
    meta = json.loads((tmp_path / "state.json").read_text())["meta"]
    assert list(meta.values()) == [{"key": "schema", "version": 2}]

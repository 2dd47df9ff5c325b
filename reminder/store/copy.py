"""Copy everything one store holds into another, empty one (``reminder migrate --to URL``).

Deliveries (with their status, attempts, errors and receipts, but no lease), every
acknowledgment event in its order, channel state, digest runs and every generic record are
copied through the ``Store`` protocol, then counted again on both sides. The target must be
empty: a copy never merges two histories.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reminder.errors import StoreError
from reminder.store import ChannelState, Leaseholder, RecordKind, Store

#: The lease the copied deliveries are written under, released at once.
_COPY = Leaseholder(owner="reminder-migrate")


@dataclass
class Counts:
    """How many of each thing a store holds."""

    deliveries: int = 0
    acks: int = 0
    channel_states: int = 0
    digest_runs: int = 0
    records: dict[str, int] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """Whether nothing at all is stored."""
        return not (
            self.deliveries
            or self.acks
            or self.channel_states
            or self.digest_runs
            or any(self.records.values())
        )

    def lines(self) -> list[str]:
        """The counts in Vietnamese, one line each."""
        out = [
            f"thư đã lập: {self.deliveries}",
            f"xác nhận: {self.acks}",
            f"trạng thái kênh: {self.channel_states}",
            f"báo cáo tuần đã gửi: {self.digest_runs}",
        ]
        out += [f"bản ghi {kind}: {n}" for kind, n in sorted(self.records.items())]
        return out


def _kind(name: str) -> RecordKind[Any]:
    """A pass-through kind: the stored JSON value as it is."""
    return RecordKind(name, object)


def count(store: Store) -> Counts:
    """What ``store`` holds."""
    return Counts(
        deliveries=len(store.deliveries()),
        acks=len(store.ack_events()),
        channel_states=sum(1 for n in store.channel_names() if store.channel_state(n).version),
        digest_runs=len(store.digest_runs()),
        records={k: len(store.records(_kind(k))) for k in store.record_kinds()},
    )


def copy(source: Store, target: Store) -> Counts:
    """Copy everything from ``source`` into the empty ``target``; returns the counts, equal
    on both sides. Raises ``StoreError`` when the target is not empty or the counts differ."""
    if not count(target).is_empty():
        raise StoreError(
            f"{target.describe()}: đã có dữ liệu — chỉ chuyển sang một cơ sở dữ liệu trống"
            " (tạo cơ sở dữ liệu mới, hoặc xóa dữ liệu cũ nếu chắc chắn không cần)"
        )
    deliveries = [replace(d, lease=None) for d in source.deliveries()]
    target.add_deliveries(deliveries, _COPY, 0)
    target.release_leases(_COPY.owner)
    target.add_acks(source.ack_events())
    for name in source.channel_names():
        state = source.channel_state(name)
        if state.version:
            target.swap_channel_state(ChannelState(name), dict(state.values))
    for run in source.digest_runs():
        target.add_digest_run(run)
    for name in source.record_kinds():
        kind = _kind(name)
        for key, value in source.records(kind).items():
            target.put_record(kind, key, value)
    before, after = count(source), count(target)
    if before != after:
        raise StoreError(
            f"{target.describe()}: số bản ghi sau khi chép không khớp (nguồn → đích: "
            + "; ".join(
                f"{a} → {b.rsplit(': ', 1)[-1]}"
                for a, b in zip(before.lines(), after.lines(), strict=False)
                if a != b
            )
            + ") — không dùng cơ sở dữ liệu này; báo lỗi cho người phát triển"
        )
    return after


def migrate_command(source: Store, url: str, data_dir: Path, from_files: bool) -> int:
    """``reminder migrate --to URL``: copy ``source`` into the empty database at ``url`` and
    print the counts; the exit code. With the TinyDB store the service must be stopped (its
    lock is taken for the copy), so nothing is written meanwhile."""
    from reminder.service import single_instance
    from reminder.store.postgres import PostgresStore

    if not url.startswith(("postgresql://", "postgres://")):
        print(
            f"LỖI: --to {url!r}: cần địa chỉ PostgreSQL dạng"
            " postgresql://người_dùng@máy_chủ:5432/tên_cơ_sở_dữ_liệu",
            file=sys.stderr,
        )
        return 2
    with single_instance(data_dir) if from_files else contextlib.nullcontext():
        target = PostgresStore(url, data_dir)
        try:
            counts = copy(source, target)
            target.tidy_after_load()
        finally:
            target.close()
    print(f"Đã chép từ {source.describe()} sang {target.describe()}:")
    for line in counts.lines():
        print(f"  {line}")
    print("Số bản ghi hai bên khớp nhau. Dùng cơ sở dữ liệu mới: đặt REMINDER_STORE_URL rồi")
    print("khởi động lại reminder run (giữ thư mục dữ liệu cũ làm bản sao lưu).")
    return 0

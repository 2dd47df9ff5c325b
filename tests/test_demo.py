"""``reminder demo`` plays the reference plan's year quickly and tells a consistent story."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from reminder import config
from reminder.demo import play
from reminder.store.tinydb import TinyDBStore
from tests.conftest import CliResult, delivery_records


def test_demo_plays_the_year_into_the_outbox_with_acks_and_digests(
    shipped_config: Path, tmp_path: Path
) -> None:
    loaded = config.load(shipped_config)
    started = time.perf_counter()
    result = play(loaded, tmp_path / "demo")
    assert time.perf_counter() - started < 30
    assert result.passes == 250  # the working days of 2025
    outbox = sorted((tmp_path / "demo" / "outbox").rglob("*.eml"))
    assert len(outbox) == result.messages > 100
    assert set(result.by_kind) == {"open", "before_due", "due", "overdue", "escalation"}
    assert result.acks["done"] > 50
    assert len(result.digests) == 52
    records = list(delivery_records(TinyDBStore(tmp_path / "demo")).values())
    assert len(records) == result.messages
    assert all(r["channel"] == "file" for r in records)
    # No message on a day off, and at most one per unit per day.
    days = {(r["recipient"], r["day"]) for r in records}
    assert len(days) == len(records)
    assert all(loaded.calendar.is_working_day(date.fromisoformat(d)) for _, d in days)
    assert "Báo cáo tuần" in result.digests[25].read_text(encoding="utf-8")


def test_demo_command_prints_a_summary(
    cli: Callable[..., CliResult], shipped_config: Path, tmp_path: Path
) -> None:
    code, out, _ = cli(
        "demo", "--config-dir", str(shipped_config), "--data-dir", str(tmp_path / "d")
    )
    assert code == 0
    assert "250 ngày làm việc" in out
    assert "Báo cáo tuần:" in out
    assert "(52 tuần)" in out
    assert str(tmp_path / "d" / "outbox") in out

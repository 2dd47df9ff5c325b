"""Dispatch rules: acknowledgments silence reminders, escalations reach the council, the
shipped default writes to the file outbox, and the CLI shows what happened."""

from __future__ import annotations

import email
import email.policy
import json
import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from reminder import acks, config
from reminder.dispatch import Dispatcher
from reminder.outbox import HOST
from reminder.render import ZALO_TEXT_LIMIT, Renderer
from reminder.schedule import LOCAL_TZ
from reminder.store import Delivery, Leaseholder, Store
from tests.conftest import CliResult, StoreFactory, write_config

UNITS: list[dict[str, object]] = [
    {"id": "nv", "name": "Phòng Nội vụ", "email": ["nv@huyen.example"]},
    {"id": "tp", "name": "Phòng Tư pháp", "email": ["tp@huyen.example"]},
    {"id": "hd", "name": "Hội đồng Thi đua – Khen thưởng", "email": ["hd@huyen.example"]},
    {"id": "silent", "name": "Đơn vị không liên lạc được"},
]
TASKS: list[dict[str, object]] = [
    {
        "id": "T1",
        "quarter": 1,
        "title": "Việc một",
        "lead": ["nv", "silent"],
        "support": ["tp"],
        "start": date(2025, 3, 3),
        "due": date(2025, 3, 14),
    },
]


def _setup(
    tmp_path: Path, store_factory: StoreFactory, settings: str = 'council = "hd"\n'
) -> tuple[Dispatcher, Store]:
    cfg = config.load(write_config(tmp_path / "config", UNITS, TASKS, settings))
    store = store_factory(tmp_path / "data")
    return Dispatcher(cfg, store, secret="s"), store


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ) + timedelta(hours=9)


def _outbox(store: Store) -> list[dict[str, object]]:
    files = sorted((store.data_dir / "outbox").rglob("*.json"))
    return [json.loads(p.read_text(encoding="utf-8"))["message"] for p in files]


def _ack(store: Store, unit: str, state: acks.AckKind, when: datetime) -> None:
    store.add_acks([acks.ack_record("plan-2025", "T1", unit, state, when, "cli")])


def test_without_accounts_messages_go_to_the_file_outbox_as_eml_and_json(
    tmp_path: Path, store_factory: StoreFactory
) -> None:
    dispatcher, store = _setup(tmp_path, store_factory)
    report = dispatcher.run(_at(date(2025, 3, 3)))
    assert sorted(report.sent) == [
        "nv/file/2025-03-03",
        "silent/file/2025-03-03",
        "tp/file/2025-03-03",
    ]
    assert report.unreachable == []  # the file channel reaches everyone
    eml = sorted((store.data_dir / "outbox" / "2025-03-03").glob("*.eml"))
    assert [p.name for p in eml] == [
        "nv_file_2025-03-03.eml",
        "silent_file_2025-03-03.eml",
        "tp_file_2025-03-03.eml",
    ]
    parsed = email.message_from_bytes(eml[0].read_bytes(), policy=email.policy.default)
    assert parsed["Subject"].startswith("[Nhắc việc]")


def test_done_stops_every_reminder_and_received_only_the_early_ones(
    tmp_path: Path, store_factory: StoreFactory
) -> None:
    dispatcher, store = _setup(
        tmp_path,
        store_factory,
        'council = "hd"\n[channels]\norder = ["email"]\n[smtp]\nhost = "127.0.0.1"\nport = 9\n',
    )
    # "received" from nv before the before-due reminder: no before_due, but due/overdue stay.
    _ack(store, "nv", "received", _at(date(2025, 3, 4)))
    _ack(store, "tp", "done", _at(date(2025, 3, 4)))
    days = [date(2025, 3, 7), date(2025, 3, 13), date(2025, 3, 14), date(2025, 3, 18)]
    planned: dict[date, list[str]] = {}
    for day in days:
        report = dispatcher.run(_at(day), dry_run=True)
        planned[day] = [f"{m.recipient}:{m.subject}" for m in report.planned]
    assert not any(p.startswith(("nv:", "tp:")) for p in planned[date(2025, 3, 7)])
    assert not any(p.startswith(("nv:", "tp:")) for p in planned[date(2025, 3, 13)])
    assert any(p.startswith("nv:") and "Đến hạn" in p for p in planned[date(2025, 3, 14)])
    assert any(p.startswith("nv:") for p in planned[date(2025, 3, 18)])
    _ack(store, "nv", "done", _at(date(2025, 3, 18)))
    report = dispatcher.run(_at(date(2025, 3, 18)), dry_run=True)
    assert not [m for m in report.planned if m.recipient in ("nv", "tp")]
    _ack(store, "nv", "reopen", _at(date(2025, 3, 19)))  # "done" was a mistake: reminders resume
    for day in (date(2025, 3, 20), date(2025, 3, 25)):
        report = dispatcher.run(_at(day), dry_run=True)
        assert [m.recipient for m in report.planned if m.recipient in ("nv", "tp")] == ["nv"]


def test_escalation_goes_to_the_council_in_its_one_daily_message(
    tmp_path: Path, store_factory: StoreFactory
) -> None:
    dispatcher, store = _setup(tmp_path, store_factory)
    escalation_day = date(2025, 3, 21)  # due 14/3 + 5 working days
    report = dispatcher.run(_at(escalation_day))
    council = [m for m in report.planned if m.recipient == "hd"]
    assert len(council) == 1
    text = council[0].text
    assert "quá hạn lâu" in text
    assert "Phòng Nội vụ" in text
    assert "Đơn vị không liên lạc được" in text
    assert "đã quá hạn 5 ngày làm việc" in text
    assert "/u/" in text  # the late unit's own page: no admin page in a message
    assert "/tasks/" not in text
    assert "/ack/" not in text  # the council does not acknowledge for the unit
    # The late unit acknowledges: the council hears nothing more about it.
    _ack(store, "nv", "done", _at(escalation_day))
    later = dispatcher.run(_at(escalation_day) + timedelta(days=3), dry_run=True)
    assert not [m for m in later.planned if "Phòng Nội vụ" in m.text and m.recipient == "hd"]


def test_a_unit_no_channel_reaches_is_reported(tmp_path: Path, store_factory: StoreFactory) -> None:
    dispatcher, _ = _setup(
        tmp_path,
        store_factory,
        '[channels]\norder = ["email"]\n[smtp]\nhost = "127.0.0.1"\nport = 9\n',
    )
    report = dispatcher.run(_at(date(2025, 3, 3)), dry_run=True)
    assert report.unreachable == ["silent"]


def test_what_falls_due_after_todays_message_waits_for_tomorrow(
    tmp_path: Path, store_factory: StoreFactory
) -> None:
    dispatcher, store = _setup(tmp_path, store_factory)
    dispatcher.run(_at(date(2025, 3, 3)))
    extra = tmp_path / "config" / "plan-2025.toml"
    extra.write_text(
        extra.read_text(encoding="utf-8")
        + '\n[[tasks]]\nid = "T2"\nquarter = 1\ntitle = "Việc thêm"\nlead = ["nv"]\n'
        + "start = 2025-03-03\ndue = 2025-03-31\n",
        encoding="utf-8",
    )
    edited = Dispatcher(config.load(tmp_path / "config"), store, secret="s")
    same_day = edited.run(_at(date(2025, 3, 3)) + timedelta(hours=2))
    assert same_day.sent == []
    assert same_day.waiting == 1
    next_day = edited.run(_at(date(2025, 3, 4)))
    assert next_day.sent == ["nv/file/2025-03-04"]
    (message,) = [m for m in _outbox(store) if m["key"] == "nv/file/2025-03-04"]
    assert "T2" in str(message["text"])


def test_zalo_text_stays_within_the_limit_and_says_how_many_more() -> None:
    item = {
        "task_id": "Q1-01",
        "title": "Việc rất dài " * 20,
        "role_label": "chủ trì",
        "kind": "due",
        "kind_label": "đến hạn hôm nay",
        "due": date(2025, 3, 31),
        "due_weekday": "Thứ Hai",
        "days_left": 0,
        "days_text": "hạn là hôm nay",
        "colour": "#000",
        "unit_name": "Phòng Nội vụ",
        "ack_url": "https://nhacviec.example/ack/" + "x" * 120,
        "unit_url": "https://nhacviec.example/u/nv-token",
    }
    context = {
        "unit": {"id": "nv", "name": "Phòng Nội vụ"},
        "day": date(2025, 3, 31),
        "weekday": "Thứ Hai",
        "plan_title": "kế hoạch",
        "items": [item] * 30,
        "escalations": [],
        "nearest_due": date(2025, 3, 31),
        "unit_url": "https://nhacviec.example/u/nv-token",
        "sender_name": "Hệ thống",
    }
    rendered = Renderer().reminder(context)
    assert len(rendered.short_text) <= ZALO_TEXT_LIMIT
    assert "việc khác: https://nhacviec.example/u/nv-token" in rendered.short_text
    assert "31/03/2025" in rendered.text
    assert "Thứ Hai" in rendered.text


def test_send_due_and_deliveries_commands(
    cli: Callable[..., CliResult],
    shipped_config: Path,
    tmp_path: Path,
    store_factory: StoreFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in store_factory.env.items():
        monkeypatch.setenv(name, value)
    data = str(tmp_path / "data")
    code, out, err = cli(
        "send-due",
        "--config-dir",
        str(shipped_config),
        "--data-dir",
        data,
        "--now",
        "2025-01-02T08:05",
        "--dry-run",
    )
    assert code == 0
    assert "4 thư sẽ được gửi" in out
    assert "secret_key" in err  # the generated signing key is announced
    code, out, _ = cli(
        "send-due",
        "--config-dir",
        str(shipped_config),
        "--data-dir",
        data,
        "--now",
        "2025-01-02T08:05",
    )
    assert code == 0
    assert "4 thư mới, 4 đã gửi" in out
    code, out, _ = cli(
        "deliveries", "--config-dir", str(shipped_config), "--data-dir", data, "--format", "json"
    )
    records = json.loads(out)
    assert {r["status"] for r in records} == {"sent"}
    assert {r["channel"] for r in records} == {"file"}
    assert (Path(data) / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_pending_message_whose_lease_ran_out_by_the_stores_clock_is_sent_by_the_next_pass(
    tmp_path: Path, store_factory: StoreFactory
) -> None:
    clock = [datetime(2026, 11, 24, 3, 0, tzinfo=UTC)]
    cfg = config.load(write_config(tmp_path / "config", UNITS, TASKS, 'council = "hd"\n'))
    store = store_factory(tmp_path / "data", clock=lambda: clock[0])
    dispatcher = Dispatcher(cfg, store, secret="s")
    when = _at(date(2025, 3, 3))
    report = dispatcher.run(when, dry_run=True)
    message = next(m for m in report.planned if m.recipient == "nv")
    planned = Delivery(
        key=message.key,
        recipient="nv",
        channel="file",
        day=date(2025, 3, 3),
        status="pending",
        occurrences=(),
        items=(),
        message=message,
        created_at=when,
    )
    # As left by a pass of this very process that broke off without giving its lease up.
    holder = Leaseholder("broken-pass", HOST, os.getpid())
    assert store.add_deliveries([planned], holder, 600) != []
    assert message.key not in dispatcher.run(when + timedelta(hours=2)).sent  # still held
    clock[0] += timedelta(minutes=11)  # the store's clock, not the caller's, ends the lease
    later = dispatcher.run(when + timedelta(hours=2))
    assert message.key in later.sent
    (sent,) = [m for m in _outbox(store) if m["key"] == message.key]
    assert sent["subject"] == message.subject


def test_administrators_can_override_templates(tmp_path: Path, store_factory: StoreFactory) -> None:
    custom = tmp_path / "mau"
    (custom / "email").mkdir(parents=True)
    (custom / "email" / "reminder.subject.txt").write_text(
        "[UBND huyện] {{ items | length }} việc — {{ unit.name }}", encoding="utf-8"
    )
    dispatcher, _ = _setup(tmp_path, store_factory, f'council = "hd"\ntemplates_dir = "{custom}"\n')
    report = dispatcher.run(_at(date(2025, 3, 3)), dry_run=True)
    subjects = {m.recipient: m.subject for m in report.planned}
    assert subjects["nv"] == "[UBND huyện] 1 việc — Phòng Nội vụ"
    assert "Kính gửi" in report.planned[0].text  # the other templates stay the built-in ones

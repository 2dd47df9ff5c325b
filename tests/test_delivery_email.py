"""Delivery by email through a real SMTP server, with faults injected."""

from __future__ import annotations

import asyncio
import email
import email.policy
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from reminder import config
from reminder.channels.base import Message, Receipt
from reminder.channels.email import EmailChannel, build_email
from reminder.dispatch import Dispatcher
from reminder.errors import ChannelError, StoreError
from reminder.schedule import LOCAL_TZ
from reminder.settings import SmtpSettings
from reminder.store import Store
from reminder.store.tinydb import TinyDBStore
from tests.conftest import delivery_records, units_leading_one_task, write_config
from tests.helpers import send_by_email
from tests.servers import SmtpServer, free_port

OPEN_DAY = datetime(2025, 4, 1, 8, 5, tzinfo=LOCAL_TZ)  # Q2 opens on Tuesday 1/4/2025

UNITS: list[dict[str, object]] = [
    {"id": "ok", "name": "Phòng Nội vụ", "email": ["noi-vu@huyen.example"]},
    {"id": "two", "name": "Phòng Tư pháp", "email": ["tu-phap@huyen.example", "tp2@huyen.example"]},
    {"id": "reject", "name": "Phòng Y tế", "email": ["reject-me@huyen.example"]},
    {"id": "later", "name": "Thanh tra huyện", "email": ["tempfail@huyen.example"]},
]
TASKS: list[dict[str, object]] = [
    {
        "id": "Q2-01",
        "quarter": 2,
        "title": "Báo cáo sơ kết <6 tháng> & đánh giá",
        "lead": ["ok"],
        "support": ["two"],
    },
    {"id": "Q2-02", "quarter": 2, "title": "Kiểm tra hồ sơ", "lead": ["ok", "reject", "later"]},
]


def _setup(tmp_path: Path, smtp: SmtpServer, **extra: str) -> tuple[Dispatcher, Store]:
    settings = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n'
        'sender = "Văn phòng Nhắc việc <nhac-viec@huyen.example>"\n'
        'reply_to = "phong-noi-vu@huyen.example"\n' + extra.get("settings", "")
    )
    cfg = config.load(write_config(tmp_path / "config", UNITS, TASKS, settings))
    store = TinyDBStore(tmp_path / "data")
    return Dispatcher(cfg, store, secret="test-secret"), store


def test_one_multipart_message_per_unit_with_links_and_stable_headers(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    dispatcher, _store = _setup(tmp_path, smtp_server)
    report = dispatcher.run(OPEN_DAY)
    assert sorted(report.sent) == [
        "later/email/2025-04-01",
        "ok/email/2025-04-01",
        "reject/email/2025-04-01",
        "two/email/2025-04-01",
    ]
    sink = smtp_server.sink
    ok = sink.to("noi-vu@huyen.example")
    assert len(ok) == 1  # two tasks, one message
    mail = ok[0]
    assert mail["Subject"] == "[Nhắc việc] 2 việc cần làm — hạn gần nhất 30/06/2025"
    assert "Phòng Nội vụ" in str(mail["To"])
    assert mail["Reply-To"] == "phong-noi-vu@huyen.example"
    assert mail["Message-ID"].endswith("@huyen.example>")
    assert mail["Date"]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert text.count("http://127.0.0.1:8080/ack/") == 2
    assert "Vai trò: chủ trì" in text
    assert "còn 61 ngày làm việc" in text
    assert "&lt;6 tháng&gt; &amp; đánh giá" in html  # autoescaped
    assert "<6 tháng> & đánh giá" in text
    two = sink.to("tu-phap@huyen.example")
    assert len(two) == 1
    assert "tp2@huyen.example" in str(two[0]["To"])
    assert "phối hợp" in two[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_rerunning_a_pass_sends_nothing_twice(tmp_path: Path, smtp_server: SmtpServer) -> None:
    dispatcher, store = _setup(tmp_path, smtp_server)
    dispatcher.run(OPEN_DAY)
    count = len(smtp_server.sink.messages)
    again = dispatcher.run(OPEN_DAY + timedelta(minutes=1))
    fresh, _ = _setup(tmp_path / "again", smtp_server)  # a new process on the same data
    fresh.store = store
    fresh.run(OPEN_DAY + timedelta(minutes=2))
    assert again.sent == []
    assert len(smtp_server.sink.messages) == count


def test_smtp_550_is_permanent_and_451_is_retried_with_the_same_message(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    smtp_server.sink.rcpt_replies = {
        "reject-me": "550 5.1.1 Người nhận không tồn tại",
        "tempfail": "451 4.7.1 Thử lại sau",
    }
    dispatcher, store = _setup(tmp_path, smtp_server)
    due_day = datetime(2025, 6, 23, 8, 5, tzinfo=LOCAL_TZ)  # 5 working days before 30/6
    report = dispatcher.run(due_day)
    records = delivery_records(store)
    rejected = records["reject/email/2025-06-23"]
    assert rejected["status"] == "failed"
    error = rejected["last_error"]
    assert isinstance(error, dict)
    assert error["permanent"] is True
    assert error["code"] == "550"
    assert "Người nhận không tồn tại" in str(error["detail"])
    later = records["later/email/2025-06-23"]
    assert later["status"] == "retry"
    assert later["attempts"] == 1
    next_at = datetime.fromisoformat(str(later["next_attempt_at"]))
    assert due_day + timedelta(minutes=1) <= next_at <= due_day + timedelta(minutes=2)
    assert ("reject/email/2025-06-23", report.failed[0][1]) in report.failed

    # Not yet time: nothing is retried; the failed one is not retried at all.
    dispatcher.run(due_day + timedelta(seconds=30))
    assert delivery_records(store)["later/email/2025-06-23"]["attempts"] == 1
    smtp_server.sink.rcpt_replies = {"reject-me": "550 5.1.1 Người nhận không tồn tại"}
    dispatcher.run(next_at)
    records = delivery_records(store)
    assert records["later/email/2025-06-23"]["status"] == "sent"
    assert records["later/email/2025-06-23"]["attempts"] == 2
    assert records["reject/email/2025-06-23"]["attempts"] == 1
    retried = smtp_server.sink.to("tempfail@huyen.example")
    assert len(retried) == 1
    assert retried[0]["Date"] == _date_header(due_day)  # the same rendered message


def _date_header(when: datetime) -> str:
    from email.utils import format_datetime

    return format_datetime(when)


@pytest.mark.parametrize("reply", ["421 4.3.2 Đang tắt máy", "451 4.3.0 Lỗi tạm thời"])
def test_transient_data_replies_are_retried(
    reply: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    smtp_server.sink.data_replies = [reply]
    dispatcher, store = _setup(tmp_path, smtp_server)
    report = dispatcher.run(OPEN_DAY)
    assert len(report.retry) == 1
    assert len(report.sent) == 3
    ((key, _),) = report.retry
    record = delivery_records(store)[key]
    assert record["status"] == "retry"
    assert isinstance(record["last_error"], dict)
    assert record["last_error"]["code"] == reply[:3]
    dispatcher.run(datetime.fromisoformat(str(record["next_attempt_at"])))
    assert delivery_records(store)[key]["status"] == "sent"
    assert len(smtp_server.sink.messages) == 4


def test_refused_connection_is_retried_for_a_day_then_given_up(tmp_path: Path) -> None:
    closed = SmtpServer.__new__(SmtpServer)
    closed.port = free_port()  # nothing listens here
    dispatcher, store = _setup(tmp_path, closed)
    when = OPEN_DAY
    seen = []
    for _ in range(40):
        dispatcher.run(when)
        record = delivery_records(store)["ok/email/2025-04-01"]
        seen.append(record["status"])
        if record["status"] != "retry":
            break
        when = datetime.fromisoformat(str(record["next_attempt_at"]))
    assert seen[-1] == "dead"
    assert set(seen[:-1]) == {"retry"}
    assert when - OPEN_DAY >= timedelta(hours=24)  # retried for at least a day
    assert len(seen) >= 10
    error = record["last_error"]
    assert isinstance(error, dict)
    assert error["code"] == "connect"


def test_dry_run_changes_nothing(tmp_path: Path, smtp_server: SmtpServer) -> None:
    dispatcher, store = _setup(tmp_path, smtp_server)
    report = dispatcher.run(OPEN_DAY, dry_run=True)
    assert len(report.planned) == 4
    assert smtp_server.sink.messages == []
    assert delivery_records(store) == {}
    assert dispatcher.run(OPEN_DAY).sent  # the real pass still sends


def test_a_pass_sends_over_a_pool_of_reused_connections(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    units, tasks = units_leading_one_task(12)
    settings = f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
    store = TinyDBStore(tmp_path / "data")
    cfg = config.load(write_config(tmp_path / "config", units, tasks, settings))
    smtp_server.sink.data_delay = 0.05  # long enough for the transactions to overlap
    report = Dispatcher(cfg, store, secret="s").run(OPEN_DAY)
    assert len(report.sent) == 12
    sink = smtp_server.sink
    assert sorted(str(m["To"]) for m in sink.messages) == sorted(
        f"{u['name']} <{u['id']}@huyen.example>" for u in units
    )  # each unit exactly once
    assert sink.connections == 4  # the default pool, each connection reused for three
    assert sink.max_active == 4  # the four sent at the same time
    assert all(r["status"] == "sent" for r in delivery_records(store).values())


def test_an_outcome_that_cannot_be_recorded_stops_the_pools_other_sends(
    smtp_server: SmtpServer,
) -> None:
    # Each worker records its message's outcome before it sends the next; when recording
    # fails (the store is full), no worker takes another message: at most the messages in
    # flight, one per connection, went out unrecorded.
    channel = EmailChannel(
        SmtpSettings(host="127.0.0.1", port=smtp_server.port, security="none"), 4
    )
    smtp_server.sink.data_delay = 0.02
    messages = [
        Message(f"u{i}/email/2025-04-01", "email", f"u{i}", f"Đơn vị {i}", "Nhắc", "x", "", "x",
                OPEN_DAY.isoformat(), emails=(f"u{i}@huyen.example",))
        for i in range(40)
    ]  # fmt: skip
    recorded: list[str] = []

    def done(message: Message, result: Receipt | ChannelError) -> None:
        assert isinstance(result, Receipt)
        if len(recorded) == 5:
            raise StoreError("đĩa đầy")
        recorded.append(message.key)

    async def run() -> None:
        try:
            await channel.send_all(messages, done)
        finally:
            await channel.close()

    with pytest.raises(StoreError, match="đĩa đầy"):
        asyncio.run(run())
    sent = len(smtp_server.sink.messages)
    assert 6 <= sent <= 5 + 4  # the one that failed to record, and the others in flight
    assert sent < len(messages)


def test_a_message_that_cannot_be_built_gets_its_own_outcome_and_the_pool_goes_on(
    smtp_server: SmtpServer,
) -> None:
    channel = EmailChannel(
        SmtpSettings(host="127.0.0.1", port=smtp_server.port, security="none"), 2
    )
    messages = [
        Message(f"u{i}/email/2025-04-01", "email", f"u{i}", f"Đơn vị {i}", "Nhắc", "x", "", "x",
                "không phải giờ" if i == 1 else OPEN_DAY.isoformat(),
                emails=(f"u{i}@huyen.example",))
        for i in range(3)
    ]  # fmt: skip
    results = send_by_email(channel, messages)
    broken = results.pop("u1/email/2025-04-01")
    assert isinstance(broken, ChannelError)
    assert broken.permanent
    assert "ValueError" in str(broken)
    assert all(isinstance(r, Receipt) for r in results.values())
    assert len(smtp_server.sink.messages) == 2


def test_a_pass_that_leases_in_batches_keeps_its_connections_for_all_of_them(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    # Workers sharing a database lease a few messages at a time; the SMTP connections are
    # opened once per pass, not once per batch.
    units, tasks = units_leading_one_task(12)
    settings = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
        "[channels]\nlease_batch = 3\n"
    )
    store = TinyDBStore(tmp_path / "data")
    cfg = config.load(write_config(tmp_path / "config", units, tasks, settings))
    report = Dispatcher(cfg, store, secret="s").run(OPEN_DAY)
    assert len(report.sent) == 12
    assert len(smtp_server.sink.messages) == 12
    assert smtp_server.sink.connections <= 3  # four batches of three, on the same connections


def test_concurrency_one_keeps_one_connection_for_the_pass(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    dispatcher, _ = _setup(
        tmp_path, smtp_server, settings="[channels]\nconcurrency = { email = 1 }\n"
    )
    smtp_server.sink.data_delay = 0.02
    report = dispatcher.run(datetime(2025, 6, 23, 8, 5, tzinfo=LOCAL_TZ))
    assert len(report.sent) == 4
    assert smtp_server.sink.connections == 1
    assert smtp_server.sink.max_active == 1


def test_a_connection_told_421_is_dropped_and_replaced(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    units, tasks = units_leading_one_task(8)
    settings = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
        "[channels]\nconcurrency = { email = 2 }\n"
    )
    store = TinyDBStore(tmp_path / "data")
    cfg = config.load(write_config(tmp_path / "config", units, tasks, settings))
    smtp_server.sink.data_replies = ["421 4.3.2 Đang tắt máy"]
    report = Dispatcher(cfg, store, secret="s").run(OPEN_DAY)
    assert (len(report.sent), len(report.retry)) == (7, 1)
    assert smtp_server.sink.connections == 3  # the one told 421 was replaced once
    ((key, _),) = report.retry
    error = delivery_records(store)[key]["last_error"]
    assert isinstance(error, dict)
    assert error["code"] == "421"


def test_long_vietnamese_subjects_and_names_with_commas_survive_the_headers() -> None:
    subject = "[Nhắc việc] 12 việc cần làm — hạn gần nhất 30/06/2026 — " + "Sở Văn hóa, " * 8
    name = "Sở Văn hóa, Thể thao và Du lịch"
    message = Message(
        key="so-vhttdl/email/2026-04-01",
        channel="email",
        recipient="so-vhttdl",
        recipient_name=name,
        subject=subject,
        text="Kính gửi: Sở Văn hóa, Thể thao và Du lịch",
        html="<p>Kính gửi</p>",
        short_text="",
        created_at="2026-04-01T08:05:00+07:00",
        emails=("vhttdl@tinh.example", "vp@tinh.example"),
    )
    smtp = SmtpSettings(host="x", sender="Văn phòng Nhắc việc <nv@tinh.example>")
    raw = bytes(build_email(message, smtp))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == subject
    to = parsed["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in to] == [
        (name, "vhttdl@tinh.example"),
        (name, "vp@tinh.example"),
    ]
    assert parsed["From"].addresses[0].display_name == "Văn phòng Nhắc việc"
    assert max(len(line) for line in raw.splitlines()) <= 78


def test_the_same_delivery_flattens_to_the_same_bytes_with_a_boundary_not_in_its_parts() -> None:
    # The boundary derives from the delivery key (no random boundary, no regex compiled to
    # search the parts for it); both parts survive a parse with their Vietnamese text.
    def message(key: str, text: str) -> Message:
        return Message(key, "email", "u1", "Phòng Nội vụ", "Nhắc việc", text, f"<p>{text}</p>",
                       "", "2026-04-01T08:05:00+07:00", emails=("u1@huyen.example",))  # fmt: skip

    smtp = SmtpSettings(host="x", sender="nv@huyen.example")
    text = "Kính gửi: Phòng Nội vụ\n--=_nhacviec_ và _ trong nội dung\n" * 30
    first = bytes(build_email(message("u1/email/2026-04-01", text), smtp))
    assert first == bytes(build_email(message("u1/email/2026-04-01", text), smtp))
    other = bytes(build_email(message("u1/email/2026-04-02", text), smtp))
    parsed = email.message_from_bytes(first, policy=email.policy.default)
    boundary = parsed.get_boundary()
    assert boundary is not None
    assert boundary.startswith("=_nhacviec_")
    assert boundary.encode() not in other  # another delivery, another boundary
    assert first.count(b"--" + boundary.encode()) == 3  # two parts and the close, nothing else
    plain, html = parsed.iter_parts()
    assert plain.get_content() == text
    assert html.get_content() == f"<p>{text}</p>"

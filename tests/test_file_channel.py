"""The file channel writes, as each ``.eml``, the very bytes the email channel sends for the
same message (one composer, ``email_mime.WireComposer``): checked against what a real SMTP
server (aiosmtpd) receives from the email channel, and parsed back to the headers and parts
the ``email.mime`` message had."""

from __future__ import annotations

import asyncio
import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from reminder.channels.base import Message, Receipt
from reminder.channels.email import EmailChannel
from reminder.channels.email_mime import build_email
from reminder.channels.file import FileChannel
from reminder.errors import ChannelError
from reminder.settings import SmtpSettings
from tests.helpers import send_by_email
from tests.servers import SmtpServer

SENDER = "Văn phòng HĐND&UBND huyện <nhac-viec@nguyenbinh.example>"
REPLY_TO = "phong-noi-vu@nguyenbinh.example"
HEADERS = ["From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "X-Reminder-Key",
           "Auto-Submitted", "MIME-Version", "Content-Type"]  # fmt: skip


def _messages() -> list[Message]:
    long_subject = "[Nhắc việc] 12 việc cần làm — hạn gần nhất 30/06/2026 — " + "Sở Văn hóa, " * 6
    return [
        Message(f"u{i}/email/2026-04-01", "email", f"u{i}", name, subject,
                "Kính gửi: " + name + "\n.\nXác nhận: https://x.example/ack/abc\n" * (30 * i + 1),
                f"<p>Kính gửi <b>{name}</b> &amp; các phòng</p>", "",
                "2026-04-01T08:05:00+07:00",
                emails=(f"u{i}@tinh.example", "vp@tinh.example")[: 1 + i % 2],
                cc=("lanh-dao@tinh.example",) if i % 2 else ())
        for i, (name, subject) in enumerate([
            ("Phòng Nội vụ", "Nhắc việc"),
            ('Sở "Văn hóa, Thể thao và Du lịch"', long_subject),
            ("UBND xã Tam Kim", "[Nhắc việc] Q2-04 — quá hạn 3 ngày làm việc"),
        ])
    ]  # fmt: skip


def _write(channel: FileChannel, messages: list[Message]) -> list[Receipt | ChannelError]:
    async def run() -> list[Receipt | ChannelError]:
        await channel.open()
        out: list[Receipt | ChannelError] = []
        for m in messages:
            try:
                out.append(await channel.send(m))
            except ChannelError as exc:
                out.append(exc)
        await channel.close()
        return out

    return asyncio.run(run())


def test_each_eml_is_what_the_email_channel_puts_on_the_wire(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    smtp = SmtpSettings(
        host="127.0.0.1", port=smtp_server.port, security="none", sender=SENDER, reply_to=REPLY_TO
    )
    messages = _messages()
    receipts = _write(FileChannel(tmp_path / "outbox", smtp), messages)
    assert all(isinstance(r, Receipt) for r in receipts)
    channel = EmailChannel(smtp, 1)
    results = send_by_email(channel, messages)
    assert all(isinstance(r, Receipt) for r in results.values())
    received = {data: rcpt for _, rcpt, data in smtp_server.sink.envelopes}
    for m, receipt in zip(messages, receipts, strict=True):
        assert isinstance(receipt, Receipt)
        written = Path(receipt.provider_id).read_bytes()
        assert written in received, m.key  # byte for byte, CRLF line ends included
        assert received[written] == [*m.emails, *m.cc]


def test_an_eml_parses_to_the_headers_and_parts_of_the_email_mime_message(tmp_path: Path) -> None:
    smtp = SmtpSettings(sender=SENDER, reply_to=REPLY_TO)
    messages = _messages()
    receipts = _write(FileChannel(tmp_path / "outbox", smtp), messages)
    for m, receipt in zip(messages, receipts, strict=True):
        assert isinstance(receipt, Receipt)
        ours = _parse(Path(receipt.provider_id).read_bytes())
        before = _parse(bytes(build_email(m, smtp)))  # what the channel wrote until now
        for header in HEADERS:
            assert ours[header] == before[header], header
        assert ours["Subject"] == m.subject
        assert [p.get_content() for p in ours.iter_parts()] == [
            p.get_content() for p in before.iter_parts()
        ]
        text, html = (p.get_content() for p in ours.iter_parts())
        assert (text, html) == (m.text, m.html)


def _parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize(
    ("address", "sender"),
    [("vănthư@xa.gov.vn", SENDER), ("van-thu@xa.gov.vn", "Nhắc việc <nhắc@huyen.vn>")],
)
def test_a_message_the_email_channel_refuses_fails_the_same_way_and_writes_nothing(
    tmp_path: Path, address: str, sender: str
) -> None:
    smtp = SmtpSettings(host="127.0.0.1", sender=sender)
    message = Message("u/file/2026-04-01", "file", "u", "Xã", "Nhắc", "x", "", "",
                      "2026-04-01T08:05:00+07:00", emails=(address,))  # fmt: skip
    (written,) = _write(FileChannel(tmp_path / "outbox", smtp), [message])
    assert isinstance(written, ChannelError)
    assert (written.permanent, written.code) == (True, "not-ascii")
    odd = address if not address.isascii() else "nhắc@huyen.vn"
    assert odd in str(written)
    assert "xn--" in str(written)
    assert list((tmp_path / "outbox").rglob("*")) == []
    emailed = EmailChannel(smtp, 1)._send_sync(None, message)[1]
    assert isinstance(emailed, ChannelError)
    assert str(emailed) == str(written)

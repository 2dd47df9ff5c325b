"""The email channel's wire form: byte for byte what smtplib's ``send_message`` sends for the
``email.mime`` message, for any text, at a fraction of its CPU."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reminder.channels.base import Message, Receipt
from reminder.channels.email import EmailChannel
from reminder.channels.email_mime import WireComposer, build_email
from reminder.errors import ChannelError
from reminder.settings import SmtpSettings
from tests.helpers import send_by_email
from tests.servers import SmtpServer


class _Capture(smtplib.SMTP):
    """smtplib's own ``send_message``, stopped where it hands the flattened message to
    ``sendmail``: what it would send, without a server."""

    sent: tuple[str, list[str], bytes, list[str]]

    def ehlo_or_helo_if_needed(self) -> None:
        return None

    def has_extn(self, opt: str) -> bool:
        return False  # a server without SMTPUTF8

    def sendmail(  # type: ignore[override]
        self,
        from_addr: str,
        to_addrs: Sequence[str],
        msg: bytes,
        mail_options: Sequence[str] = (),
        rcpt_options: Sequence[str] = (),
    ) -> dict[str, tuple[int, bytes]]:
        self.sent = (from_addr, list(to_addrs), msg, list(mail_options))
        return {}


def _smtplib_sends(message: Message, smtp: SmtpSettings) -> tuple[str, list[str], bytes, list[str]]:
    capture = _Capture()
    capture.send_message(build_email(message, smtp), to_addrs=[*message.emails, *message.cc])
    return capture.sent


# Any text (headers are folded and encoded by the email package's rules, bodies are base64),
# addresses mostly ASCII, now and then not (they would need SMTPUTF8: the composer refuses).
_text = st.text(max_size=200)
_name = st.text(max_size=80)
_local = st.from_regex(r"[a-z0-9][a-z0-9.\-]{0,20}", fullmatch=True)
_domain = st.sampled_from(["huyen.example", "tinh.example", "sở.example", "x.vn"])
_address = st.builds(lambda local, domain: f"{local}@{domain}", _local, _domain)
_moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.astimezone(timezone(timedelta(hours=7))).isoformat())


@st.composite
def _messages(draw: st.DrawFn) -> Message:
    return Message(
        key=draw(st.one_of(st.from_regex(r"[a-z0-9\-]{1,30}/email/2026-04-01", fullmatch=True),
                           st.from_regex(r"[ -~]{1,70}", fullmatch=True),
                           st.text(min_size=1, max_size=90))),
        channel="email",
        recipient="u",
        recipient_name=draw(_name),
        subject=draw(_name | st.text(max_size=400)),
        text=draw(_text | st.text(min_size=500, max_size=1500)),
        html=draw(_text),
        short_text="",
        created_at=draw(_moments),
        emails=tuple(draw(st.lists(_address, min_size=1, max_size=3))),
        cc=tuple(draw(st.lists(_address, max_size=2))),
    )  # fmt: skip


_senders = st.builds(
    lambda name, address: f"{name} <{address}>" if name else address,
    st.sampled_from(["", "Văn phòng Nhắc việc", "Nhac viec", 'Sở "Nội vụ", tỉnh']),
    _address,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_messages(), _senders, st.one_of(st.none(), _senders))
def test_the_composed_message_is_what_send_message_sends(
    message: Message, sender: str, reply_to: str | None
) -> None:
    smtp = SmtpSettings(host="x", sender=sender, reply_to=reply_to)
    wire = WireComposer(smtp).compose(message)
    try:
        from_addr, to_addrs, data, _ = _smtplib_sends(message, smtp)
    except (smtplib.SMTPNotSupportedError, UnicodeEncodeError):
        # An address that is not ASCII needs SMTPUTF8 (with it, send_message fails on an
        # email.mime message too, TypeError): the channel refuses the message.
        assert wire is None
        return
    assert wire is not None
    assert wire.data == data
    assert (wire.sender, wire.recipients) == (from_addr, to_addrs)
    assert wire.message_id == build_email(message, smtp)["Message-ID"]


def test_one_composer_gives_each_message_its_own_date_and_headers() -> None:
    # The composer keeps the last Date it folded: a message of another moment gets its own.
    smtp = SmtpSettings(host="x", sender="Nhắc việc <nv@huyen.example>", reply_to="vp@h.example")
    composer = WireComposer(smtp)
    messages = [
        Message(f"u{i}/email/2026-04-0{i}", "email", f"u{i}", f"Đơn vị {i}", f"Nhắc {i}", "x",
                "<p>x</p>", "", f"2026-04-0{i}T08:0{i}:00+07:00", emails=(f"u{i}@h.example",))
        for i in (1, 2, 1, 3)
    ]  # fmt: skip
    for m in messages:
        wire = composer.compose(m)
        assert wire is not None
        assert wire.data == _smtplib_sends(m, smtp)[2]


def test_the_channel_puts_the_same_bytes_on_the_wire_as_send_message(
    smtp_server: SmtpServer,
) -> None:
    # Through a real SMTP server: what the channel's pool sends arrives exactly as what plain
    # smtplib sends for the email.mime message (envelope and data).
    smtp = SmtpSettings(
        host="127.0.0.1",
        port=smtp_server.port,
        security="none",
        sender="Văn phòng Nhắc việc <nhac-viec@huyen.example>",
        reply_to="phong-noi-vu@huyen.example",
    )
    messages = [
        Message(f"u{i}/email/2026-04-01", "email", f"u{i}", "Sở Văn hóa, Thể thao và Du lịch",
                "[Nhắc việc] 12 việc cần làm — hạn gần nhất 30/06/2026 — " + "Sở Văn hóa, " * i,
                "Kính gửi: Sở Văn hóa\n.\n" * (40 * i), "<p>Kính gửi</p>", "",
                "2026-04-01T08:05:00+07:00", emails=(f"u{i}@tinh.example", "vp@tinh.example"),
                cc=("lanh-dao@tinh.example",) if i % 2 else ())
        for i in range(4)
    ]  # fmt: skip
    channel = EmailChannel(smtp, 2)
    results = send_by_email(channel, messages)
    assert all(isinstance(r, Receipt) for r in results.values())
    ours = sorted(smtp_server.sink.envelopes, key=lambda e: e[2])
    smtp_server.sink.envelopes.clear()
    with smtplib.SMTP("127.0.0.1", smtp_server.port) as conn:
        for m in messages:
            conn.send_message(build_email(m, smtp), to_addrs=[*m.emails, *m.cc])
    theirs = sorted(smtp_server.sink.envelopes, key=lambda e: e[2])
    assert len(ours) == 4
    assert ours == theirs
    receipt = results["u1/email/2026-04-01"]
    assert isinstance(receipt, Receipt)
    assert receipt.provider_id == build_email(messages[1], smtp)["Message-ID"]


def test_an_address_that_is_not_ascii_is_a_permanent_failure_of_its_message_alone(
    smtp_server: SmtpServer,
) -> None:
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_server.port, security="none")
    messages = [
        Message(f"u{i}/email/2026-04-01", "email", f"u{i}", "Phòng Nội vụ", "Nhắc", "x", "", "",
                "2026-04-01T08:05:00+07:00", emails=(address,))
        for i, address in enumerate(["noi-vu@huyện.example", "noi-vu@huyen.example"])
    ]  # fmt: skip
    channel = EmailChannel(smtp, 1)
    results = send_by_email(channel, messages)
    refused = results["u0/email/2026-04-01"]
    assert isinstance(refused, ChannelError)
    assert (refused.permanent, refused.code) == (True, "not-ascii")
    assert "noi-vu@huyện.example" in str(refused)
    assert "xn--" in str(refused)
    assert isinstance(results["u1/email/2026-04-01"], Receipt)
    assert [e[1] for e in smtp_server.sink.envelopes] == [["noi-vu@huyen.example"]]

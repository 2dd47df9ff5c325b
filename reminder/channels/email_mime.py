"""The email channel's messages: their MIME form and the bytes that go on the wire.

``build_email`` builds the message with ``email.mime`` (what a plain smtplib program would
send: the reference the tests hold the composer to). ``WireComposer`` writes the very bytes that
``smtplib.SMTP.send_message`` would put on the wire for that message, at about a fifth of the
CPU: building and flattening the MIME tree is most of what sending a message costs the client
(the headers are folded twice, once when built and once when flattened, and each part is a
tree of its own), and on a machine whose cores the SMTP server shares that CPU is what limits a
pass. The composer still lets the ``email`` package encode and fold every header that varies
(``Header``, ``formataddr``, the compat32 policy's ``fold_binary``); it only lays the parts out
itself, folds the headers that are the same for every message once, and encodes the bodies with
``base64.encodebytes`` (the same 76-character lines as ``email.base64mime``). The tests check
that both give the same bytes, for any text. The file channel writes the same bytes as its
``.eml`` files: what the email channel would send.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.message import Message as MimeMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, getaddresses, parseaddr

from reminder.channels.base import Message
from reminder.errors import ChannelError
from reminder.settings import SmtpSettings

_CRLF = "\r\n"
# The policy ``send_message``'s generator folds headers with (compat32), writing CRLF.
_POLICY = compat32.clone(linesep=_CRLF)
# The longest header line the compat32 policy leaves unfolded (RFC 5322's 78).
_MAX_LINE = 78
_BOUNDARY_PREFIX = "=_nhacviec_"
_BOUNDARY_LENGTH = len(_BOUNDARY_PREFIX) + 32


def message_id(key: str, sender: str) -> str:
    """A stable Message-ID for delivery ``key``."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "reminder.local"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_email(message: Message, smtp: SmtpSettings) -> MimeMessage:
    """The MIME message for ``message``.

    Built with ``email.mime`` (the compat32 policy): the same headers and parts as an
    ``EmailMessage`` would carry, at a sixth of the CPU per message. The MIME boundary derives
    from the delivery key, like the Message-ID: the same delivery flattens to the same bytes,
    and the generator need not pick a random boundary and compile a regular expression to
    search the parts for it (a sixth of the flattening). It can never occur in the parts: their
    bodies are base64 (the utf-8 charset's body encoding), which has no ``_``.
    """
    mail = MIMEMultipart("alternative", boundary=_boundary(message.key))
    mail["From"] = _address(smtp.sender)
    mail["To"] = _to(message)
    if message.cc:
        mail["Cc"] = ", ".join(message.cc)
    if smtp.reply_to:
        mail["Reply-To"] = _address(smtp.reply_to)
    mail["Subject"] = _subject(message.subject)
    mail["Date"] = format_datetime(datetime.fromisoformat(message.created_at))
    mail["Message-ID"] = message_id(message.key, smtp.sender)
    mail["X-Reminder-Key"] = message.key
    mail["Auto-Submitted"] = "auto-generated"
    mail.attach(MIMEText(message.text, "plain", "utf-8"))
    mail.attach(MIMEText(message.html, "html", "utf-8"))
    return mail


@dataclass(frozen=True)
class WireMail:
    """One message as SMTP sends it: the envelope and the data."""

    sender: str  # MAIL FROM
    recipients: list[str]  # RCPT TO, in order
    data: bytes  # the message, CRLF line ends, as ``send_message`` flattens it
    message_id: str


class WireComposer:
    """Composes the wire form of messages from one sender's settings (thread-safe).

    ``compose(message)`` equals what ``smtplib.SMTP.send_message(build_email(message, smtp),
    to_addrs=[*message.emails, *message.cc])`` sends, byte for byte, or is None when smtplib
    cannot send that message to a server without SMTPUTF8: an address that is not ASCII (with
    SMTPUTF8, ``send_message`` fails on an ``email.mime`` message too). ``not_ascii`` lists
    the settings' own addresses that are such (then every message is None).
    """

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp
        self._domain = parseaddr(smtp.sender)[1].rpartition("@")[2] or "reminder.local"
        self._date: tuple[str, str] = ("", "")  # created_at and its folded Date line
        self.not_ascii: list[str] = []
        self.envelope_from = parseaddr(smtp.sender)[1]
        self._reply_to = ""
        try:
            sender = _address(smtp.sender)
            reply_to = _address(smtp.reply_to) if smtp.reply_to else ""
        except UnicodeEncodeError:  # formataddr: a named address that is not ASCII
            self.not_ascii = [
                a for a in (smtp.sender, smtp.reply_to or "") if not parseaddr(a)[1].isascii()
            ]
            sender = reply_to = ""
        else:
            # MAIL FROM, as send_message takes it: the From header's address.
            self.envelope_from = getaddresses([sender])[0][1]
            if reply_to:
                self._reply_to = _fold("Reply-To", reply_to)
        # The Content-Type line folds the same way for every boundary (all are as long, and
        # have no character the folding splits at): folded once, around a placeholder.
        placeholder = "B" * _BOUNDARY_LENGTH
        head, tail = _fold(
            "Content-Type", f'multipart/alternative; boundary="{placeholder}"'
        ).split(placeholder)
        from_line = _fold("From", sender) if sender else ""
        self._content_type = (head, tail + "MIME-Version: 1.0" + _CRLF + from_line)

    def compose(self, message: Message) -> WireMail | None:
        """The envelope and data of ``message`` (see the class)."""
        recipients = [*message.emails, *message.cc]
        if self.not_ascii or not "".join([self.envelope_from, *recipients]).isascii():
            return None
        boundary = _boundary(message.key)
        mid = f"<{hashlib.sha256(message.key.encode()).hexdigest()[:32]}@{self._domain}>"
        head, tail = self._content_type
        lines = [head, boundary, tail, _fold("To", _to(message))]
        if message.cc:
            lines.append(_fold("Cc", ", ".join(message.cc)))
        lines += [
            self._reply_to,
            _fold("Subject", _subject(message.subject)),
            self._date_line(message.created_at),
            _fold("Message-ID", mid),
            _fold("X-Reminder-Key", message.key),
            "Auto-Submitted: auto-generated" + _CRLF,
            _CRLF,
            "--" + boundary + _CRLF,
        ]
        data = b"".join(
            [
                "".join(lines).encode("ascii", "surrogateescape"),
                _TEXT_PART,
                _body(message.text),
                f"{_CRLF}--{boundary}{_CRLF}".encode("ascii"),
                _HTML_PART,
                _body(message.html),
                f"{_CRLF}--{boundary}--{_CRLF}".encode("ascii"),
            ]
        )
        return WireMail(self.envelope_from, recipients, data, mid)

    def refusal(self, message: Message) -> ChannelError:
        """The permanent error of a message ``compose`` refuses: the addresses that are not
        ASCII (they would need SMTPUTF8, which the channel does not speak; smtplib's
        ``send_message`` cannot send such an ``email.mime`` message either), and what to do."""
        addresses = [*self.not_ascii, self.envelope_from, *message.emails, *message.cc]
        odd = ", ".join(dict.fromkeys(a for a in addresses if not a.isascii()))
        return ChannelError(
            f"địa chỉ thư có chữ có dấu hoặc ký tự ngoài ASCII ({odd}): ghi tên miền dạng"
            " xn-- (punycode) và phần trước @ không dấu",
            permanent=True,
            code="not-ascii",
        )

    def _date_line(self, created_at: str) -> str:
        # A pass's messages share their moment: the last one's line is kept (a tuple is
        # swapped whole, so threads never see a moment with another's line).
        cached = self._date
        if cached[0] == created_at:
            return cached[1]
        line = _fold("Date", format_datetime(datetime.fromisoformat(created_at)))
        self._date = (created_at, line)
        return line


def _part_head(subtype: str) -> bytes:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{_CRLF}MIME-Version: 1.0{_CRLF}'
        f"Content-Transfer-Encoding: base64{_CRLF}{_CRLF}"
    ).encode("ascii")


_TEXT_PART = _part_head("plain")
_HTML_PART = _part_head("html")


def _body(text: str) -> bytes:
    """``text`` as ``MIMEText(text, _, "utf-8")`` flattens it: base64 lines of 76 characters
    (``encodebytes`` cuts every 57 bytes, as ``email.base64mime.body_encode`` does)."""
    return base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")


def _fold(name: str, value: str) -> str:
    """The header line ``name: value`` as the compat32 policy writes it, CRLF included.

    A short ASCII value without spaces is written as it is (the policy would find nothing to
    fold or encode in it); any other goes through the policy."""
    if (
        len(name) + len(value) + 2 <= _MAX_LINE
        and value.isascii()
        and value.isprintable()
        and " " not in value
    ):
        return f"{name}: {value}{_CRLF}"
    return _POLICY.fold_binary(name, value).decode("ascii", "surrogateescape")


def _to(message: Message) -> str:
    if message.emails:
        return ", ".join(
            formataddr((message.recipient_name, a), charset="utf-8") for a in message.emails
        )
    return Header(message.recipient_name, "utf-8", header_name="To").encode()


@functools.lru_cache(maxsize=1024)
def _subject(subject: str) -> str:
    # Cached: a pass's units mostly share a few subjects (the task and its date), and
    # encoding one is a third of composing a message.
    return Header(subject, "utf-8", header_name="Subject").encode()


def _boundary(key: str) -> str:
    """The MIME boundary of delivery ``key``'s message (see ``build_email``)."""
    return _BOUNDARY_PREFIX + hashlib.sha256(b"boundary:" + key.encode()).hexdigest()[:32]


def _address(value: str) -> str:
    """ "Tên <a@b>" with the name encoded for the header when it is not ASCII."""
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if name else address

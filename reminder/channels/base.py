"""The channel interface: ``send(message) -> Receipt``, raising ``ChannelError``.

A channel is opened once per dispatch pass (``open``: an SMTP connection, an HTTP client),
sends any number of messages (at most ``concurrency`` at a time), and is closed. It raises
``ChannelError(permanent=True)`` when retrying the same message cannot help (an unknown
recipient, SMTP 5xx) and ``permanent=False`` otherwise; the caller records the outcome.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Message:
    """One rendered message to one unit on one channel, as stored in the outbox."""

    key: str
    channel: str
    recipient: str
    recipient_name: str
    subject: str
    text: str
    html: str
    short_text: str
    created_at: str
    emails: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    zalo_user_id: str | None = None
    phone: str | None = None
    data: dict[str, str] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        record = asdict(self)
        record["emails"] = list(self.emails)
        record["cc"] = list(self.cc)
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Message:
        """The message stored by ``to_record``."""
        values = dict(record)
        values["emails"] = tuple(values.get("emails", ()))
        values["cc"] = tuple(values.get("cc", ()))
        return cls(**values)


@dataclass(frozen=True)
class Receipt:
    """What the provider said when it accepted a message."""

    provider_id: str = ""
    detail: str = ""


class Channel(Protocol):
    """One way to deliver messages."""

    name: str
    concurrency: int

    async def open(self) -> None:
        """Acquire what a pass needs (connections, clients)."""

    async def send(self, message: Message) -> Receipt:
        """Deliver ``message`` or raise ``ChannelError``."""

    async def close(self) -> None:
        """Release what ``open`` acquired; safe to call twice."""

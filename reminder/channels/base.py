"""The channel interface: ``send(message) -> Receipt``, raising ``ChannelError``.

A channel is opened once per dispatch pass (``open``: an SMTP connection, an HTTP client),
sends any number of messages (at most ``concurrency`` at a time), and is closed. It raises
``ChannelError(permanent=True)`` when retrying the same message cannot help (an unknown
recipient, SMTP 5xx) and ``permanent=False`` otherwise; the caller records the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from reminder.errors import ChannelError

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, in UTC (token expiry is real time, not the plan's simulated time)."""
    return datetime.now(UTC)


_PASS_NOW: ContextVar[datetime | None] = ContextVar("reminder_pass_now", default=None)


@contextmanager
def pass_moment(now: datetime) -> Iterator[None]:
    """Make ``now`` the moment channels see (``pass_now``) while a dispatch pass sends.

    Rules that depend on the time of sending (Zalo's OA interaction window, the hours template
    messages may go out) must follow the pass's "now", which tests and ``--now`` set, not the
    wall clock.
    """
    token = _PASS_NOW.set(now)
    try:
        yield
    finally:
        _PASS_NOW.reset(token)


def pass_now() -> datetime:
    """The moment of the running dispatch pass (the wall clock outside one)."""
    return _PASS_NOW.get() or utc_now()


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
    chat_ids: tuple[str, ...] = ()  # Zalo Bot chats linked to the unit
    parts: tuple[str, ...] = ()  # the chat text split at task boundaries (<= 2,000 chars each)

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        # Field by field rather than ``asdict``: its deep copy dominated encoding a delivery.
        record: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        record["data"] = dict(self.data)
        for name in _TUPLES:
            record[name] = list(record[name])
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Message:
        """The message stored by ``to_record`` (older records lack the newer fields)."""
        values = dict(record)
        for name in _TUPLES:
            values[name] = tuple(values.get(name, ()))
        return cls(**values)


_TUPLES = ("emails", "cc", "chat_ids", "parts")


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


@runtime_checkable
class BatchChannel(Channel, Protocol):
    """A channel that sends a pass's messages from its own worker threads (one per
    connection), each taking the next message as soon as its last is done: no hop through the
    event loop between two messages of a connection."""

    async def send_all(
        self, messages: Sequence[Message], done: Callable[[Message, Receipt | ChannelError], None]
    ) -> None:
        """Send every message, at most ``concurrency`` at once. ``done`` is called in the worker
        with each message's receipt or error before that worker sends another, so a kill leaves
        at most ``concurrency`` messages sent but not recorded. An exception from ``done`` stops
        every worker taking new messages, and is raised."""

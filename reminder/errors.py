"""The one exception tree of reminder, and the diagnostics it carries.

Every error a person can cause (a broken file, a bad argument) is a ``ReminderError``; the CLI
turns it into a message and an exit code, never a traceback:

``ReminderError``
    ``ConfigError``       the configuration directory does not validate; carries ``problems``.
    ``PlanImportError``   a plan document cannot be read or understood.
    ``StoreError``        the data store cannot be read or written (named file, backup to restore).
    ``ChannelError``      a channel failed to deliver; ``permanent`` says whether a retry can help.
    ``UsageError``        a command's argument names nothing known (exit 2, nearest matches).

A ``Problem`` is one finding about the configuration: where (file, line, key), what is wrong and
what to do. ``severity`` is ``"error"`` (the config is refused) or ``"warning"`` (it is used).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding about a configuration or input file."""

    severity: Severity
    message: str
    file: Path | None = None
    line: int | None = None
    key: str | None = None
    hint: str | None = None

    def format(self) -> str:
        """Render as ``file:line: [key] message (hint)`` in one line for a person."""
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        label = "LỖI" if self.severity == "error" else "cảnh báo"
        text = f"{where}{label}: "
        if self.key:
            text += f"[{self.key}] "
        text += self.message
        if self.hint:
            text += f" — {self.hint}"
        return text


class ReminderError(Exception):
    """Base of every error reminder raises on purpose."""


class ConfigError(ReminderError):
    """The configuration does not validate. ``problems`` holds every finding, errors first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(errors[0].format() if errors else "cấu hình không hợp lệ")


class PlanImportError(ReminderError):
    """A plan document cannot be read or understood."""


class StoreError(ReminderError):
    """The store cannot be read or written; the message names the file and what to do."""


class ChannelError(ReminderError):
    """A channel failed to deliver a message.

    ``permanent`` is true when retrying the same message cannot succeed (an unknown recipient,
    SMTP 5xx); ``code`` and ``detail`` keep the provider's own words for the delivery record.
    ``not_before`` (aware) asks for the same message to wait until then without counting as a
    failed attempt (a template message outside the hours Zalo allows).
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        code: str | None = None,
        detail: str | None = None,
        not_before: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.detail = detail
        self.not_before = not_before


class UsageError(ReminderError):
    """A command-line argument or a form field is wrong: it names no known unit, task, plan or
    month, a date in the past, a taken account name (exit 2)."""

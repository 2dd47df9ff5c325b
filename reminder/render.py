"""Rendering messages and pages with the Jinja2 templates of ``reminder.templating`` (built into
the package, overridable from a directory).

HTML templates are autoescaped; every template runs with ``StrictUndefined``, so a template
that names a missing value fails loudly instead of sending a blank. Dates are written the
Vietnamese way (``31/03/2025``, "Thứ Hai").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError

from reminder.errors import ReminderError
from reminder.templating import Templates, builtin_templates

log = logging.getLogger("reminder")

ZALO_TEXT_LIMIT = 2000  # Zalo OA text messages: at most 2,000 characters


class OverrideFailed(ReminderError):
    """Rendering with the overrides failed (``Renderer(fallback=False)``); ``__cause__`` is
    the error."""

    def __init__(self, name: str, error: Exception) -> None:
        super().__init__(f"mẫu {name}: {error}")
        self.name = name
        self.error = error


@dataclass(frozen=True)
class Rendered:
    """A message in every form a channel may send."""

    subject: str
    text: str
    html: str
    short_text: str


class Renderer:
    """Renders with one configuration's templates (``Config.templates``; by default the
    built-ins alone).

    An administrator's override can pass ``reminder check`` and still fail on some message (it
    reads ``items[1]`` and a unit has one task). With ``fallback`` (the default) such a render
    is done again with the built-in template and the failure is logged once per template, so
    a mistake in an override never stops the reminders; ``fallback=False`` raises instead
    (``check``'s trial render)."""

    def __init__(
        self,
        templates: Templates | None = None,
        *,
        fallback: bool = True,
        on_fallback: Callable[[str, Exception], None] | None = None,
    ) -> None:
        self.templates = templates or builtin_templates()
        self.env = self.templates.env
        self.fallback = fallback
        # Told of each failure instead of the log (``check``'s trial of pages and digest).
        self.on_fallback = on_fallback
        self._logged: set[str] = set()

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Render template ``name``; template mistakes become a ``ReminderError``."""
        try:
            return self.env.get_template(name).render(context)
        except Exception as exc:  # an override is the administrator's code: anything may fail
            if not self.templates.overridden:
                if isinstance(exc, TemplateError):
                    raise ReminderError(f"mẫu {name}: {exc}") from None
                raise
            if not self.fallback:
                raise OverrideFailed(name, exc) from exc
            if self.on_fallback is not None:
                self.on_fallback(name, exc)
            else:
                self._log_fallback(name, exc)
        try:
            return builtin_templates().env.get_template(name).render(context)
        except TemplateError as exc:
            raise ReminderError(f"mẫu {name}: {exc}") from None

    def _log_fallback(self, name: str, exc: Exception) -> None:
        if name in self._logged:
            return
        self._logged.add(name)
        log.error(
            "mẫu riêng dùng cho %s lỗi khi điền (%s): đã dùng mẫu có sẵn thay thế — sửa mẫu"
            " trong %s rồi chạy reminder check",
            name,
            exc,
            self.templates.directory,
        )

    def reminder(self, context: dict[str, Any]) -> Rendered:
        """Subject, text, HTML and a short (Zalo) text for one day's message to one unit."""
        subject = " ".join(self.render("email/reminder.subject.txt", context).split())
        full = {**context, "subject": subject}
        return Rendered(
            subject=subject,
            text=self.render("email/reminder.txt", full).strip() + "\n",
            html=self.render("email/reminder.html", full),
            short_text=self._short(full),
        )

    def chat_parts(self, context: dict[str, Any]) -> list[str]:
        """The chat text of a day's message, split at task boundaries into parts of at most
        2,000 characters, every task (with its ack link) whole in one part. Each part is the
        same template over a run of the tasks (``offset`` keeps the numbering going); the
        escalations come with the last part."""
        items: Sequence[Any] = context["items"]
        escalations: Sequence[Any] = context["escalations"]

        def render(start: int, end: int, last: bool) -> str:
            return self.render(
                "zalo/reminder.txt",
                {
                    **context,
                    "items": items[start:end],
                    "escalations": escalations if last else [],
                    "more": 0,
                    "offset": start,
                },
            ).strip()

        parts: list[str] = []
        start = 0
        while True:
            end = start + 1 if items else 0
            # Grow the run while the next task still fits.
            while end < len(items) and len(render(start, end + 1, end + 1 == len(items))) <= (
                ZALO_TEXT_LIMIT
            ):
                end += 1
            last = end >= len(items)
            text = render(start, end, last)
            if last and len(text) > ZALO_TEXT_LIMIT and escalations and end > start:
                parts.append(render(start, end, False)[:ZALO_TEXT_LIMIT])
                text = render(end, end, True)
            parts.append(text[:ZALO_TEXT_LIMIT])
            if last:
                return parts
            start = end

    def _short(self, context: dict[str, Any]) -> str:
        """The Zalo text: as many tasks as fit in 2,000 characters (escalations dropped before
        the unit's own tasks), with how many more there are.

        The number kept is found by bisection over renders of at most ``_SHORT_MAX`` items (no
        item renders in fewer than 10 characters, so no more can fit): a few renders of a
        bounded size whatever the task count, not one render per task dropped.
        """
        items: Sequence[Any] = context["items"]
        escalations: Sequence[Any] = context["escalations"]
        total = len(items) + len(escalations)

        def text(keep: int) -> str:
            keep_items = min(keep, len(items))
            keep_esc = keep - keep_items
            return self.render(
                "zalo/reminder.txt",
                {
                    **context,
                    "items": items[:keep_items],
                    "escalations": escalations[:keep_esc],
                    "more": total - keep,
                },
            ).strip()

        high = min(total, ZALO_TEXT_LIMIT // 10)
        first = text(high)
        if len(first) <= ZALO_TEXT_LIMIT:
            return first
        low, high = min(total, 1), high - 1
        while low < high:  # the largest count whose text fits; 1 if none does
            mid = (low + high + 1) // 2
            if len(text(mid)) <= ZALO_TEXT_LIMIT:
                low = mid
            else:
                high = mid - 1
        return text(low)[:ZALO_TEXT_LIMIT]

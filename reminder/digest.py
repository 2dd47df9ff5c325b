"""The weekly digest to the council chair: what is due, what is late, who has not answered,
what failed to deliver — as an email (HTML and text) in Vietnamese.

``build`` computes the digest for a day from the configuration, the acknowledgments and the
delivery records; ``render`` turns it into a message; ``send`` delivers it once per week (the
store remembers the weeks sent, so a restart or a catch-up does not send it twice).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from reminder.calendar import weekday_vi
from reminder.channels import registry
from reminder.channels.base import Message
from reminder.channels.email import EmailChannel
from reminder.channels.file import FileChannel
from reminder.config import Config
from reminder.errors import ChannelError
from reminder.render import Renderer
from reminder.schedule import LOCAL_TZ
from reminder.status import DISPLAY_LABELS, PairStatus, compute
from reminder.store import AckEvent, Delivery, DigestRun, Store


@dataclass
class UnitProgress:
    """One unit's share of the plan so far."""

    unit: str
    name: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class Digest:
    """Everything the chair reads on one day."""

    today: date
    week_start: date
    horizon: date
    counts: dict[str, int]
    total: int
    due_soon: list[dict[str, Any]] = field(default_factory=list)
    overdue_by_unit: list[dict[str, Any]] = field(default_factory=list)
    not_acknowledged: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[PairStatus] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    progress: list[UnitProgress] = field(default_factory=list)
    board_url: str = ""


def build(
    config: Config, ack_events: list[AckEvent], deliveries: list[Delivery], today: date
) -> Digest:
    """The digest for ``today``: due this week and next, overdue, silent units, failures."""
    statuses = compute(config, ack_events, deliveries, today)
    week_start = today - timedelta(days=today.weekday())
    horizon = week_start + timedelta(days=13)
    counts: dict[str, int] = defaultdict(int)
    for s in statuses:
        counts[s.display] += 1
    digest = Digest(
        today=today,
        week_start=week_start,
        horizon=horizon,
        counts=dict(counts),
        total=len(statuses),
        board_url=config.settings.web.base_url.rstrip("/") + "/",
    )

    by_task: dict[tuple[str, str], list[PairStatus]] = defaultdict(list)
    for s in statuses:
        by_task[(s.plan, s.task)].append(s)
    for rows in by_task.values():
        first = rows[0]
        open_rows = [r for r in rows if r.state != "done"]
        if open_rows and today <= first.due <= horizon:
            digest.due_soon.append(
                {
                    "task": first.task,
                    "title": first.title,
                    "due": first.due,
                    "due_weekday": weekday_vi(first.due),
                    "units": [
                        {"name": r.unit_name, "state": DISPLAY_LABELS[r.display], "role": r.role}
                        for r in rows
                    ],
                    "done": len(rows) - len(open_rows),
                    "total": len(rows),
                }
            )
    digest.due_soon.sort(key=lambda d: (d["due"], d["task"]))

    late: dict[str, list[PairStatus]] = defaultdict(list)
    for s in statuses:
        if s.overdue and s.role == "lead":
            late[s.unit_name].append(s)
    digest.overdue_by_unit = [
        {
            "unit": name,
            "items": sorted(items, key=lambda s: -s.days_late),
            "worst": max(s.days_late for s in items),
        }
        for name, items in sorted(late.items(), key=lambda kv: -max(s.days_late for s in kv[1]))
    ]
    digest.escalations = sorted(
        (s for s in statuses if s.escalated), key=lambda s: (-s.days_late, s.task)
    )

    silent: dict[str, list[str]] = defaultdict(list)
    for s in statuses:
        if s.state == "pending" and s.start <= today:
            silent[s.unit_name].append(s.task)
    digest.not_acknowledged = [
        {"unit": name, "tasks": sorted(tasks), "count": len(tasks)}
        for name, tasks in sorted(silent.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]

    since = today - timedelta(days=14)
    for record in deliveries:
        if record.status in ("failed", "dead") and record.day >= since:
            error = record.last_error
            words = f"{error.message} {error.detail or ''}".strip() if error else ""
            digest.failed.append(
                {
                    "day": record.day.isoformat(),
                    "unit": config.directory.name_of(record.recipient),
                    "channel": record.channel,
                    "error": words,
                }
            )
    digest.failed.sort(key=lambda f: (f["day"], f["unit"]), reverse=True)

    progress: dict[str, UnitProgress] = {}
    for s in statuses:
        if s.start > today:
            continue  # not started yet: neither done nor owed
        p = progress.setdefault(s.unit, UnitProgress(s.unit, s.unit_name, 0, 0))
        p.total += 1
        p.done += s.state == "done"
    digest.progress = sorted(progress.values(), key=lambda p: (p.percent, p.name))
    return digest


def render(digest: Digest, renderer: Renderer) -> tuple[str, str, str]:
    """(subject, text, html)."""
    context = {
        "d": digest,
        "labels": DISPLAY_LABELS,
        "weekday": weekday_vi(digest.today),
    }
    subject = " ".join(renderer.render("email/digest.subject.txt", context).split())
    context["subject"] = subject
    text = renderer.render("email/digest.txt", context).strip() + "\n"
    html = renderer.render("email/digest.html", context)
    return subject, text, html


def load(config: Config, store: Store, today: date) -> Digest:
    """The digest for ``today`` from the store."""
    return build(config, store.ack_events(), store.deliveries(), today)


def send(config: Config, store: Store, now: datetime, *, force: bool = False) -> str:
    """Send this week's digest to ``[digest] to`` (once per ISO week unless ``force``).

    Goes by email when SMTP is configured, else to the file outbox. Returns what happened.
    """
    settings = config.settings
    today = now.astimezone(LOCAL_TZ).date()
    week = f"{today.isocalendar().year}-W{today.isocalendar().week:02d}"
    sent_weeks = {run.week for run in store.digest_runs()}
    if week in sent_weeks and not force:
        return f"báo cáo tuần {week} đã gửi trước đó"
    if not settings.digest.to:
        return "chưa có người nhận báo cáo tuần ([digest] to)"
    digest = load(config, store, today)
    subject, text, html = render(digest, Renderer(settings.templates_dir))
    message = Message(
        key=f"digest/{week}",
        channel="email",
        recipient="chair",
        recipient_name="Chủ tịch Hội đồng",
        subject=subject,
        text=text,
        html=html,
        short_text=text[:2000],
        created_at=now.isoformat(),
        emails=settings.digest.to,
        cc=settings.digest.cc,
    )
    channel = (
        EmailChannel(settings.smtp)
        if "email" in registry.enabled(settings)
        else FileChannel(store.data_dir / "outbox", settings.smtp)
    )

    async def deliver() -> None:
        await channel.open()
        try:
            await channel.send(message)
        finally:
            await channel.close()

    try:
        asyncio.run(deliver())
    except ChannelError as exc:
        return f"gửi báo cáo tuần thất bại: {exc} {exc.detail or ''}".strip()
    store.add_digest_run(
        DigestRun(
            week=week, sent_at=now, channel=channel.name, recipients=tuple(settings.digest.to)
        )
    )
    return f"đã gửi báo cáo tuần {week} qua {channel.name}"

"""A unit's due occurrences for one day -> one rendered message.

Linear in the number of occurrences: every per-item value is a dictionary look-up or a
bisection in the calendar, and the short (Zalo) text is fitted with a bounded search rather than
by dropping one item per render.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from reminder import acks
from reminder.calendar import weekday_vi
from reminder.channels.base import Message
from reminder.config import Config
from reminder.errors import Problem
from reminder.labels import KIND_LABELS, LOCAL_TZ, vn_date
from reminder.links import UnitLinks
from reminder.render import OverrideFailed, Renderer
from reminder.schedule import ROLE_LABELS, Batch, Occurrence, occurrence


class Composer:
    """Builds messages for one configuration (keep one per configuration)."""

    def __init__(self, config: Config, secret: str) -> None:
        self.config = config
        self.settings = config.settings
        self.tokens = acks.Tokens(secret)
        self.unit_links = UnitLinks(secret)
        self.renderer = Renderer(config.templates)
        self.titles = {(p.id, t.id): t.title for p in config.plans for t in p.tasks}
        self.plan_titles = {p.id: p.title for p in config.plans}
        self.years = {p.id: p.year for p in config.plans}

    def compose(
        self,
        batch: Batch,
        recipient: str,
        channel: str,
        key: str,
        now: datetime,
        today: date,
        chats: tuple[str, ...] = (),
    ) -> Message:
        """The message ``key`` to ``recipient`` on ``channel`` carrying ``batch`` (``chats``:
        the Zalo Bot chats linked to the unit, for the ``zalo_bot`` channel)."""
        directory = self.config.directory
        unit = directory.units[recipient]
        base = self.settings.web.base_url.rstrip("/")
        own = [o for o in batch.items if o.kind != "escalation" or o.unit == recipient]
        escalated = [o for o in batch.items if o.kind == "escalation" and o.unit != recipient]
        nearest_due = min(o.due for o in batch.items)
        context = {
            "unit": {"id": unit.id, "name": unit.name},
            "day": today,
            "weekday": weekday_vi(today),
            "plan_title": self._plan_title(batch.items),
            "items": [self._item(o, today, base) for o in own],
            "escalations": [self._item(o, today, base) for o in escalated],
            "nearest_due": nearest_due,
            "unit_url": self._unit_url(base, recipient),
            "sender_name": "Hệ thống nhắc việc",
        }
        rendered = self.renderer.reminder(context)
        parts = self.renderer.chat_parts(context) if channel == "zalo_bot" else ()
        ids = sorted({o.task for o in batch.items})
        return Message(
            key=key,
            channel=channel,
            recipient=unit.id,
            recipient_name=unit.name,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            short_text=rendered.short_text,
            created_at=now.isoformat(),
            emails=unit.email,
            zalo_user_id=unit.zalo_user_id,
            phone=unit.phone,
            chat_ids=chats if channel == "zalo_bot" else (),
            parts=tuple(parts),
            data={
                "don_vi": unit.name[:100],
                "so_viec": str(len(batch.items)),
                "ma_viec": ", ".join(ids)[:100],
                "han_gan_nhat": vn_date(nearest_due),
                "lien_ket": str(context["unit_url"]),
            },
        )

    def _unit_url(self, base: str, unit: str) -> str:
        """``unit``'s own page (no login; expires with the ack links): reminders never link
        to the board, which unit officials cannot open."""
        year = max(self.years.values(), default=2000)
        return f"{base}/u/{self.unit_links.make(unit, year)}"

    def _plan_title(self, items: list[Occurrence]) -> str:
        titles = {self.plan_titles.get(o.plan, "") for o in items}
        title = titles.pop() if len(titles) == 1 else "kế hoạch công tác"
        return title[:1].lower() + title[1:] if title.startswith("Kế hoạch") else title

    def _item(self, occ: Occurrence, today: date, base: str) -> dict[str, Any]:
        cal = self.config.calendar
        if occ.due >= today:
            left = cal.working_days_between(today, occ.due)
        else:
            left = -cal.working_days_between(occ.due, today)
        if left > 0:
            days_text = f"còn {left} ngày làm việc"
        elif left == 0:
            days_text = "hạn là hôm nay"
        else:
            days_text = f"đã quá hạn {-left} ngày làm việc"
        colour = "#1f5fbf" if left > 5 else ("#b54708" if left >= 0 else "#b42318")
        token = self.tokens.make(occ.plan, occ.task, occ.unit, self.years.get(occ.plan, today.year))
        return {
            "task_id": occ.task,
            "title": self.titles.get((occ.plan, occ.task), occ.task),
            "role_label": ROLE_LABELS[occ.role],
            "kind": occ.kind,
            "kind_label": KIND_LABELS[occ.kind],
            "due": occ.due,
            "due_weekday": weekday_vi(occ.due),
            "days_left": left,
            "days_text": days_text,
            "colour": colour,
            "unit_name": self.config.directory.name_of(occ.unit),
            "ack_url": f"{base}/ack/{token}",
            "unit_url": self._unit_url(base, occ.unit),
        }


def trial(config: Config) -> list[Problem]:
    """Render one sample message with ``config``'s overridden message templates: a task of the
    first plan due today for the first unit, and another unit's escalation, on every channel's
    form (subject, text, HTML, Zalo text and parts). An override that parses but fails when
    filled in (a misspelt attribute, ``items[0]`` of nothing) is an error here, named by file
    and line, rather than a fallback to the built-in template at send time."""
    from reminder.templating import MESSAGE_TEMPLATES, explain, failed_override

    overridden = set(config.templates.overridden) & set(MESSAGE_TEMPLATES)
    units = list(config.directory.units)
    plans = [p for p in config.plans if p.tasks]
    if not overridden or not units or not plans:
        return []
    plan, task = plans[0], plans[0].tasks[0]
    day = date(plan.year, 6, 2)
    at = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ)
    items = [occurrence(plan.id, task.id, units[0], "lead", "due", at, day)]
    if len(units) > 1:
        items.append(occurrence(plan.id, task.id, units[1], "lead", "escalation", at, day))
    composer = Composer(config, "trial")
    composer.renderer = Renderer(config.templates, fallback=False)
    try:
        composer.compose(Batch(units[0], day, items), units[0], "zalo_bot", "trial", at, day)
    except OverrideFailed as exc:
        found = failed_override(exc.error, config.templates)
        name, line = found if found else (exc.name, None)
        said, hint = explain(exc.error)
        return [
            Problem(
                "error",
                f"mẫu {name} lỗi khi thử điền một thư mẫu: {said}",
                file=config.templates.path(name) or config.templates.directory,
                line=line,
                hint=f"{hint}; so với bản gốc reminder/templates/{name}, hoặc xóa tệp để dùng"
                " mẫu có sẵn; rồi chạy reminder check",
            )
        ]
    return []

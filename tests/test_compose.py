"""Composing one unit's message: linear in its task count (issue 12 item 15)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from reminder import config
from reminder.compose import Composer
from reminder.render import ZALO_TEXT_LIMIT, Renderer
from reminder.schedule import LOCAL_TZ, Batch, occurrence
from tests.conftest import write_config

NOW = datetime(2025, 6, 30, 8, 5, tzinfo=LOCAL_TZ)


class CountingRenderer(Renderer):
    """A renderer that counts the Zalo texts it renders and the items they carry."""

    def __init__(self) -> None:
        super().__init__()
        self.zalo_items = 0

    def render(self, name: str, context: dict[str, Any]) -> str:
        if name == "zalo/reminder.txt":
            self.zalo_items += len(context["items"]) + len(context["escalations"])
        return super().render(name, context)


def test_a_message_of_4000_tasks_renders_a_bounded_amount_of_zalo_text(tmp_path: Path) -> None:
    tasks: list[dict[str, object]] = [
        {"id": f"Q2-{t:04d}", "quarter": 2, "title": f"Báo cáo số {t}", "lead": ["nv"]}
        for t in range(4000)
    ]
    cfg = config.load(write_config(tmp_path / "config", [{"id": "nv", "name": "Nội vụ"}], tasks))
    composer = Composer(cfg, "s")
    counting = CountingRenderer()
    composer.renderer = counting
    due = date(2025, 6, 30)
    batch = Batch("nv", due)
    batch.items.extend(
        occurrence("plan-2025", f"Q2-{t:04d}", "nv", "lead", "due", NOW, due) for t in range(4000)
    )
    message = composer.compose(batch, "nv", "zalo_oa", "nv/zalo_oa/2025-06-30", NOW, due)
    # Dropping one task per render rendered about 8 million items here (quadratic).
    assert counting.zalo_items < 4000
    short = message.short_text
    assert len(short) <= ZALO_TEXT_LIMIT
    kept = short.count("Xác nhận: ")
    assert kept > 1
    assert f"… và {4000 - kept} việc khác" in short
    assert message.text.count("Q2-3999") >= 1  # the full text still lists every task

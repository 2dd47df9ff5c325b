"""The weekly digest on the reference plan, Monday 23/06/2025, in text, HTML and a browser."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from reminder import acks, config, digest
from reminder.render import Renderer
from reminder.schedule import LOCAL_TZ
from reminder.store import Store
from reminder.store.tinydb import TinyDBStore
from tests.conftest import ROOT, CliResult, StoreFactory, write_config
from tests.servers import SmtpServer

MONDAY = datetime(2025, 6, 23, 7, 30, tzinfo=LOCAL_TZ)
Q1 = [f"Q1-{n:02d}" for n in range(1, 12)]
Q2 = [f"Q2-{n:02d}" for n in range(1, 10)]


@pytest.fixture
def reference_store(tmp_path: Path, shipped_config: Path) -> tuple[config.Config, Store]:
    loaded = config.load(shipped_config)
    store = TinyDBStore(tmp_path / "data")
    store.add_acks(  # Q1-05 was finished; Q1-03 only received
        [
            acks.ack_record("plan-2025", "Q1-05", "phong-noi-vu", "done", MONDAY, "cli"),
            acks.ack_record("plan-2025", "Q1-03", "ubnd-huyen", "received", MONDAY, "cli"),
        ]
    )
    return loaded, store


def test_digest_lists_q2_tasks_due_by_30_june_and_open_q1_tasks_as_overdue(
    reference_store: tuple[config.Config, Store],
) -> None:
    loaded, store = reference_store
    built = digest.load(loaded, store, MONDAY)
    assert [t["task"] for t in built.due_soon] == Q2
    assert {t["due"] for t in built.due_soon} == {date(2025, 6, 30)}
    overdue = {(s.task, s.unit) for u in built.overdue_by_unit for s in u.pairs if s.role == "lead"}
    assert {task for task, _ in overdue} == set(Q1) - {"Q1-05"}  # its only lead is done
    assert ("Q1-05", "phong-noi-vu") not in overdue
    assert ("Q1-03", "ubnd-huyen") in overdue  # received is not done
    assert all(s.days_late == 57 for u in built.overdue_by_unit for s in u.pairs)
    assert built.long_overdue
    assert not built.council_told  # nothing was sent: nobody was told
    assert not any(t["task"].startswith(("Q3", "Q4")) for t in built.due_soon)


def test_digest_text_and_html(reference_store: tuple[config.Config, Store]) -> None:
    loaded, store = reference_store
    subject, text, html = digest.render(digest.load(loaded, store, MONDAY), Renderer())
    assert subject.startswith("[Báo cáo tuần] 23/06/2025: 9 việc sắp đến hạn")
    assert "BÁO CÁO TUẦN — Thứ Hai, 23/06/2025" in text
    for task in Q2:
        assert f"- {task} — " in text
    assert "Hạn Thứ Hai 30/06/2025" in text
    assert (
        "Q1-01 (chủ trì, hạn 31/03/2025): trễ 57 ngày làm việc — chưa gửi thư báo Hội đồng" in text
    )
    assert "CHƯA XÁC NHẬN:" in text
    assert "Phòng Nội vụ:" in text
    assert "<script" not in html.lower()
    assert html.count('style="background:#2f8132;height:12px') >= 1  # a progress bar
    for task in [*(t for t in Q1 if t != "Q1-05"), *Q2]:
        assert f"<strong>{task}</strong>" in html or f">{task} — " in html


def test_digest_command_prints_both_formats(
    cli: Callable[..., CliResult], shipped_config: Path, tmp_path: Path
) -> None:
    args = (
        "digest",
        "--config-dir",
        str(shipped_config),
        "--data-dir",
        str(tmp_path / "d"),
        "--now",
        "2025-06-23T07:30",
    )
    code, text, _ = cli(*args)
    assert code == 0
    assert "QUÁ HẠN: " in text
    code, html, _ = cli(*args, "--format", "html")
    assert code == 0
    assert html.lstrip().startswith("<!DOCTYPE html>")


def test_digest_is_sent_once_a_week_by_email_with_cc(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    settings = (
        '[digest]\nto = ["chu-tich@huyen.example"]\ncc = ["van-phong@huyen.example"]\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
    )
    units: list[dict[str, object]] = [
        {"id": "nv", "name": "Phòng Nội vụ", "email": ["n@x.example"]}
    ]
    tasks: list[dict[str, object]] = [
        {"id": "Q1-01", "quarter": 1, "title": "Việc", "lead": ["nv"]}
    ]
    loaded = config.load(write_config(tmp_path / "c", units, tasks, settings))
    store = TinyDBStore(tmp_path / "d")
    assert digest.send(loaded, store, MONDAY).message.startswith("đã gửi báo cáo tuần 2025-W26")
    assert digest.send(loaded, store, MONDAY).status == "already_sent"
    (mail,) = smtp_server.sink.messages
    assert mail["To"] == "Chủ tịch Hội đồng <chu-tich@huyen.example>"
    assert mail["Cc"] == "van-phong@huyen.example"
    assert mail.get_body(("html",)) is not None


def test_digest_html_renders_in_a_browser(reference_store: tuple[config.Config, Store]) -> None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed")
    loaded, store = reference_store
    _, _, html = digest.render(digest.load(loaded, store, MONDAY), Renderer())
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page = artifacts / "digest.html"
    page.write_text(html, encoding="utf-8")
    shot = artifacts / "digest.png"
    script = (
        "import sys; from playwright.sync_api import sync_playwright\n"
        "with sync_playwright() as p:\n"
        "    b = p.chromium.launch(executable_path='/usr/bin/chromium', args=['--no-sandbox'])\n"
        "    pg = b.new_page(viewport={'width': 800, 'height': 900})\n"
        "    pg.goto('file://' + sys.argv[1])\n"
        "    print(pg.locator('h1').inner_text())\n"
        "    pg.screenshot(path=sys.argv[2], full_page=True)\n"
        "    b.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(page), str(shot)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"Báo cáo tuần", done.stdout)
    assert shot.stat().st_size > 20_000


def test_workers_sharing_a_store_send_the_weeks_digest_once(
    tmp_path: Path, smtp_server: SmtpServer, store_factory: StoreFactory
) -> None:
    settings = (
        '[digest]\nto = ["chu-tich@huyen.example"]\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
    )
    units: list[dict[str, object]] = [
        {"id": "nv", "name": "Phòng Nội vụ", "email": ["n@x.example"]}
    ]
    tasks: list[dict[str, object]] = [
        {"id": "Q1-01", "quarter": 1, "title": "Việc", "lead": ["nv"]}
    ]
    loaded = config.load(write_config(tmp_path / "c", units, tasks, settings))
    smtp_server.sink.data_delay = 0.3  # both workers are at it at the same time
    workers = [store_factory(tmp_path / "data") for _ in range(3)]  # three processes
    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(lambda s: digest.send(loaded, s, MONDAY), workers))
    assert sorted(o.status for o in outcomes) == ["in_progress", "in_progress", "sent"]
    assert len(smtp_server.sink.messages) == 1
    assert [r.week for r in workers[0].digest_runs()] == ["2025-W26"]
    assert digest.send(loaded, workers[1], MONDAY).status == "already_sent"
    # A claim left by a worker that died runs out: the digest is not lost for the week.
    next_monday = MONDAY + timedelta(days=7)
    claim = digest.DigestClaim("dead-worker", next_monday + timedelta(minutes=5))
    assert workers[0].add_record(digest.DIGEST_CLAIMS, "2025-W27", claim)
    assert digest.send(loaded, workers[1], next_monday).status == "in_progress"
    later = next_monday + timedelta(minutes=20)
    assert digest.send(loaded, workers[2], later).status == "sent"
    assert len(smtp_server.sink.messages) == 2

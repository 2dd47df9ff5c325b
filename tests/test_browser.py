"""End to end in a real browser (Debian's chromium driven by Playwright): a reminder email
arrives over SMTP, its ack link opens the page, "Đã hoàn thành" is pressed, the board shows it."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from reminder import config
from reminder.dispatch import Dispatcher
from reminder.schedule import LOCAL_TZ
from reminder.store.tinydb import TinyDBStore
from reminder.web import create_app, hash_password
from tests.conftest import ROOT, write_config
from tests.servers import SmtpServer, WebServer, free_port

CHROMIUM = os.environ.get("REMINDER_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "mat-khau-quan-tri-2025"
NOW = datetime(2025, 4, 1, 8, 5, tzinfo=LOCAL_TZ)

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} missing: install Debian's chromium (./dev test does it as root)",
)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium under Playwright (its own event loop: start it after asyncio work)."""
    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield instance
        finally:
            instance.close()


def test_ack_link_from_a_real_email_in_a_real_browser_updates_the_board(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("REMINDER_WEB__ADMIN_PASSWORD_HASH", hash_password(PASSWORD))
    settings = (
        f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
    )
    units: list[dict[str, object]] = [
        {"id": "nv", "name": "Phòng Nội vụ", "email": ["nv@huyen.example"]},
        {"id": "tp", "name": "Phòng Tư pháp", "email": ["tp@huyen.example"]},
    ]
    tasks: list[dict[str, object]] = [
        {"id": "Q2-01", "quarter": 2, "title": "Báo cáo sơ kết 6 tháng", "lead": ["nv", "tp"]},
    ]
    cfg = config.load(write_config(tmp_path / "config", units, tasks, settings))
    store = TinyDBStore(tmp_path / "data")
    Dispatcher(cfg, store, secret="browser-secret").run(NOW)
    (mail,) = smtp_server.sink.to("nv@huyen.example")
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"(http://127\.0\.0\.1:\d+/ack/\S+)", body)
    assert link

    app = create_app(cfg, store, "browser-secret", clock=lambda: NOW)
    ARTIFACTS.mkdir(exist_ok=True)
    with WebServer(app, port), chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        page.goto(link.group(1))
        assert "Báo cáo sơ kết 6 tháng" in page.content()
        page.get_by_role("button", name="Đã hoàn thành").click()
        page.wait_for_selector("text=Đã ghi nhận: Đã hoàn thành")
        page.screenshot(path=str(ARTIFACTS / "ack-confirmed.png"))

        board = browser.new_page(viewport={"width": 1200, "height": 800})
        board.goto(f"http://127.0.0.1:{port}/")
        board.fill("#username", "admin")
        board.fill("#password", PASSWORD)
        board.get_by_role("button", name="Đăng nhập").click()
        board.wait_for_selector("text=Bảng theo dõi")
        nv = board.locator('a.badge[data-unit="nv"]')
        tp = board.locator('a.badge[data-unit="tp"]')
        assert nv.get_attribute("data-state") == "done"
        assert tp.get_attribute("data-state") == "pending"
        colour = nv.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(47, 129, 50)"  # the "done" green
        board.screenshot(path=str(ARTIFACTS / "board.png"), full_page=True)
    assert (ARTIFACTS / "board.png").stat().st_size > 10_000

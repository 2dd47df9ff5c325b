"""The unit page, the extension flow, a viewer and the phone-first layout in a real browser
(Debian's chromium under Playwright), following the links of a real reminder email."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize

from reminder import config
from reminder.dispatch import Dispatcher
from reminder.schedule import LOCAL_TZ
from reminder.store.tinydb import TinyDBStore
from reminder.web import create_app, hash_password
from tests.conftest import CliResult, write_config
from tests.servers import SmtpServer, WebServer, free_port
from tests.test_browser import ARTIFACTS, CHROMIUM, chromium

NOW = datetime(2025, 6, 23, 9, 0, tzinfo=LOCAL_TZ)  # a Monday, a week before 30/06
ADMIN_PASSWORD = "mat-khau-quan-tri-2025"
VIEWER_PASSWORD = "mat-khau-chu-tich-2025"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
UNITS: list[dict[str, object]] = [
    {
        "id": "nv",
        "name": "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân huyện",
        "email": ["nv@huyen.example"],
    },
    {"id": "tp", "name": "Phòng Tư pháp", "email": ["tp@huyen.example"]},
]
UNITS += [{"id": f"xa{i}", "name": f"Ủy ban nhân dân xã Thành Công số {i}"} for i in range(8)]
TASKS: list[dict[str, object]] = [
    {
        "id": "Q2-01",
        "quarter": 2,
        "title": "Báo cáo sơ kết công tác thi đua, khen thưởng 6 tháng đầu năm và phương hướng",
        "lead": ["nv"],
        "support": ["tp", *[f"xa{i}" for i in range(8)]],
    },
    {"id": "Q3-02", "quarter": 3, "title": "Kiểm tra hồ sơ khen thưởng", "lead": ["nv", "tp"]},
]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} missing: install Debian's chromium (./dev test does it as root)",
)


def no_sideways_scroll(page: Page) -> None:
    """The page fits its viewport: nothing wider than the screen."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    client = page.evaluate("() => document.documentElement.clientWidth")
    assert width <= client, f"{page.url}: {width} px wide on a {client} px screen"


def login(page: Page, url: str, name: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", name)
    page.fill("#password", password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("text=Bảng theo dõi")


def test_a_reminders_links_an_extension_and_the_board_on_a_phone(
    tmp_path: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    cli: Callable[..., CliResult],
) -> None:
    port = free_port()
    monkeypatch.setenv("REMINDER_WEB__ADMIN_PASSWORD_HASH", hash_password(ADMIN_PASSWORD))
    settings = (
        f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
    )
    cfg_dir = write_config(tmp_path / "config", UNITS, TASKS, settings)
    cfg = config.load(cfg_dir)
    store = TinyDBStore(tmp_path / "data")
    Dispatcher(cfg, store, secret="browser-secret").run(NOW)
    (mail,) = smtp_server.sink.to("nv@huyen.example")
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    unit_link = re.search(r"(http://127\.0\.0\.1:\d+/u/\S+)", body)
    ack_link = re.search(r"(http://127\.0\.0\.1:\d+/ack/\S+)", body)
    assert unit_link
    assert ack_link
    ARTIFACTS.mkdir(exist_ok=True)
    app = create_app(cfg, store, "browser-secret", clock=lambda: NOW)
    with WebServer(app, port) as server, chromium() as browser:
        phone = browser.new_page(viewport=PHONE)
        phone.goto(ack_link.group(1))  # no login asked
        assert phone.get_by_role("button", name="Đã hoàn thành").count() == 1
        phone.goto(unit_link.group(1))
        assert "/login" not in phone.url
        phone.wait_for_selector("text=Sắp đến hạn")
        no_sideways_scroll(phone)
        phone.screenshot(path=str(ARTIFACTS / "unit-390.png"), full_page=True)
        item = phone.locator('.item[data-task="Q2-01"]')
        item.get_by_text("Xin thêm thời gian").click()
        item.locator('input[name="to"]').fill("2025-07-10")
        item.locator('textarea[name="reason"]').fill("Chờ số liệu của các xã")
        item.get_by_role("button", name="Gửi đề nghị gia hạn").click()
        phone.wait_for_selector("text=Đã gửi đề nghị gia hạn")
        assert "Đã xin gia hạn đến 10/07/2025" in phone.content()

        admin = browser.new_page(viewport=DESKTOP)
        login(admin, server.url, "admin", ADMIN_PASSWORD)
        request = admin.locator('[data-extension="1"]')
        assert "Chờ số liệu của các xã" in request.inner_text()
        request.locator('input[name="to"]').fill("2025-07-15")
        request.get_by_role("button", name="Duyệt", exact=True).click()
        admin.wait_for_selector("text=Bảng theo dõi")
        assert admin.locator("#requests").count() == 0
        admin.screenshot(path=str(ARTIFACTS / "board-1280.png"))
        assert "hạn 15/07/2025" in admin.locator('a.badge[data-unit="nv"]').first.inner_text()

        for path, name in (
            ("/", "board"),
            ("/tasks/plan-2025/Q2-01", "task"),
            ("/units/nv", "unit-admin"),
        ):
            admin.set_viewport_size(PHONE)
            admin.goto(server.url + path)
            no_sideways_scroll(admin)
            admin.screenshot(path=str(ARTIFACTS / f"{name}-390.png"))
            admin.set_viewport_size(DESKTOP)
            admin.goto(server.url + path)
            admin.screenshot(path=str(ARTIFACTS / f"{name}-1280.png"))
        ids = admin.locator(".taskid").first.bounding_box()
        assert ids is not None
        assert ids["height"] < 30  # one line: a task id never breaks

        phone.reload()
        assert "15/07/2025" in phone.content()
        assert "hạn cũ 30/06/2025" in phone.content()
    code, out, _ = cli(
        "preview", "--task", "Q2-01", "--format", "json",
        "--config-dir", str(cfg_dir), "--data-dir", str(tmp_path / "data"),
    )  # fmt: skip
    assert code == 0
    dues = {(r["unit"], r["due"]) for r in json.loads(out)}
    assert ("nv", "2025-07-15") in dues
    assert ("tp", "2025-06-30") in dues
    assert ("nv", "2025-06-30") not in dues
    assert (ARTIFACTS / "board-390.png").stat().st_size > 5_000


def test_a_viewer_in_the_browser_cannot_change_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]
) -> None:
    port = free_port()
    settings = f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
    cfg_dir = write_config(tmp_path / "config", UNITS, TASKS, settings)
    dirs = ("--config-dir", str(cfg_dir), "--data-dir", str(tmp_path / "data"))
    monkeypatch.setattr("sys.stdin", io.StringIO(VIEWER_PASSWORD + "\n"))
    assert cli("user", "add", "chu-tich", "--role", "viewer", "--password-stdin", *dirs)[0] == 0
    assert cli("pause", "tp", "--until", "2025-06-30", "--now", "2025-06-23T08:00", *dirs)[0] == 0
    cfg = config.load(cfg_dir)
    store = TinyDBStore(tmp_path / "data")
    app = create_app(cfg, store, "browser-secret", clock=lambda: NOW)
    with WebServer(app, port) as server, chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        login(page, server.url, "chu-tich", VIEWER_PASSWORD)
        assert "Đơn vị đang tạm dừng nhắc" in page.content()
        assert page.get_by_role("button", name="Nhắc lại ngay").count() == 0
        page.goto(f"{server.url}/tasks/plan-2025/Q2-01")
        assert page.get_by_role("button", name="Ghi đã hoàn thành").count() == 0
        no_sideways_scroll(page)
        csrf = page.locator('input[name="csrf"]').first.get_attribute("value")
        assert csrf
        response = page.request.post(
            f"{server.url}/admin/resume", form={"csrf": csrf, "unit": "tp"}
        )
        assert response.status == 403
        assert "chỉ được xem" in response.text()
    _, out, _ = cli(
        "status", "--unit", "tp", "--format", "json", "--now", "2025-06-24T08:00", *dirs
    )
    assert {r["paused_until"] for r in json.loads(out)} == {"2025-06-30"}

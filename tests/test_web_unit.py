"""The unit's own page (no login) and the board's admin actions over real HTTP: links in a
real reminder lead to the unit page, never to the board; an extension asked for on the unit
page is approved on the board and moves that unit's date only; a viewer changes nothing;
acks on a unit's behalf and reopen are recorded with who and when."""

from __future__ import annotations

import email
import email.policy
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from reminder import adjust, audit, config, preview
from reminder.cli import main
from reminder.config import Config
from reminder.dispatch import Dispatcher
from reminder.keyed import Records
from reminder.schedule import LOCAL_TZ
from reminder.store import Store
from reminder.store.tinydb import TinyDBStore
from reminder.web import create_app, hash_password
from tests.conftest import ack_records, delivery_records, write_config
from tests.servers import WebServer, free_port

NOW = datetime(2025, 6, 23, 9, 0, tzinfo=LOCAL_TZ)  # a Monday, a week before 30/06
ADMIN_PASSWORD = "mat-khau-quan-tri-2025"
VIEWER_PASSWORD = "mat-khau-chu-tich-2025"
UNITS: list[dict[str, object]] = [
    {"id": "nv", "name": "Phòng Nội vụ", "email": ["nv@huyen.example"]},
    {"id": "tp", "name": "Phòng Tư pháp", "email": ["tp@huyen.example"]},
]
TASKS: list[dict[str, object]] = [
    {"id": "Q2-01", "quarter": 2, "title": "Báo cáo sơ kết", "lead": ["nv"], "support": ["tp"]},
    {"id": "Q3-02", "quarter": 3, "title": "Kiểm tra hồ sơ", "lead": ["nv"]},
]


@dataclass
class Site:
    url: str
    cfg: Config
    cfg_dir: Path
    data_dir: Path
    store: Store

    def acks(self) -> list[dict[str, Any]]:
        return ack_records(self.store)


def add_viewer(cfg_dir: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(VIEWER_PASSWORD + "\n"))
    args = ["user", "add", "chu-tich", "--role", "viewer", "--password-stdin"]
    assert main([*args, "--config-dir", str(cfg_dir), "--data-dir", str(data_dir)]) == 0


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    port = free_port()
    monkeypatch.setenv("REMINDER_WEB__ADMIN_PASSWORD_HASH", hash_password(ADMIN_PASSWORD))
    settings = f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
    cfg_dir = write_config(tmp_path / "config", UNITS, TASKS, settings)
    cfg = config.load(cfg_dir)
    store = TinyDBStore(tmp_path / "data")
    add_viewer(cfg_dir, tmp_path / "data", monkeypatch)
    app = create_app(cfg, store, "unit-secret", clock=lambda: NOW)
    with WebServer(app, port) as server:
        yield Site(server.url, cfg, cfg_dir, tmp_path / "data", store)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _extend_csrf(html: str) -> str:
    match = re.search(r'/extend">\s*<input type="hidden" name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _login(client: httpx.Client, name: str, password: str) -> None:
    csrf = _csrf(client.get("/login").text)
    response = client.post("/login", data={"username": name, "password": password, "csrf": csrf})
    assert response.status_code == 303


def unit_link(site: Site, unit: str) -> str:
    """The unit-page link in the reminder ``unit`` gets today (from the file outbox)."""
    Dispatcher(site.cfg, site.store, secret="unit-secret").run(NOW)
    (mail,) = (site.data_dir / "outbox").rglob(f"{unit}_*.eml")
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",))
    assert body is not None
    text = str(body.get_content())
    assert "/tasks/" not in text
    assert re.search(r"http://127\.0\.0\.1:\d+/(\s|$)", text) is None  # never the board
    links: set[str] = set(re.findall(r"(http://127\.0\.0\.1:\d+/u/[\w.-]+)", text))
    assert len(links) == 1, links
    return links.pop()


def test_a_reminders_unit_link_opens_the_units_page_without_a_login(site: Site) -> None:
    link = unit_link(site, "nv")
    page = httpx.get(link)
    assert page.status_code == 200
    html = page.text
    assert "Phòng Nội vụ" in html
    assert re.search(r'data-group="soon">\s*<h2>Sắp đến hạn[^<]*\(1\)', html)
    assert re.search(r'data-group="open">\s*<h2>Đang thực hiện \(1\)', html)  # Q3-02
    assert "30/06/2025" in html
    assert "chủ trì" in html
    assert "/calendar/nv.ics?key=" in html
    assert 'name="state" value="done"' in html
    assert html.count('action="' + link + '/extend"') == 2  # a request per open task
    assert httpx.get(link[:-3] + "abc").status_code == 404
    tp = httpx.get(unit_link_for(site, "tp"))
    assert "phối hợp" in tp.text
    assert site.acks() == []  # GET changes nothing


def unit_link_for(site: Site, unit: str) -> str:
    from reminder.links import UnitLinks

    return f"{site.url}/u/{UnitLinks('unit-secret').make(unit, 2025)}"


def test_extension_asked_on_the_unit_page_is_approved_on_the_board(site: Site) -> None:
    link = unit_link_for(site, "nv")
    csrf = _extend_csrf(httpx.get(link).text)
    past = httpx.post(
        f"{link}/extend",
        data={
            "csrf": csrf,
            "plan": "plan-2025",
            "task": "Q2-01",
            "to": "2025-06-01",
            "reason": "x",
        },
    )
    assert past.status_code == 400
    assert "ngày 01/06/2025 đã qua" in past.text
    forged = httpx.post(f"{link}/extend", data={"csrf": "x", "task": "Q2-01", "to": "2025-07-10"})
    assert forged.status_code == 403
    asked = httpx.post(
        f"{link}/extend",
        data={
            "csrf": csrf,
            "plan": "plan-2025",
            "task": "Q2-01",
            "to": "2025-07-10",
            "reason": "chờ số liệu của xã",
        },
    )
    assert asked.status_code == 303
    assert "Đã xin gia hạn đến 10/07/2025" in httpx.get(link).text
    with httpx.Client(base_url=site.url) as admin:
        _login(admin, "admin", ADMIN_PASSWORD)
        board = admin.get("/").text
        assert "Đề nghị gia hạn chờ duyệt (1)" in board
        assert "chờ số liệu của xã" in board
        decided = admin.post(
            "/admin/extensions/1",
            data={"csrf": _csrf(board), "decision": "approve", "to": "2025-07-15"},
        )
        assert decided.status_code == 303
        task = admin.get("/tasks/plan-2025/Q2-01").text
        assert "15/07/2025" in task
        assert "duyệt gia hạn số 1 đến 15/07/2025" in task  # the task's change history
        assert "Đề nghị gia hạn chờ duyệt" not in admin.get("/").text
    page = httpx.get(link).text
    assert "15/07/2025" in page
    assert "hạn cũ 30/06/2025" in page
    adjustments = adjust.load(Records(site.store), NOW)
    items = preview.select(site.cfg, task="Q2-01", adjustments=adjustments)
    dues = {(o.unit, o.due) for o in items}
    assert dues == {("nv", date(2025, 7, 15)), ("tp", date(2025, 6, 30))}


def test_a_viewer_sees_everything_and_changes_nothing(site: Site) -> None:
    link = unit_link_for(site, "nv")
    csrf = _extend_csrf(httpx.get(link).text)
    httpx.post(
        f"{link}/extend",
        data={
            "csrf": csrf,
            "plan": "plan-2025",
            "task": "Q2-01",
            "to": "2025-07-10",
            "reason": "x",
        },
    )
    with httpx.Client(base_url=site.url) as viewer:
        _login(viewer, "chu-tich", VIEWER_PASSWORD)
        board = viewer.get("/").text
        assert "Đề nghị gia hạn chờ duyệt (1)" in board  # sees it
        assert "/admin/" not in board  # but gets no form
        assert "/admin/" not in viewer.get("/tasks/plan-2025/Q2-01").text
        assert "/admin/" not in viewer.get("/units/nv").text
        token = _csrf(board)  # the logout form's field: a valid CSRF for this session
        posts = {
            "/admin/extensions/1": {"decision": "approve"},
            "/admin/extend": {
                "plan": "plan-2025",
                "task": "Q2-01",
                "unit": "nv",
                "to": "2025-07-20",
            },
            "/admin/pause": {"unit": "nv", "until": "2025-07-01"},
            "/admin/resume": {"unit": "nv"},
            "/admin/ack": {"plan": "plan-2025", "task": "Q2-01", "unit": "nv", "state": "done"},
        }
        for path, fields in posts.items():
            response = viewer.post(path, data={"csrf": token, **fields})
            assert response.status_code == 403, path
            assert "chỉ được xem" in response.text
    assert site.acks() == []
    records = Records(site.store)
    assert [e.status for e in records.records(adjust.EXTENSIONS).values()] == ["requested"]
    assert records.records(adjust.PAUSES) == {}


def test_admin_records_an_ack_by_phone_reopens_it_and_pauses_a_unit(site: Site) -> None:
    with httpx.Client(base_url=site.url) as admin:
        _login(admin, "admin", ADMIN_PASSWORD)
        csrf = _csrf(admin.get("/").text)
        pair = {"plan": "plan-2025", "task": "Q2-01", "unit": "nv"}
        done = admin.post(
            "/admin/ack",
            data={"csrf": csrf, **pair, "state": "done", "note": "gọi điện 9h"},
        )
        assert done.status_code == 303
        assert (
            admin.post("/admin/ack", data={"csrf": "sai", **pair, "state": "done"}).status_code
            == 403
        )
        assert (
            admin.post("/admin/ack", data={"csrf": csrf, **pair, "state": "reopen"}).status_code
            == 303
        )
        unknown = admin.post(
            "/admin/ack", data={"csrf": csrf, **pair, "unit": "xx", "state": "done"}
        )
        assert unknown.status_code == 400
        assert "không có đơn vị &#39;xx&#39;" in unknown.text
        paused = admin.post(
            "/admin/pause", data={"csrf": csrf, "unit": "nv", "until": "2025-06-27"}
        )
        assert paused.status_code == 303
        board = admin.get("/").text
        assert "Đơn vị đang tạm dừng nhắc" in board
        assert "27/06/2025" in board
        task = admin.get("/tasks/plan-2025/Q2-01").text
        assert "đã hoàn thành thay nv: gọi điện 9h" in task
        assert "mở lại thay nv" in task
    events = site.acks()
    assert [(e["state"], e["source"], e["by"]) for e in events] == [
        ("done", "board", "admin"),
        ("reopen", "board", "admin"),
    ]
    assert site.store  # the dispatcher now skips nv until 27/06 included
    report = Dispatcher(site.cfg, site.store, secret="unit-secret").run(NOW, dry_run=True)
    assert "nv" not in {m.recipient for m in report.planned}


def test_admin_resends_todays_message_to_a_unit(site: Site) -> None:
    Dispatcher(site.cfg, site.store, secret="unit-secret").run(NOW)
    with httpx.Client(base_url=site.url) as admin:
        _login(admin, "admin", ADMIN_PASSWORD)
        page = admin.get("/units/nv").text
        assert "Gửi lại thư hôm nay" in page
        csrf = _csrf(page)
        assert admin.post("/admin/resend", data={"csrf": csrf, "unit": "nv"}).status_code == 303
        waiting = admin.post("/admin/resend", data={"csrf": csrf, "unit": "nv"})
        assert waiting.status_code == 400
        assert "đang chờ gửi" in waiting.text
    Dispatcher(site.cfg, site.store, secret="unit-secret").run(NOW.replace(minute=5))
    records = delivery_records(site.store)
    again = records["nv/file/2025-06-23/gui-lai-1"]
    assert again["status"] == "sent"
    assert again["message"]["text"] == records["nv/file/2025-06-23"]["message"]["text"]
    assert len([k for k in records if k.startswith("nv/")]) == 2  # nothing else resent
    entries = audit.entries(Records(site.store))
    assert [(e.actor, e.action, e.unit) for e in entries if e.action == "resend"] == [
        ("admin", "resend", "nv")
    ]

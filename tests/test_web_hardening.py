"""The web app's defences over real HTTP (uvicorn on 127.0.0.1), each a finding of the
adversarial pass (issue 12): body limits, proxy headers, throttles, argon2 off the event loop,
server limits, security headers, CSV formulas, metrics access, secrets out of access logs."""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from reminder import acks, config
from reminder.schedule import LOCAL_TZ
from reminder.store import Store
from reminder.store.tinydb import TinyDBStore
from reminder.web import create_app, hash_password
from tests.conftest import ack_records, write_config
from tests.servers import WebServer, free_port, wait_until

PASSWORD = "mat-khau-quan-tri-2025"
NOW = datetime(2025, 4, 15, 9, 0, tzinfo=LOCAL_TZ)
UNITS: list[dict[str, object]] = [
    {"id": "nv", "name": "Phòng Nội vụ", "email": ["nv@huyen.example"]},
    {"id": "tp", "name": "Phòng Tư pháp", "email": ["tp@huyen.example"]},
]
TASKS: list[dict[str, object]] = [
    {"id": "Q2-01", "quarter": 2, "title": "Báo cáo sơ kết", "lead": ["nv"], "support": ["tp"]},
]


@dataclass
class Site:
    url: str
    store: Store
    now: list[datetime]  # the app's clock: tests move it
    web: Any  # the app's WebContext (to reload a changed configuration, as the service does)

    def token(self, task: str = "Q2-01", unit: str = "nv") -> str:
        return acks.Tokens("web-secret").make("plan-2025", task, unit, 2025)

    def acks(self) -> list[dict[str, Any]]:
        return ack_records(self.store)

    def login(self, client: httpx.Client) -> None:
        csrf = _csrf(client.get("/login").text)
        response = client.post(
            "/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf}
        )
        assert response.status_code == 303


SiteFactory = Callable[..., Site]


@pytest.fixture
def make_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SiteFactory]:
    """Start the web app with extra ``[web]`` settings lines (and a password hash)."""
    servers: list[WebServer] = []

    def start(web: str = "", password_hash: str | None = None) -> Site:
        port = free_port()
        monkeypatch.setenv(
            "REMINDER_WEB__ADMIN_PASSWORD_HASH", password_hash or hash_password(PASSWORD)
        )
        monkeypatch.setenv("REMINDER_ZALO__OA_SECRET_KEY", "oa-secret")
        settings = (
            f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
            f"bad_token_limit = 5\n{web}\n"
        )
        cfg = config.load(write_config(tmp_path / f"config-{port}", UNITS, TASKS, settings))
        store = TinyDBStore(tmp_path / f"data-{port}")
        now = [NOW]
        app = create_app(cfg, store, "web-secret", clock=lambda: now[0])
        server = WebServer(app, port).__enter__()
        servers.append(server)
        return Site(server.url, store, now, app.state.web)

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


# -- 4. bodies are bounded ---------------------------------------------------------------------


def test_oversized_bodies_are_refused_while_reading(make_site: SiteFactory) -> None:
    site = make_site()
    big = b"x" * (65 * 1024)
    url = f"{site.url}/ack/{site.token()}"
    csrf = _csrf(httpx.get(url).text)
    # Declared too long: refused before reading, with a page in Vietnamese.
    response = httpx.post(f"{site.url}/zalo/webhook", content=big)
    assert response.status_code == 413
    assert "Nội dung gửi lên quá lớn" in response.text
    assert "Too Large" not in response.text
    assert "content-security-policy" in response.headers
    form = {"csrf": csrf, "state": "done", "note": "x" * (65 * 1024)}
    response = httpx.post(url, data=form)
    assert response.status_code == 413
    assert "Nội dung gửi lên quá lớn" in response.text
    # Also where the handler would never read the body.
    response = httpx.request("GET", f"{site.url}/login", content=big)
    assert response.status_code == 413
    assert "Nội dung gửi lên quá lớn" in response.text

    # Streamed without a length: refused once 64 KB have arrived.
    def chunks() -> Iterator[bytes]:
        for _ in range(1000):
            yield b"x" * 1024

    response = httpx.post(f"{site.url}/zalo/webhook", content=chunks())
    assert response.status_code == 413
    assert "Nội dung gửi lên quá lớn" in response.text
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    response = httpx.post(f"{site.url}/login", content=chunks(), headers=form_type)
    assert response.status_code == 413
    assert "Nội dung gửi lên quá lớn" in response.text
    assert site.acks() == []
    # A form of ordinary size still works.
    assert httpx.post(url, data={"csrf": csrf, "state": "done"}).status_code == 200


# -- 5. proxy headers and throttles --------------------------------------------------------------


def _wrong_logins(site: Site, count: int, forwarded: Callable[[int], str]) -> list[int]:
    codes = []
    with httpx.Client(base_url=site.url) as client:
        for i in range(count):
            csrf = _csrf(client.get("/login").text)
            response = client.post(
                "/login",
                data={"username": "admin", "password": f"doan-{i}", "csrf": csrf},
                headers={"X-Forwarded-For": forwarded(i)},
            )
            codes.append(response.status_code)
    return codes


def test_rotating_x_forwarded_for_does_not_bypass_the_login_throttle(
    make_site: SiteFactory,
) -> None:
    site = make_site()
    codes = _wrong_logins(site, 8, lambda i: f"203.0.113.{i}")
    assert codes == [401] * 5 + [429] * 3
    with httpx.Client(base_url=site.url) as client:  # even the right password waits now
        csrf = _csrf(client.get("/login").text)
        response = client.post(
            "/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf}
        )
        assert response.status_code == 429


def test_proxy_headers_are_honoured_only_from_trusted_proxies(make_site: SiteFactory) -> None:
    untrusted = make_site()
    trusted = make_site('trusted_proxies = ["127.0.0.1"]')
    for site, expected in ((untrusted, "127.0.0.1"), (trusted, "198.51.100.7")):
        url = f"{site.url}/ack/{site.token()}"
        csrf = _csrf(httpx.get(url).text)
        response = httpx.post(
            url,
            data={"csrf": csrf, "state": "received"},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
        assert response.status_code == 200
        [event] = site.acks()
        assert str(event["by"]).split()[0] == expected


def test_the_account_is_throttled_whatever_addresses_the_guesses_come_from(
    make_site: SiteFactory,
) -> None:
    # Through a trusted proxy every guess has its own client address: the per-address throttle
    # never trips, the per-account one does.
    site = make_site('trusted_proxies = ["127.0.0.1"]')
    codes = _wrong_logins(site, 7, lambda i: f"203.0.113.{i}")
    assert codes == [401] * 5 + [429] * 2


def test_bad_links_from_one_office_do_not_lock_out_its_good_links(make_site: SiteFactory) -> None:
    site = make_site()
    codes = [httpx.get(f"{site.url}/ack/hong-{i}").status_code for i in range(11)]
    assert codes == [404] * 5 + [429] * 6
    # A colleague behind the same NAT opens a real link: it works, and can be answered.
    url = f"{site.url}/ack/{site.token()}"
    page = httpx.get(url)
    assert page.status_code == 200
    assert httpx.post(url, data={"csrf": _csrf(page.text), "state": "done"}).status_code == 200
    assert len(site.acks()) == 1


# -- 6. argon2 off the event loop ----------------------------------------------------------------


def test_a_slow_password_check_does_not_stall_other_requests(make_site: SiteFactory) -> None:
    # A hash costly enough that one verification takes a good fraction of a second.
    hasher = PasswordHasher(time_cost=20, memory_cost=32 * 1024, parallelism=1)
    site = make_site(password_hash=hasher.hash(PASSWORD))
    with httpx.Client(base_url=site.url) as client:
        csrf = _csrf(client.get("/login").text)
        done = threading.Event()

        def login() -> None:
            try:
                client.post(
                    "/login",
                    data={"username": "admin", "password": "sai", "csrf": csrf},
                    timeout=120,
                )
            finally:
                done.set()

        thread = threading.Thread(target=login)
        thread.start()
        answered = 0
        with httpx.Client(base_url=site.url) as other:
            while not done.is_set():
                assert other.get("/healthz").status_code == 200
                answered += 1
        thread.join()
    # On the event loop, the check would have held every other request until it finished.
    assert answered >= 10


# -- 8. server limits ----------------------------------------------------------------------------


def test_connections_that_never_finish_their_headers_are_closed(make_site: SiteFactory) -> None:
    site = make_site("header_timeout_s = 0.3\nmax_connections = 4")
    port = int(site.url.rsplit(":", 1)[1])
    idle = []
    for _ in range(4):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
        idle.append(sock)
    try:
        # The server hangs up on each of them by itself (recv returns b"" on close).
        for sock in idle:
            assert sock.recv(1024) == b""
    finally:
        for sock in idle:
            sock.close()
    assert httpx.get(f"{site.url}/healthz").status_code == 200


def test_beyond_the_connection_limit_requests_get_503(make_site: SiteFactory) -> None:
    site = make_site("header_timeout_s = 30\nmax_connections = 3")
    port = int(site.url.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(3)]
    try:
        assert httpx.get(f"{site.url}/healthz").status_code == 503
    finally:
        for sock in idle:
            sock.close()


def test_access_logs_never_contain_ack_tokens(
    make_site: SiteFactory, caplog: pytest.LogCaptureFixture
) -> None:
    site = make_site()
    token = site.token()
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        assert httpx.get(f"{site.url}/ack/{token}").status_code == 200
        httpx.get(f"{site.url}/calendar/nv.ics", params={"key": "k" * 32})
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert any("/ack/…" in line for line in lines), lines
    assert any("key=…" in line for line in lines), lines
    assert not any(token in line or "k" * 32 in line for line in lines)


# -- low: headers, CSV, metrics ------------------------------------------------------------------


def test_every_response_carries_a_content_security_policy(make_site: SiteFactory) -> None:
    site = make_site()
    with httpx.Client(base_url=site.url) as client:
        paths = ["/", "/login", f"/ack/{site.token()}", "/ack/hong", "/healthz", "/metrics"]
        responses = [client.get(path) for path in paths]
        site.login(client)
        responses += [client.get(p) for p in ("/", "/units/nv", "/export.csv")]
    for response in responses:
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'none'" in policy, response.url
        assert "frame-ancestors 'none'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"


def test_csv_export_neutralises_spreadsheet_formulas(make_site: SiteFactory) -> None:
    site = make_site()
    hostile = ['=HYPERLINK("http://x.example","bấm")', "+1+1", "-2+3", "@SUM(A1)"]
    site.store.add_acks(
        [
            acks.ack_record("plan-2025", "Q2-01", unit, "done", NOW, "cli", note=note)
            for unit, note in (("nv", hostile[0]), ("tp", hostile[1]))
        ]
    )
    with httpx.Client(base_url=site.url) as client:
        site.login(client)
        text = client.get("/export.csv").text.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    notes = sorted(row["note"] for row in rows)
    assert notes == sorted("'" + h for h in hostile[:2])
    assert all(not row[k].startswith(("=", "+", "-", "@")) for row in rows for k in row)


def test_metrics_need_the_bearer_token_when_one_is_set(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REMINDER_WEB__METRICS_TOKEN", "so-lieu-bi-mat")
    site = make_site()
    assert httpx.get(f"{site.url}/metrics").status_code == 401
    wrong = {"Authorization": "Bearer sai"}
    assert httpx.get(f"{site.url}/metrics", headers=wrong).status_code == 401
    right = {"Authorization": "Bearer so-lieu-bi-mat"}
    response = httpx.get(f"{site.url}/metrics", headers=right)
    assert response.status_code == 200
    assert 'reminder_pairs{state="pending"} 2.0' in response.text


def test_metrics_are_computed_once_per_tick(make_site: SiteFactory) -> None:
    site = make_site()
    assert 'reminder_pairs{state="done"} 0.0' in httpx.get(f"{site.url}/metrics").text
    # Written by another process (CLI, dispatch).
    site.store.add_acks([acks.ack_record("plan-2025", "Q2-01", "nv", "done", NOW, "cli")])
    # Within the same tick the scrape reuses the figures computed for the previous one...
    site.now[0] = NOW + timedelta(seconds=30)
    assert 'reminder_pairs{state="done"} 0.0' in httpx.get(f"{site.url}/metrics").text
    # ...and the next tick sees the new acknowledgment.
    site.now[0] = NOW + timedelta(seconds=61)
    assert 'reminder_pairs{state="done"} 1.0' in httpx.get(f"{site.url}/metrics").text


def _count_reads(site: Site, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the state computations and the store's reads of deliveries from now on."""
    from reminder import state

    calls = {"compute": 0, "deliveries": 0, "message_counts": 0}
    compute = state.compute

    def counted_compute(*args: Any, **kwargs: Any) -> state.Snapshot:
        calls["compute"] += 1
        return compute(*args, **kwargs)

    def counting(name: str) -> Any:
        read = getattr(site.store, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return read(*args, **kwargs)

        return counted

    monkeypatch.setattr(state, "compute", counted_compute)
    for name in ("deliveries", "message_counts"):
        monkeypatch.setattr(site.store, name, counting(name))
    return calls


def test_metrics_and_the_board_share_one_reading_per_tick(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site()
    calls = _count_reads(site, monkeypatch)
    with httpx.Client(base_url=site.url) as client:
        site.login(client)
        assert "Báo cáo sơ kết" in client.get("/").text
        metrics = client.get("/metrics").text
    assert 'reminder_pairs{state="pending"} 2.0' in metrics
    # One computation of the state for the board and the scrape; the messages counted in
    # the store as of the same moment; no record read with its message.
    assert calls == {"compute": 1, "deliveries": 0, "message_counts": 1}


def test_the_state_is_computed_in_the_background_at_start(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site()
    calls = _count_reads(site, monkeypatch)
    site.web.warm().join(timeout=60)
    assert calls["compute"] == 1
    with httpx.Client(base_url=site.url) as client:
        site.login(client)
        assert "Báo cáo sơ kết" in client.get("/").text
    assert calls["compute"] == 1  # the first page found it computed


def test_an_ack_through_the_web_shows_at_once_on_the_board(make_site: SiteFactory) -> None:
    site = make_site()
    with httpx.Client(base_url=site.url) as client:
        site.login(client)
        assert 'data-unit="nv" data-state="pending"' in client.get("/").text
        url = f"/ack/{site.token()}"
        csrf = _csrf(client.get(url).text)
        assert client.post(url, data={"csrf": csrf, "state": "done"}).status_code == 200
        assert 'data-unit="nv" data-state="done"' in client.get("/").text


# -- low: the config directory -------------------------------------------------------------------


def test_a_fifo_in_the_config_dir_is_refused_not_read(tmp_path: Path) -> None:
    target = write_config(tmp_path / "config", UNITS, TASKS)
    (target / "units.toml").unlink()
    os.mkfifo(target / "units.toml")
    # In a child process: reading a FIFO would block for ever, and the test must not.
    result = subprocess.run(
        [sys.executable, "-m", "reminder", "check", "--config-dir", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    said = result.stdout + result.stderr
    assert "units.toml" in said
    assert "không phải tệp thường" in said
    # The real error, then one line that the checks needing the units were skipped, not an
    # "unknown unit" error for every unit the plans and settings name.
    assert "1 lỗi" in said
    assert said.count("units.toml có lỗi: đã bỏ qua việc kiểm tra tên đơn vị") == 1
    assert "không phải mã đơn vị" not in said


# -- 16. the board a page at a time --------------------------------------------------------------


def test_the_board_pages_by_plan_and_quarter(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from reminder.web import board

    site = make_site()
    config_dir = next(tmp_path.glob("config-*"))
    second = (config_dir / "plan-2025.toml").read_text(encoding="utf-8")
    second = second.replace('title = "Kế hoạch thử"', 'title = "Kế hoạch thứ hai"')
    second = second.replace('id = "Q2-01"', 'id = "K2-01"').replace("quarter = 2", "quarter = 3")
    (config_dir / "plan-2025-b.toml").write_text(second, encoding="utf-8")
    app_context = site.web
    app_context.reload(config.load(config_dir))
    with httpx.Client(base_url=site.url) as client:
        site.login(client)
        # Two plans: first the list of plans, with counts and no task rows.
        front = client.get("/").text
        assert 'data-plan="plan-2025"' in front
        assert 'data-plan="plan-2025-b"' in front
        assert 'data-unit="' not in front
        one = client.get("/", params={"plan": "plan-2025-b"}).text
        assert "K2-01" in one
        assert "Q2-01" not in one
        # A plan larger than a page: one quarter at a time, today's (April: Q2) first.
        monkeypatch.setattr(board, "PAGE_PAIRS", 1)
        both = second.replace('id = "K2-01"', 'id = "K3-01"') + (
            '\n[[tasks]]\nid = "K2-09"\nquarter = 2\ntitle = "Việc quý hai"\nlead = ["nv"]\n'
        )
        (config_dir / "plan-2025-b.toml").write_text(both, encoding="utf-8")
        app_context.reload(config.load(config_dir))
        paged = client.get("/", params={"plan": "plan-2025-b"}).text
        assert "K2-09" in paged
        assert "K3-01" not in paged
        assert 'data-quarter="3"' in paged
        q3 = client.get("/", params={"plan": "plan-2025-b", "quarter": "3"}).text
        assert "K3-01" in q3
        assert "K2-09" not in q3
        # A unit with more pairs than a page: its plans first, then one plan.
        unit = client.get("/units/nv").text
        assert 'data-plan="plan-2025-b"' in unit
        assert "K3-01" not in unit
        unit_b = client.get("/units/nv", params={"plan": "plan-2025-b"}).text
        assert "K3-01" in unit_b
        assert "Q2-01" not in unit_b


def test_a_slow_state_is_refreshed_behind_the_page_not_in_front_of_it(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reminder.web import context as web_context

    monkeypatch.setattr(web_context, "SLOW_S", -1.0)  # every computation counts as slow
    site = make_site()
    with httpx.Client(base_url=site.url) as client:
        site.login(client)
        assert 'data-unit="nv" data-state="pending"' in client.get("/").text
        # Written by the CLI meanwhile.
        site.store.add_acks([acks.ack_record("plan-2025", "Q2-01", "nv", "done", NOW, "cli")])
        site.now[0] = NOW + timedelta(seconds=61)  # the next tick
        # The page does not wait: it shows the previous state while the new one is computed...
        assert 'data-unit="nv" data-state="pending"' in client.get("/").text
        # ...and the next pages show the new one.
        assert wait_until(lambda: 'data-unit="nv" data-state="done"' in client.get("/").text)


# -- 10. a store that cannot write -----------------------------------------------------------------


def test_an_ack_that_cannot_be_written_says_so_and_is_not_saved_later(tmp_path: Path) -> None:
    """The real server process with a file size limit (``ulimit -f``): every store write fails
    as on a full disk, until the limit is lifted."""
    import resource

    port = free_port()
    settings = f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
    config_dir = write_config(tmp_path / "config", UNITS, TASKS, settings)
    data_dir = tmp_path / "data"
    store = TinyDBStore(data_dir)  # a store file larger than the limit below
    store.add_acks(
        [
            acks.ack_record("plan-2025", "Q2-01", "tp", "received", NOW, "cli", note="x" * 100)
            for _ in range(200)
        ]
    )
    store.close()
    env = {
        **os.environ,
        "REMINDER_SECRET_KEY": "web-secret",
        "REMINDER_WEB__ADMIN_PASSWORD_HASH": hash_password(PASSWORD),
    }
    limit = 16 * 1024

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    command = [sys.executable, "-m", "reminder", "web", "--now", "2025-04-15T09:00"]
    command += ["--config-dir", str(config_dir), "--data-dir", str(data_dir)]
    server = subprocess.Popen(
        command,
        env=env,
        preexec_fn=limited,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            try:
                httpx.get(f"{url}/healthz")
            except httpx.TransportError:
                return False
            return True

        assert wait_until(up, 60)
        health = httpx.get(f"{url}/healthz")
        assert health.status_code == 503
        assert "không ghi được" in health.json()["store_write"]
        token = acks.Tokens("web-secret").make("plan-2025", "Q2-01", "nv", 2025)
        page = httpx.get(f"{url}/ack/{token}")
        assert page.status_code == 200
        refused = httpx.post(f"{url}/ack/{token}", data={"csrf": _csrf(page.text), "state": "done"})
        assert refused.status_code == 503
        assert "Chưa ghi được, thử lại" in refused.text
        # Space again: the refused ack must not turn up with the next write.
        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (-1, -1))
        assert httpx.get(f"{url}/healthz").status_code == 200
        other = acks.Tokens("web-secret").make("plan-2025", "Q2-01", "tp", 2025)
        page = httpx.get(f"{url}/ack/{other}")
        answer = httpx.post(f"{url}/ack/{other}", data={"csrf": _csrf(page.text), "state": "done"})
        assert answer.status_code == 200
    finally:
        server.terminate()
        server.wait(30)
    recorded = [(a["unit"], a["state"]) for a in ack_records(TinyDBStore(data_dir))]
    assert ("tp", "done") in recorded
    assert ("nv", "done") not in recorded

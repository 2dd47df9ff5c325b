"""Board accounts: the ``user`` and ``audit`` commands, logging in by name, sessions that end
on the server (logout, ``user remove``), and the environment's first administrator."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from reminder import config
from reminder.schedule import LOCAL_TZ
from reminder.store.tinydb import TinyDBStore
from reminder.web import create_app, hash_password
from tests.conftest import CliResult, write_config
from tests.servers import WebServer, free_port

NOW = datetime(2025, 4, 15, 9, 0, tzinfo=LOCAL_TZ)
UNITS: list[dict[str, object]] = [{"id": "nv", "name": "Phòng Nội vụ", "email": ["nv@x.vn"]}]
TASKS: list[dict[str, object]] = [{"id": "Q2-01", "quarter": 2, "title": "Báo cáo", "lead": ["nv"]}]

Cli = Callable[..., CliResult]


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[str, str]:
    cfg = write_config(tmp_path / "config", UNITS, TASKS)
    return str(cfg), str(tmp_path / "data")


def _user(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, dirs: tuple[str, str], *args: str, stdin: str = ""
) -> CliResult:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli("user", *args, "--config-dir", dirs[0], "--data-dir", dirs[1])


def test_user_commands_add_list_passwd_remove_and_audit(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, dirs: tuple[str, str]
) -> None:
    code, out, _ = _user(
        cli, monkeypatch, dirs, "add", "chu-tich", "--role", "viewer", "--password-stdin",
        stdin="mat-khau-chu-tich\n",
    )  # fmt: skip
    assert (code, out.strip()) == (0, "Đã thêm tài khoản chu-tich (chỉ xem).")
    code, _, err = _user(
        cli, monkeypatch, dirs, "add", "chu-tich", "--role", "admin", "--password-stdin",
        stdin="mot-mat-khau-khac\n",
    )  # fmt: skip
    assert code == 2
    assert "đã có tài khoản 'chu-tich'" in err
    code, _, err = _user(
        cli, monkeypatch, dirs, "add", "Chủ Tịch", "--role", "admin", "--password-stdin",
        stdin="mot-mat-khau-khac\n",
    )  # fmt: skip
    assert code == 2
    assert "không dùng được" in err
    code, _, err = _user(
        cli, monkeypatch, dirs, "add", "ngan", "--role", "admin", "--password-stdin", stdin="ngan\n"
    )
    assert code == 2
    assert "ít nhất 10 ký tự" in err
    code, out, _ = _user(cli, monkeypatch, dirs, "list", "--format", "json")
    assert code == 0
    assert [(a["name"], a["role"]) for a in json.loads(out)] == [("chu-tich", "viewer")]
    code, out, _ = _user(
        cli,
        monkeypatch,
        dirs,
        "passwd",
        "chu-tich",
        "--password-stdin",
        stdin="mat-khau-moi-2025\n",
    )
    assert code == 0
    code, _, err = _user(cli, monkeypatch, dirs, "remove", "khong-co")
    assert code == 2
    assert "không có tài khoản 'khong-co'" in err
    code, out, _ = _user(cli, monkeypatch, dirs, "remove", "chu-tich")
    assert code == 0
    assert "Đã xóa tài khoản chu-tich" in out
    code, out, _ = cli("audit", "--format", "json", "--config-dir", dirs[0], "--data-dir", dirs[1])
    assert code == 0
    entries = json.loads(out)
    assert [e["action"] for e in entries] == ["user_add", "user_passwd", "user_remove"]
    assert all(e["actor"].startswith("dòng lệnh") for e in entries)
    code, out, _ = cli("audit", "--config-dir", dirs[0], "--data-dir", dirs[1])
    assert "thêm tài khoản chu-tich (chỉ xem)" in out


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path, Path]]:
    port = free_port()
    monkeypatch.setenv("REMINDER_WEB__ADMIN_PASSWORD_HASH", hash_password("mat-khau-moi-truong"))
    settings = f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
    cfg_dir = write_config(tmp_path / "config", UNITS, TASKS, settings)
    cfg = config.load(cfg_dir)
    store = TinyDBStore(tmp_path / "data")
    app = create_app(cfg, store, "acc-secret", clock=lambda: NOW)
    with WebServer(app, port) as server:
        yield server.url, cfg_dir, tmp_path / "data"


def _login(client: httpx.Client, name: str, password: str) -> httpx.Response:
    csrf = _csrf(client.get("/login").text)
    return client.post("/login", data={"username": name, "password": password, "csrf": csrf})


def test_logout_and_user_remove_end_sessions_on_the_server(
    site: tuple[str, Path, Path], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cfg_dir, data_dir = site
    dirs = (str(cfg_dir), str(data_dir))
    _user(
        cli, monkeypatch, dirs, "add", "chu-tich", "--role", "viewer", "--password-stdin",
        stdin="mat-khau-chu-tich\n",
    )  # fmt: skip
    with httpx.Client(base_url=url) as admin, httpx.Client(base_url=url) as viewer:
        assert _login(admin, "admin", "sai-mat-khau").status_code == 401
        assert _login(admin, "admin", "mat-khau-moi-truong").status_code == 303  # the env admin
        assert _login(viewer, "chu-tich", "mat-khau-chu-tich").status_code == 303
        assert viewer.get("/").status_code == 200
        copied = dict(admin.cookies)
        board = admin.get("/")
        assert board.status_code == 200
        assert admin.post("/logout", data={"csrf": _csrf(board.text)}).status_code == 303
        # The copied cookie is signed and young, but its session is gone.
        replay = httpx.get(f"{url}/", cookies=copied)
        assert replay.status_code == 303
        _user(cli, monkeypatch, dirs, "remove", "chu-tich")
        assert viewer.get("/").status_code == 303
        assert _login(viewer, "chu-tich", "mat-khau-chu-tich").status_code == 401
    _, out, _ = cli("audit", "--format", "json", "--config-dir", dirs[0], "--data-dir", dirs[1])
    actions = [(e["actor"], e["action"]) for e in json.loads(out)]
    assert ("admin", "login") in actions
    assert ("admin", "logout") in actions
    assert ("chu-tich", "login") in actions

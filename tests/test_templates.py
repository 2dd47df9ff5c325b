"""Templates: built into the package, overridden from a directory by administrators.

An override takes effect in a real email (aiosmtpd), a real Zalo Bot message (the local Bot
server) and a real web page (uvicorn); ``reminder check`` names a broken one; a running service
refuses a broken edit and keeps rendering with the templates it validated."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from importlib.resources import files
from pathlib import Path

import httpx
import pytest

from reminder import acks, config, templating
from reminder.channels.zalo import records
from reminder.dispatch import Dispatcher
from reminder.labels import LOCAL_TZ
from reminder.service import Clock, Service
from reminder.store.tinydb import TinyDBStore
from reminder.web import create_app
from tests.conftest import CliResult, write_config
from tests.servers import SmtpServer, WebServer, ZaloServer, free_port

OPEN_DAY = datetime(2025, 4, 1, 9, 0, tzinfo=LOCAL_TZ)
UNITS: list[dict[str, object]] = [
    {"id": "nv", "name": "Phòng Nội vụ", "email": ["nv@huyen.example"]},
    {"id": "tp", "name": "Phòng Tư pháp"},  # reached on Zalo only
]
TASKS: list[dict[str, object]] = [
    {"id": "Q2-01", "quarter": 2, "title": "Báo cáo <sơ kết> & đánh giá", "lead": ["nv", "tp"]},
]
EMAIL_TEXT = "Văn phòng UBND huyện kính báo {{ unit.name }}: {{ items | length }} việc.\n"
ZALO_TEXT = "UBND huyện nhắc {{ unit.name }}:{% for item in items %} {{ item.task_id }}{% endfor %}"


def builtin_source(name: str) -> str:
    """A built-in template's text, as an administrator copies it from reminder/templates/."""
    return files("reminder").joinpath("templates", *name.split("/")).read_text(encoding="utf-8")


def _override(directory: Path, name: str, text: str) -> None:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _config_dir(tmp_path: Path, settings: str = "") -> Path:
    return write_config(
        tmp_path / "config",
        UNITS,
        TASKS,
        f'templates_dir = "{tmp_path / "mau"}"\n{settings}',
    )


def test_the_built_in_templates_ship_inside_the_package() -> None:
    names = templating.builtin_names()
    assert {"email/reminder.txt", "zalo/reminder.txt", "web/ack.html"} <= set(names)
    # The override directory's guide lists every one of them.
    guide = (Path(__file__).resolve().parent.parent / "templates" / "README.md").read_text(
        encoding="utf-8"
    )
    assert [n for n in names if f"`{n}`" not in guide] == []


def test_without_an_override_directory_the_built_ins_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./templates here
    cfg = config.load(write_config(tmp_path / "config", UNITS, TASKS))
    assert cfg.templates.directory is None
    assert cfg.templates.overridden == ()
    store = TinyDBStore(tmp_path / "data")
    report = Dispatcher(cfg, store, secret="s").run(OPEN_DAY, dry_run=True)
    (nv,) = [m for m in report.planned if m.recipient == "nv"]
    assert nv.text.startswith("Kính gửi: Phòng Nội vụ,")


def test_a_templates_directory_beside_the_command_is_the_default_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _override(tmp_path / "templates", "email/reminder.subject.txt", "Nhắc việc {{ unit.name }}")
    (tmp_path / "templates" / "README.md").write_text("# Hướng dẫn", encoding="utf-8")
    cfg = config.load(write_config(tmp_path / "config", UNITS, TASKS))
    assert cfg.templates.directory == Path("templates")
    assert cfg.templates.overridden == ("email/reminder.subject.txt",)
    # The README is not taken for a template.
    assert [p for p in cfg.warnings if p.file and "templates" in p.file.parts] == []


def test_an_override_takes_effect_in_email_and_zalo_messages(
    tmp_path: Path,
    smtp_server: SmtpServer,
    zalo_server: ZaloServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REMINDER_ZALO_BOT__TOKEN", zalo_server.fake.bot_token)
    monkeypatch.setenv("REMINDER_ZALO_BOT__SECRET_TOKEN", "bot-secret")
    _override(tmp_path / "mau", "email/reminder.txt", EMAIL_TEXT)
    _override(tmp_path / "mau", "zalo/reminder.txt", ZALO_TEXT)
    settings = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
        f'[zalo_bot]\napi_base = "{zalo_server.url}"\ntimeout = 2\n'
        '[channels]\norder = ["zalo_bot", "email"]\n'
    )
    cfg = config.load(_config_dir(tmp_path, settings))
    store = TinyDBStore(tmp_path / "data")
    records.add_link(store, "tp", "chat-tp", "", OPEN_DAY)
    report = Dispatcher(cfg, store, secret="s").run(OPEN_DAY)
    assert sorted(report.sent) == ["nv/email/2025-04-01", "tp/zalo_bot/2025-04-01"]

    (mail,) = smtp_server.sink.to("nv@")
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert text.get_content().strip() == "Văn phòng UBND huyện kính báo Phòng Nội vụ: 1 việc."
    assert "Kính gửi" in html.get_content()  # templates not overridden stay the built-ins

    (chat,) = zalo_server.fake.bot_sent
    assert chat["chat_id"] == "chat-tp"
    assert chat["text"] == "UBND huyện nhắc Phòng Tư pháp: Q2-01"


def test_an_override_takes_effect_in_a_web_page_still_autoescaped(tmp_path: Path) -> None:
    base = builtin_source("web/base.html")
    banner = '<p id="co-quan">Ủy ban nhân dân huyện Nguyên Bình</p>'
    assert "<body>\n" in base
    _override(tmp_path / "mau", "web/base.html", base.replace("<body>\n", f"<body>\n{banner}\n"))
    port = free_port()
    cfg = config.load(_config_dir(tmp_path, f'[web]\nbase_url = "http://127.0.0.1:{port}"\n'))
    store = TinyDBStore(tmp_path / "data")
    app = create_app(cfg, store, "web-secret", clock=lambda: OPEN_DAY)
    token = acks.Tokens("web-secret").make("plan-2025", "Q2-01", "nv", 2025)
    with WebServer(app, port) as server:
        response = httpx.get(f"{server.url}/ack/{token}")
    assert response.status_code == 200
    assert banner in response.text
    assert "Báo cáo &lt;sơ kết&gt; &amp; đánh giá" in response.text
    assert "<sơ kết>" not in response.text


def test_check_names_a_broken_override_by_file_and_line(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    broken = "Kính gửi {{ unit.name }}\n{% for item in items %}\n- {{ item.title }}\n{% endfro %}\n"
    _override(tmp_path / "mau", "email/reminder.txt", broken)
    code, out, err = cli("check", "--config-dir", str(_config_dir(tmp_path)))
    assert code == 2
    path = tmp_path / "mau" / "email" / "reminder.txt"
    (line,) = [line for line in err.splitlines() if str(path) in line]
    assert line.startswith(f"{path}:4: LỖI: mẫu email/reminder.txt sai cú pháp Jinja")
    assert "sửa dòng 4" in line
    assert "reminder/templates/email/reminder.txt" in line  # where to compare with
    assert "Traceback" not in err + out


def test_check_warns_of_overrides_that_are_never_used_or_read_unknown_values(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    directory = tmp_path / "mau"
    _override(directory, "email/nhac-viec.txt", "{{ unit.name }}")  # no such template
    # A typo of "heading" in a branch the trial render does not take (an error page always
    # has a heading): a warning only.
    page = (
        '{% extends "web/base.html" %}{% block body %}{{ heading }}'
        "{% if not heading %}{{ headng }}{% endif %}{% endblock %}"
    )
    _override(directory, "web/error.html", page)
    _override(directory, "web/base.html", builtin_source("web/base.html"))
    code, out, err = cli("check", "--config-dir", str(_config_dir(tmp_path)))
    assert code == 0, err
    assert f"Mẫu riêng đang dùng ({directory}): web/base.html, web/error.html." in out
    warnings = sorted(line for line in err.splitlines() if str(directory) in line)
    assert len(warnings) == 2, err
    assert "email/nhac-viec.txt không trùng tên mẫu có sẵn nào nên không được dùng" in warnings[0]
    assert 'mẫu web/error.html dùng biến "headng" mà bản gốc không dùng' in warnings[1]


def test_check_refuses_an_include_of_a_template_that_does_not_exist(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    _override(tmp_path / "mau", "web/error.html", '{% extends "web/khung.html" %}')
    code, _, err = cli("check", "--config-dir", str(_config_dir(tmp_path)))
    assert code == 2
    assert 'mẫu web/error.html dùng mẫu "web/khung.html" nhưng không có mẫu nào tên như vậy' in err


def test_a_missing_override_directory_is_named(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    code, _, err = cli("check", "--config-dir", str(_config_dir(tmp_path)))
    assert code == 2
    assert f"[templates_dir] không tìm thấy thư mục mẫu thư {tmp_path / 'mau'}" in err


def test_the_service_refuses_a_broken_override_and_keeps_the_templates_it_validated(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "mau"
    subject = directory / "email" / "reminder.subject.txt"
    _override(directory, "email/reminder.subject.txt", "Lần một: {{ unit.name }}")
    config_dir = _config_dir(tmp_path)
    loaded = config.load(config_dir)
    service = Service(config_dir, tmp_path / "data", Clock(OPEN_DAY), loaded)

    def subjects() -> set[str]:
        report = service.dispatcher.run(OPEN_DAY, dry_run=True)
        return {m.subject for m in report.planned}

    try:
        assert subjects() == {"Lần một: Phòng Nội vụ", "Lần một: Phòng Tư pháp"}
        # A broken edit, before any reload: what is running does not read it.
        subject.write_text("Lần hai: {{ unit.name }", encoding="utf-8")
        assert subjects() == {"Lần một: Phòng Nội vụ", "Lần một: Phòng Tư pháp"}
        assert not service.reload("thử")
        assert service.pending is None
        assert subjects() == {"Lần một: Phòng Nội vụ", "Lần một: Phòng Tư pháp"}
        # Fixed: the reload validates it and the next tick puts it in use, web app included.
        subject.write_text("Lần hai: {{ unit.name }}", encoding="utf-8")
        assert service.reload("thử")
        asyncio.run(service.tick())  # sends the day's messages to the file outbox
        sent = [
            json.loads(p.read_text(encoding="utf-8"))["message"]["subject"]
            for p in (tmp_path / "data" / "outbox").rglob("*.json")
        ]
        assert sorted(sent) == ["Lần hai: Phòng Nội vụ", "Lần hai: Phòng Tư pháp"]
        assert service.app.state.web.renderer.templates is service.config.templates
    finally:
        service.store.close()


def test_check_fills_in_a_sample_message_and_names_the_failing_line(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    _override(
        tmp_path / "mau", "email/reminder.txt", "Kính gửi {{ unit.name }}\n{{ items[0].titel }}\n"
    )
    code, out, err = cli("check", "--config-dir", str(_config_dir(tmp_path)))
    assert code == 2
    path = tmp_path / "mau" / "email" / "reminder.txt"
    assert f"{path}:2: LỖI: mẫu email/reminder.txt lỗi khi thử điền một thư mẫu" in err
    assert "titel" in err
    assert "Traceback" not in err + out


def test_an_override_failing_on_one_message_falls_back_to_the_built_in_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Passes check (the sample message has one task) but fails for a unit with two tasks.
    text = "{{ unit.name }}{% if items | length > 1 %} {{ items[1].titel }}{% endif %}\n"
    _override(tmp_path / "mau", "email/reminder.txt", text)
    tasks = [*TASKS, {**TASKS[0], "id": "Q2-02", "title": "Việc thứ hai"}]
    cfg = config.load(
        write_config(tmp_path / "config", UNITS, tasks, f'templates_dir = "{tmp_path / "mau"}"\n')
    )
    report = Dispatcher(cfg, TinyDBStore(tmp_path / "data"), secret="s").run(OPEN_DAY)
    assert sorted(report.sent) == ["nv/file/2025-04-01", "tp/file/2025-04-01"]  # nothing stopped
    texts = {m.recipient: m.text for m in report.planned}
    assert texts["nv"].startswith("Kính gửi: Phòng Nội vụ,")  # the built-in text
    failures = [
        r for r in caplog.records if "mẫu riêng dùng cho email/reminder.txt lỗi" in r.message
    ]
    assert len(failures) == 1  # said once, not once per message
    assert "titel" in failures[0].message

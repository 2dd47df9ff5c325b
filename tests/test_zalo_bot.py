"""The Zalo Bot channel and self-service onboarding, against a local server speaking the Bot
Platform's shapes and the web app over real HTTP: invite -> link -> reminder -> "xong" -> done,
the refusals, the splitting of long reminders, and updates handled once across processes."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from reminder import acks, config
from reminder.channels.zalo import inbound, inbox, records
from reminder.channels.zalo.bot import BotUpdate, parse_update
from reminder.config import Config
from reminder.dispatch import Dispatcher
from reminder.schedule import LOCAL_TZ
from reminder.store import Store
from reminder.store.tinydb import TinyDBStore
from reminder.web import create_app
from tests.conftest import CliResult, ack_records, delivery_records, write_config
from tests.servers import WebServer, ZaloServer, bot_update, free_port, wait_until

SECRET = "bot-webhook-secret-123"
NOW = datetime(2025, 3, 31, 9, 0, tzinfo=LOCAL_TZ)
OPEN_DAY = datetime(2025, 4, 1, 8, 5, tzinfo=LOCAL_TZ)
UNITS: list[dict[str, object]] = [
    {"id": "nv", "name": "Phòng Nội vụ", "email": ["nv@huyen.example"]},
    {"id": "tp", "name": "Phòng Tư pháp"},
]
TASKS: list[dict[str, object]] = [
    {"id": "Q2-01", "quarter": 2, "title": "Báo cáo sơ kết", "lead": ["nv"]},
    {"id": "Q2-02", "quarter": 2, "title": "Kiểm tra hồ sơ", "lead": ["nv"], "support": ["tp"]},
    {"id": "Q3-01", "quarter": 3, "title": "Tổng kết quý III", "lead": ["nv"]},
]


@pytest.fixture
def bot_env(monkeypatch: pytest.MonkeyPatch, zalo_server: ZaloServer) -> None:
    monkeypatch.setenv("REMINDER_ZALO_BOT__TOKEN", zalo_server.fake.bot_token)
    monkeypatch.setenv("REMINDER_ZALO_BOT__SECRET_TOKEN", SECRET)


def _settings(server: ZaloServer, port: int = 8080, order: str = '["zalo_bot", "webhook"]') -> str:
    return (
        f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
        f'[zalo_bot]\napi_base = "{server.url}"\nname = "Bot Nhắc việc huyện"\ntimeout = 2\n'
        f'[webhook]\nurl = "{server.url}/hook"\ntimeout = 2\n'
        f"[channels]\norder = {order}\n"
    )


@dataclass
class Office:
    """A configured service: config dir, store, the fake Zalo, and the web app when started."""

    config_dir: Path
    data_dir: Path
    cfg: Config
    store: Store
    zalo: ZaloServer
    url: str = ""

    def post(self, update: dict[str, Any], secret: str | bytes | None = SECRET) -> httpx.Response:
        headers: dict[bytes, bytes] = {}
        if secret is not None:
            headers[b"X-Bot-Api-Secret-Token"] = (
                secret if isinstance(secret, bytes) else secret.encode()
            )
        body = {"ok": True, "result": update}
        return httpx.post(f"{self.url}/zalo/bot", json=body, headers=headers, timeout=10)

    def say(self, chat: str, text: str, message_id: str) -> str:
        """Send ``text`` from ``chat`` through the webhook; the bot's reply to that chat."""
        before = len(self.replies(chat))
        response = self.post(bot_update(chat, text, message_id))
        assert response.status_code == 200, response.text
        assert wait_until(lambda: len(self.replies(chat)) > before), "no reply"
        return self.replies(chat)[-1]

    def replies(self, chat: str) -> list[str]:
        return [m["text"] for m in self.zalo.fake.bot_sent if m["chat_id"] == chat]

    def acks(self) -> list[dict[str, Any]]:
        return ack_records(self.store)

    def links(self) -> list[records.ChatLink]:
        return records.links(self.store)

    def invite(self, cli: Callable[..., CliResult], unit: str, now: datetime = NOW) -> str:
        code, out, _ = cli(*self.args("invite", unit, "--format", "json", "--now", now.isoformat()))
        assert code == 0
        return str(json.loads(out)["code"])

    def args(self, *words: str) -> list[str]:
        return [*words, "--config-dir", str(self.config_dir), "--data-dir", str(self.data_dir)]

    def files(self) -> dict[str, bytes]:
        """Every data file (the change logs of records and acks included)."""
        paths = [*self.data_dir.glob("*.json"), *self.data_dir.glob("*.log")]
        return {p.name: p.read_bytes() for p in paths}


def _office(tmp_path: Path, server: ZaloServer, port: int = 8080, **kwargs: Any) -> Office:
    config_dir = write_config(tmp_path / "config", UNITS, TASKS, _settings(server, port, **kwargs))
    data_dir = tmp_path / "data"
    return Office(config_dir, data_dir, config.load(config_dir), TinyDBStore(data_dir), server)


@pytest.fixture
def office(tmp_path: Path, zalo_server: ZaloServer, bot_env: None) -> Iterator[Office]:
    port = free_port()
    office = _office(tmp_path, zalo_server, port)
    app = create_app(office.cfg, office.store, "web-secret", clock=lambda: NOW)
    with WebServer(app, port) as server:
        office.url = server.url
        yield office


def test_invite_link_remind_acknowledge_done(office: Office, cli: Callable[..., CliResult]) -> None:
    code, out, _ = cli(*office.args("invite", "nv", "--format", "json", "--now", NOW.isoformat()))
    assert code == 0
    invite = json.loads(out)
    assert set(invite) == {"unit", "code", "expires", "text"}
    assert invite["unit"] == "nv"
    assert invite["expires"] == (NOW + timedelta(days=7)).isoformat()
    assert invite["code"] in invite["text"]
    assert "Bot Nhắc việc huyện" in invite["text"]
    assert invite["text"].startswith("Nhắn mã")

    reply = office.say("chat-a", invite["code"].lower().replace("-", " "), "m1")
    assert "Phòng Nội vụ" in reply
    assert [(x.unit, x.chat_id, x.name) for x in office.links()] == [("nv", "chat-a", "Cán bộ")]
    code, out, _ = cli(*office.args("zalo-bot", "links"))
    assert "nv\tPhòng Nội vụ\tchat-a" in out

    report = Dispatcher(office.cfg, office.store, secret="web-secret").run(OPEN_DAY)
    assert "nv/zalo_bot/2025-04-01" in report.sent
    (reminder,) = office.replies("chat-a")[1:]
    assert "Q2-01" in reminder
    assert "Q2-02" in reminder
    assert "/ack/" in reminder

    reply = office.say("chat-a", "Xong q2-01, Q2-02", "m2")
    assert "Q2-01 (Phòng Nội vụ): đã hoàn thành" in reply
    assert "Q2-02 (Phòng Nội vụ): đã hoàn thành" in reply
    events = office.acks()
    assert sorted((e["task"], e["unit"], e["state"], e["source"]) for e in events) == [
        ("Q2-01", "nv", "done", "zalo_bot"),
        ("Q2-02", "nv", "done", "zalo_bot"),
    ]
    # Done stops the reminders: the next working day's pass sends nothing to nv.
    later = Dispatcher(office.cfg, office.store, secret="web-secret").run(
        datetime(2025, 6, 23, 8, 5, tzinfo=LOCAL_TZ)
    )
    assert not [k for k in later.sent if k.startswith("nv/")]


def test_acknowledging_is_tone_and_case_blind_and_reports_the_resulting_state(
    office: Office, cli: Callable[..., CliResult]
) -> None:
    office.say("chat-a", office.invite(cli, "nv"), "m1")
    reply = office.say("chat-a", "DA NHAN Q2-01", "m2")
    assert "Q2-01 (Phòng Nội vụ): đã nhận" in reply
    reply = office.say("chat-a", "đã nhận q2-01 Q9-99", "m3")
    assert "Q2-01 (Phòng Nội vụ): đã nhận" in reply
    assert "Q9-99" in reply
    reply = office.say("chat-a", "hoàn thành Q2-01", "m4")
    assert "Q2-01 (Phòng Nội vụ): đã hoàn thành" in reply
    reply = office.say("chat-a", "Đã nhận Q2-01", "m5")  # the latest event wins
    assert "Q2-01 (Phòng Nội vụ): đã nhận" in reply


def test_viec_lists_open_tasks_with_due_dates(
    office: Office, cli: Callable[..., CliResult]
) -> None:
    office.say("chat-a", office.invite(cli, "nv"), "m1")
    office.say("chat-a", "xong Q2-01", "m2")
    # NOW is in March: the Q2 tasks have not started; ask in April instead.
    reply = inbound.open_tasks_text(office.cfg, office.store, ["nv"], OPEN_DAY)
    assert "Q2-02: hạn 30/06/2025" in reply
    assert "Q2-01" not in reply  # done
    assert "Q3-01" not in reply  # not started
    assert office.say("chat-a", "Việc", "m3").startswith("Không có việc nào đang mở")


def test_wrong_or_missing_secret_is_refused_and_changes_nothing(
    office: Office, cli: Callable[..., CliResult]
) -> None:
    code = office.invite(cli, "nv")
    before = office.files()
    assert office.post(bot_update("chat-x", code, "m1"), secret=None).status_code == 401
    assert office.post(bot_update("chat-x", code, "m1"), secret="guess-guess").status_code == 403
    assert (
        office.post(bot_update("chat-x", code, "m1"), secret="bốn-phương".encode()).status_code
        == 403
    )
    assert office.files() == before
    assert office.links() == []
    assert office.zalo.fake.bot_sent == []


def test_unlinked_chat_is_told_and_nothing_is_recorded(office: Office) -> None:
    office.say("stranger", "chào", "m0")  # the store is in use: its schema record exists
    kept = ("records-zalo_inbox", "records-zalo_update")  # the inbox, handled ids, their logs
    before = {name: data for name, data in office.files().items() if not name.startswith(kept)}
    reply = office.say("stranger", "xong Q2-01", "m1")
    assert "chưa liên kết" in reply
    assert "chưa liên kết" in office.say("stranger", "việc", "m2")
    assert "chưa liên kết" in office.say("stranger", "xin chào", "m3")
    assert office.acks() == []
    after = {name: data for name, data in office.files().items() if not name.startswith(kept)}
    assert after == before  # every update is kept and handled, and nothing else recorded


def test_linked_chat_gets_help_for_anything_else(
    office: Office, cli: Callable[..., CliResult]
) -> None:
    office.say("chat-a", office.invite(cli, "nv"), "m1")
    reply = office.say("chat-a", "chào bot", "m2")
    assert '"việc"' in reply
    assert "xong" in reply


def test_codes_work_once_and_expire(office: Office, cli: Callable[..., CliResult]) -> None:
    code = office.invite(cli, "nv")
    assert "Phòng Nội vụ" in office.say("chat-a", code, "m1")
    assert "đã được dùng" in office.say("chat-b", code, "m2")
    old = office.invite(cli, "nv", now=NOW - timedelta(days=8))
    assert "hết hạn" in office.say("chat-c", old, "m3")
    assert "không đúng" in office.say("chat-d", "ABCD-EFGH", "m4")
    assert [x.chat_id for x in office.links()] == ["chat-a"]
    # A second officer with a code of their own links to the same unit.
    assert "Phòng Nội vụ" in office.say("chat-b", office.invite(cli, "nv"), "m5")
    assert sorted(x.chat_id for x in office.links()) == ["chat-a", "chat-b"]
    code_, _, _ = cli(*office.args("zalo-bot", "unlink", "nv", "chat-a"))
    assert code_ == 0
    assert [x.chat_id for x in office.links()] == ["chat-b"]
    code_, _, err = cli(*office.args("zalo-bot", "unlink", "nv", "chat-a"))
    assert code_ == 2
    assert "không liên kết" in err


def test_invite_for_an_unknown_unit_is_refused(
    office: Office, cli: Callable[..., CliResult]
) -> None:
    code, _, err = cli(*office.args("invite", "khong-co"))
    assert code == 2
    assert "không có đơn vị" in err


# -- delivery -----------------------------------------------------------------------------------


def _link(store: Store, unit: str, *chats: str) -> None:
    for chat in chats:
        records.add_link(store, unit, chat, "", NOW)


def test_a_reminder_goes_to_every_linked_chat(
    tmp_path: Path, zalo_server: ZaloServer, bot_env: None
) -> None:
    office = _office(tmp_path, zalo_server)
    _link(office.store, "nv", "chat-a", "chat-b")
    Dispatcher(office.cfg, office.store, secret="s").run(OPEN_DAY)
    assert sorted(m["chat_id"] for m in zalo_server.fake.bot_sent) == ["chat-a", "chat-b"]
    record = delivery_records(office.store)["nv/zalo_bot/2025-04-01"]
    assert record["status"] == "sent"
    assert record["receipt"]["detail"].startswith("zalo_bot: 2 cuộc trò chuyện")


@pytest.mark.parametrize(
    ("reply", "status", "code"),
    [
        ((429, {"ok": False, "error_code": 429, "description": "Quota exceeded"}), "retry", "429"),
        ((200, {"ok": False, "error_code": 500, "description": "Internal"}), "retry", "500"),
        ((200, {"ok": False, "error_code": 400, "description": "Invalid chat"}), "failed", "400"),
        ((403, {"ok": False, "error_code": 403, "description": "Forbidden"}), "failed", "403"),
    ],
    ids=["quota-429", "ok-false-500", "ok-false-400", "http-403"],
)
def test_bot_failures_are_transient_or_permanent(
    reply: Any, status: str, code: str, tmp_path: Path, zalo_server: ZaloServer, bot_env: None
) -> None:
    office = _office(tmp_path, zalo_server)
    _link(office.store, "nv", "chat-a")
    zalo_server.fake.bot_replies = [reply]
    dispatcher = Dispatcher(office.cfg, office.store, secret="s")
    dispatcher.run(OPEN_DAY)
    record = delivery_records(office.store)["nv/zalo_bot/2025-04-01"]
    assert record["status"] == status
    assert record["last_error"]["code"] == code
    assert zalo_server.fake.bot_token not in json.dumps(record)  # the token never leaks
    if status == "retry":
        wait = datetime.fromisoformat(record["next_attempt_at"]) - OPEN_DAY
        assert timedelta(seconds=60) <= wait <= timedelta(seconds=120)  # backoff, jittered
        dispatcher.run(datetime.fromisoformat(record["next_attempt_at"]))
        again = delivery_records(office.store)["nv/zalo_bot/2025-04-01"]
        assert again["status"] == "sent"
        assert again["attempts"] == 2
    else:
        dispatcher.run(OPEN_DAY + timedelta(minutes=1))  # the next channel takes over
        assert delivery_records(office.store)["nv/webhook/2025-04-01"]["status"] == "sent"


def test_a_long_reminder_is_split_at_task_boundaries(
    tmp_path: Path, zalo_server: ZaloServer, bot_env: None
) -> None:
    tasks: list[dict[str, object]] = [
        {
            "id": f"Q2-{i:02d}",
            "quarter": 2,
            "title": f"Việc số {i}: " + "báo cáo tổng hợp kết quả thực hiện " * 3,
            "lead": ["nv"],
        }
        for i in range(1, 31)
    ]
    config_dir = write_config(tmp_path / "config", UNITS, tasks, _settings(zalo_server))
    cfg = config.load(config_dir)
    store = TinyDBStore(tmp_path / "data")
    _link(store, "nv", "chat-a")
    Dispatcher(cfg, store, secret="s").run(OPEN_DAY)
    parts = [m["text"] for m in zalo_server.fake.bot_sent]
    assert sum(len(p) for p in parts) >= 5000
    assert len(parts) >= 3
    assert all(len(p) <= 2000 for p in parts)
    for i in range(1, 31):
        holding = [p for p in parts if f"Q2-{i:02d} (" in p]
        assert len(holding) == 1, f"Q2-{i:02d} must be whole in exactly one part"
        block = holding[0].split(f"Q2-{i:02d} (", 1)[1].split("\n\n")[0]
        assert "/ack/" in block  # its ack link travels with it
    numbers = [
        int(line.split(".")[0]) for p in parts for line in p.splitlines() if line[:1].isdigit()
    ]
    assert numbers == list(range(1, 31))  # numbered across the parts


# -- polling and repeats ---------------------------------------------------------------------------


def test_poll_mode_handles_updates_from_get_updates(
    tmp_path: Path, zalo_server: ZaloServer, bot_env: None
) -> None:
    office = _office(tmp_path, zalo_server)
    code = inbound.create_invite(office.cfg, office.store, "nv", NOW).code
    zalo_server.fake.bot_updates = [bot_update("chat-p", code, "p1")]

    async def run() -> None:
        stopping = asyncio.Event()
        task = asyncio.create_task(
            inbox.poll(lambda: office.cfg, office.store, lambda: NOW, stopping)
        )
        for _ in range(500):
            if zalo_server.fake.bot_sent:
                break
            await asyncio.sleep(0.01)
        stopping.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(run())
    assert [x.chat_id for x in office.links()] == ["chat-p"]
    assert "Phòng Nội vụ" in zalo_server.fake.bot_sent[0]["text"]


def _handle_in_process(config_dir: str, data_dir: str, update: dict[str, Any], out: Any) -> None:
    cfg = config.load(Path(config_dir))
    parsed = parse_update(update)
    assert parsed is not None
    store = TinyDBStore(Path(data_dir))
    key = inbox.key_of(parsed.update_id)
    taken = (
        inbox.process(cfg, store, key, inbox.new_holder(), NOW)
        if inbox.receive(store, parsed, NOW)
        else None
    )
    out.put(None if taken is None else taken[1])


def _twice(office: Office, update: dict[str, Any]) -> list[str | None]:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    args = (str(office.config_dir), str(office.data_dir), update, out)
    procs = [context.Process(target=_handle_in_process, args=args) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    return [out.get(timeout=5), out.get(timeout=5)]


def test_two_processes_given_the_same_update_link_and_ack_once(
    tmp_path: Path, zalo_server: ZaloServer, bot_env: None
) -> None:
    office = _office(tmp_path, zalo_server)
    code = inbound.create_invite(office.cfg, office.store, "nv", NOW).code
    replies = _twice(office, bot_update("chat-a", code, "same-1"))
    assert sorted(r is None for r in replies) == [False, True]  # one answers, one stays quiet
    assert len(office.links()) == 1
    replies = _twice(office, bot_update("chat-a", "xong Q2-01", "same-2"))
    assert sorted(r is None for r in replies) == [False, True]
    assert [(e["task"], e["state"]) for e in office.acks()] == [("Q2-01", "done")]


def test_bot_updates_are_parsed_from_the_documented_shape() -> None:
    update = parse_update(bot_update("c1", "xong Q1-01", "abc", name="Chị Lan"))
    assert update == BotUpdate("abc", "c1", "Chị Lan", "xong Q1-01", "PRIVATE")
    assert parse_update({"event_name": "message.sticker.received", "message": {}}) is None
    assert parse_update("nonsense") is None
    assert inbound.parse_reply("Xong Q1-01 và q1-02") == ("done", ["Q1-01", "Q1-02"])
    assert inbound.parse_reply("da nhan Q1-01") == ("received", ["Q1-01"])
    assert inbound.parse_reply("ĐÃ NHẬN Q1-01") == ("received", ["Q1-01"])
    assert inbound.parse_reply("xong") is None


# -- set-webhook -----------------------------------------------------------------------------------


def test_set_webhook_registers_the_public_address_with_the_secret(
    tmp_path: Path,
    zalo_server: ZaloServer,
    bot_env: None,
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    office = _office(tmp_path, zalo_server)
    code, _, err = cli(*office.args("zalo-bot", "set-webhook"))
    assert code == 2
    assert "https" in err  # http://127.0.0.1 is no public address
    monkeypatch.setenv("REMINDER_WEB__BASE_URL", "https://nhacviec.example.gov.vn/")
    code, out, _ = cli(*office.args("zalo-bot", "set-webhook"))
    assert code == 0, out
    assert zalo_server.fake.bot_webhook == {
        "url": "https://nhacviec.example.gov.vn/zalo/bot",
        "secret_token": SECRET,
    }
    assert "bot.NhacViec" in out
    monkeypatch.setenv("REMINDER_ZALO_BOT__SECRET_TOKEN", "short")
    code, _, err = cli(*office.args("zalo-bot", "set-webhook"))
    assert code == 2
    assert "8 đến 256" in err


def test_ack_states_reply_matches_the_store(office: Office, cli: Callable[..., CliResult]) -> None:
    office.say("chat-a", office.invite(cli, "nv"), "m1")
    office.say("chat-a", "đã nhận Q2-02", "m2")
    states = acks.current_states(office.store.ack_events())
    assert states == {("plan-2025", "Q2-02", "nv"): "received"}


def test_check_warns_about_a_bot_that_cannot_receive(
    tmp_path: Path,
    zalo_server: ZaloServer,
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REMINDER_ZALO_BOT__TOKEN", zalo_server.fake.bot_token)
    office = _office(tmp_path, zalo_server, order='["email"]')
    code, _, err = cli("check", "--config-dir", str(office.config_dir))
    assert code == 0  # warnings only: the rest runs
    assert "[REMINDER_ZALO_BOT__SECRET_TOKEN]" in err
    assert "[zalo_bot.mode] Zalo chỉ gửi tin đến địa chỉ https công khai" in err
    assert "[channels.order] Zalo Bot đã bật nhưng không có trong thứ tự kênh" in err
    monkeypatch.setenv("REMINDER_ZALO_BOT__SECRET_TOKEN", SECRET)
    monkeypatch.setenv("REMINDER_WEB__BASE_URL", "https://nhacviec.example.gov.vn")
    code, _, err = cli(
        "check", "--config-dir", str(_office(tmp_path / "b", zalo_server).config_dir)
    )
    assert code == 0
    assert "Zalo" not in err

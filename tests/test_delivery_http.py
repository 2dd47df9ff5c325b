"""Delivery by Zalo OA, ZNS and webhook, against a local server that speaks their shapes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from reminder import config
from reminder.channels.zalo.tokens import ZaloTokens
from reminder.dispatch import Dispatcher
from reminder.schedule import LOCAL_TZ
from reminder.settings import ZaloSettings
from reminder.store import AckEvent, Store
from reminder.store.tinydb import TinyDBStore
from tests.conftest import CliResult, delivery_records, oa_interaction, write_config
from tests.servers import ZaloServer

OPEN_DAY = datetime(2025, 4, 1, 8, 5, tzinfo=LOCAL_TZ)
UNITS: list[dict[str, object]] = [
    {"id": "nv", "name": "Phòng Nội vụ", "zalo_user_id": "1001"},
    {"id": "tp", "name": "Phòng Tư pháp", "phone": "0912 345 678"},
]
TASKS: list[dict[str, object]] = [
    {"id": "Q2-01", "quarter": 2, "title": "Báo cáo sơ kết", "lead": ["nv", "tp"]},
]


@pytest.fixture
def zalo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMINDER_ZALO__ACCESS_TOKEN", "access-1")
    monkeypatch.setenv("REMINDER_ZALO__REFRESH_TOKEN", "refresh-1")
    monkeypatch.setenv("REMINDER_ZALO__APP_ID", "app-1")
    monkeypatch.setenv("REMINDER_ZALO__SECRET_KEY", "app-secret")
    monkeypatch.setenv("REMINDER_WEBHOOK__SECRET", "hook-secret")


def _settings(server: ZaloServer, order: str = '["zalo_oa", "zalo_zns", "webhook"]') -> str:
    return (
        f'[zalo]\napi_base = "{server.url}"\noauth_base = "{server.url}"\n'
        f'zns_base = "{server.url}"\nzns_template_id = "tpl-42"\ntimeout = 0.5\n'
        f'[webhook]\nurl = "{server.url}/hook"\ntimeout = 0.5\n'
        f"[channels]\norder = {order}\n"
    )


def _dispatcher(tmp_path: Path, server: ZaloServer, **kwargs: Any) -> tuple[Dispatcher, Store]:
    settings = _settings(server, **kwargs)
    cfg = config.load(write_config(tmp_path / "config", UNITS, TASKS, settings))
    store = TinyDBStore(tmp_path / "data")
    # The follower wrote to the OA an hour earlier: consultation messages are allowed.
    oa_interaction(store, "1001", OPEN_DAY - timedelta(hours=1))
    return Dispatcher(cfg, store, secret="s"), store


def test_zalo_oa_message_has_the_documented_shape(
    tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    dispatcher, store = _dispatcher(tmp_path, zalo_server)
    report = dispatcher.run(OPEN_DAY)
    assert "nv/zalo_oa/2025-04-01" in report.sent
    (request,) = zalo_server.messages()
    assert request["headers"]["access_token"] == "access-1"
    body = json.loads(request["raw"])
    assert body["recipient"] == {"user_id": "1001"}
    assert "Q2-01" in body["message"]["text"]
    assert len(body["message"]["text"]) <= 2000
    record = delivery_records(store)["nv/zalo_oa/2025-04-01"]
    assert record["status"] == "sent"
    assert record["receipt"]["id"].startswith("msg-")


def test_zns_template_message_by_phone(
    tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    dispatcher, _ = _dispatcher(tmp_path, zalo_server)
    report = dispatcher.run(OPEN_DAY)
    assert "tp/zalo_zns/2025-04-01" in report.sent
    (request,) = zalo_server.messages("/message/template")
    body = json.loads(request["raw"])
    assert body["phone"] == "84912345678"
    assert body["template_id"] == "tpl-42"
    assert body["template_data"]["ma_viec"] == "Q2-01"
    assert body["template_data"]["han_gan_nhat"] == "30/06/2025"
    assert len(body["tracking_id"]) == 32


@pytest.mark.parametrize(
    ("reply", "status", "code"),
    [
        ({"error": -213, "message": "User has not followed the OA"}, "failed", "-213"),
        ({"error": -32, "message": "Exceeded rate limit"}, "retry", "-32"),
        ((500, "internal error"), "retry", "500"),
        ((429, "too many requests"), "retry", "429"),
        ((408, "request timeout"), "retry", "408"),
        ((403, "forbidden"), "failed", "403"),
        (("sleep", 1.0), "retry", "timeout"),
    ],
    ids=["not-follower", "rate-limited", "http-500", "http-429", "http-408", "http-403", "timeout"],
)
def test_zalo_failures_are_recorded_with_the_raw_code(
    reply: Any, status: str, code: str, tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    zalo_server.fake.replies = [reply]
    dispatcher, store = _dispatcher(tmp_path, zalo_server, order='["zalo_oa"]')
    dispatcher.run(OPEN_DAY)
    record = delivery_records(store)["nv/zalo_oa/2025-04-01"]
    assert record["status"] == status
    assert record["last_error"]["code"] == code
    assert record["last_error"]["permanent"] is (status == "failed")
    if status == "retry":
        dispatcher.run(datetime.fromisoformat(record["next_attempt_at"]))
        again = delivery_records(store)["nv/zalo_oa/2025-04-01"]
        assert again["status"] == "sent"
        texts = [json.loads(r["raw"])["message"]["text"] for r in zalo_server.messages()]
        assert len(set(texts)) == 1  # the same rendered message


def test_permanent_zalo_failure_falls_back_to_the_next_channel(
    tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    zalo_server.fake.replies = [{"error": -213, "message": "User has not followed the OA"}]
    dispatcher, store = _dispatcher(tmp_path, zalo_server, order='["zalo_oa", "webhook"]')
    dispatcher.run(OPEN_DAY)
    dispatcher.run(OPEN_DAY + timedelta(minutes=1))
    records = delivery_records(store)
    assert records["nv/zalo_oa/2025-04-01"]["status"] == "failed"
    assert records["nv/webhook/2025-04-01"]["status"] == "sent"
    hooks = [json.loads(r["raw"]) for r in zalo_server.messages("/hook")]
    assert [h["unit"] for h in hooks].count("nv") == 1


def test_expired_token_is_refreshed_once_saved_and_the_message_resent(
    tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    zalo_server.fake.access_tokens = {"access-expired-elsewhere"}
    dispatcher, store = _dispatcher(tmp_path, zalo_server, order='["zalo_oa", "zalo_zns"]')
    report = dispatcher.run(OPEN_DAY)
    assert sorted(report.sent) == ["nv/zalo_oa/2025-04-01", "tp/zalo_zns/2025-04-01"]
    assert zalo_server.fake.refreshes == 1
    refresh = next(r for r in zalo_server.fake.requests if r["path"] == "/v4/oa/access_token")
    assert refresh["headers"]["secret_key"] == "app-secret"
    assert b"grant_type=refresh_token" in refresh["raw"]
    assert b"app_id=app-1" in refresh["raw"]
    state = store.channel_state("zalo").values
    assert state["access_token"] in zalo_server.fake.access_tokens
    assert state["refresh_token"] in zalo_server.fake.refresh_tokens
    assert "refresh-1" not in zalo_server.fake.refresh_tokens  # spent
    assert state["expires_at"]


def test_token_is_refreshed_ahead_of_expiry(
    tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    clock = [datetime(2026, 1, 1, tzinfo=UTC)]
    settings = _settings(zalo_server, order='["zalo_oa"]')
    cfg = config.load(write_config(tmp_path / "config", UNITS, TASKS, settings))
    store = TinyDBStore(tmp_path / "data")
    first = Dispatcher(cfg, store, secret="s", clock=lambda: clock[0])
    oa_interaction(store, "1001", OPEN_DAY - timedelta(hours=1))
    zalo_server.fake.access_tokens = {"x"}  # force the first refresh
    first.run(OPEN_DAY)
    assert zalo_server.fake.refreshes == 1
    clock[0] += timedelta(hours=24, minutes=30)  # 30 min before the 25 h expiry
    second = Dispatcher(cfg, store, secret="s", clock=lambda: clock[0])
    oa_interaction(store, "1001", datetime(2025, 6, 23, 7, 0, tzinfo=LOCAL_TZ))
    paths_before = len(zalo_server.fake.requests)
    second.run(datetime(2025, 6, 23, 8, 5, tzinfo=LOCAL_TZ))
    later = [r["path"] for r in zalo_server.fake.requests[paths_before:]]
    assert later[0] == "/v4/oa/access_token"  # refreshed before sending, not after a failure
    assert zalo_server.fake.refreshes == 2
    assert all(
        r["headers"].get("access_token") in zalo_server.fake.access_tokens
        for r in zalo_server.fake.requests[paths_before + 1 :]
    )


def test_failed_refresh_is_recorded_and_not_repeated_within_a_pass(
    tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    zalo_server.fake.access_tokens = {"nobody-has-this"}
    zalo_server.fake.refresh_fails = True
    dispatcher, store = _dispatcher(tmp_path, zalo_server, order='["zalo_oa", "zalo_zns"]')
    report = dispatcher.run(OPEN_DAY)
    assert report.sent == []
    assert len(report.retry) == 2
    assert zalo_server.fake.refreshes == 1
    for record in delivery_records(store).values():
        assert record["status"] == "retry"
        assert record["last_error"]["code"] == "-14014"
        assert "cấp quyền lại" in record["last_error"]["message"]


def _refresh_in_process(data_dir: str, url: str, out: Any) -> None:
    from reminder.settings import ZaloSettings

    settings = ZaloSettings(
        oauth_base=url,
        access_token="access-1",
        refresh_token="refresh-1",
        app_id="app-1",
        secret_key="app-secret",
    )
    tokens = ZaloTokens(settings, TinyDBStore(Path(data_dir)))
    out.put(asyncio.run(tokens.access_token(rejected="access-1")))


def test_two_processes_never_refresh_twice_at_once(tmp_path: Path, zalo_server: ZaloServer) -> None:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    data = tmp_path / "data"
    TinyDBStore(data)
    procs = [
        context.Process(target=_refresh_in_process, args=(str(data), zalo_server.url, out))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    tokens = {out.get(timeout=5), out.get(timeout=5)}
    assert zalo_server.fake.refreshes == 1
    assert len(tokens) == 1
    assert tokens <= zalo_server.fake.access_tokens


def test_webhook_is_signed_and_carries_an_idempotency_key(
    tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    dispatcher, _ = _dispatcher(tmp_path, zalo_server, order='["webhook"]')
    dispatcher.run(OPEN_DAY)
    requests = zalo_server.messages("/hook")
    assert len(requests) == 2
    for request in requests:
        headers = request["headers"]
        expected = hmac.new(
            b"hook-secret",
            headers["X-Reminder-Timestamp"].encode() + b"." + request["raw"],
            hashlib.sha256,
        ).hexdigest()
        assert headers["X-Reminder-Signature"] == f"sha256={expected}"
        body = json.loads(request["raw"])
        assert headers["Idempotency-Key"] == body["key"]
        assert body["key"].endswith("/webhook/2025-04-01")


@pytest.mark.parametrize(
    ("status", "outcome"), [(500, "retry"), (408, "retry"), (429, "retry"), (400, "failed")]
)
def test_webhook_http_errors(
    status: int, outcome: str, tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    zalo_server.fake.webhook_status = [status, status]
    dispatcher, store = _dispatcher(tmp_path, zalo_server, order='["webhook"]')
    dispatcher.run(OPEN_DAY)
    assert {r["status"] for r in delivery_records(store).values()} == {outcome}


def test_token_refresh_does_not_hold_the_store_lock(
    tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    """While Zalo takes its time to refresh the token, another process still gets the store
    (acks are not blocked behind a network call)."""
    zalo_server.fake.refresh_delay = 1.5
    settings = ZaloSettings(
        oauth_base=zalo_server.url,
        access_token="access-1",
        refresh_token="refresh-1",
        app_id="app-1",
        secret_key="app-secret",
        timeout=10,
    )
    data = tmp_path / "data"
    tokens = ZaloTokens(settings, TinyDBStore(data))
    result: list[str] = []

    def refresh() -> None:
        result.append(asyncio.run(tokens.access_token(rejected="access-1")))

    import threading

    worker = threading.Thread(target=refresh)
    worker.start()
    assert zalo_server.fake.refresh_started.wait(10)
    other = TinyDBStore(data, lock_timeout=0.5)  # as another process would
    # Raises StoreError if the lock were held.
    other.add_acks([AckEvent("p", "t", "u", "done", datetime(2025, 4, 1, tzinfo=UTC), "test")])
    worker.join(10)
    assert result
    assert result[0] in zalo_server.fake.access_tokens
    assert TinyDBStore(data).channel_state("zalo").values["access_token"] == result[0]  # saved


def test_oa_message_outside_the_window_goes_to_the_next_channel_without_calling_zalo(
    tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    settings = _settings(zalo_server, order='["zalo_oa", "webhook"]')
    cfg = config.load(write_config(tmp_path / "config", UNITS, TASKS, settings))
    store = TinyDBStore(tmp_path / "data")
    oa_interaction(store, "1001", OPEN_DAY - timedelta(hours=49))  # free window is 48 h
    dispatcher = Dispatcher(cfg, store, secret="s")
    dispatcher.run(OPEN_DAY)
    assert zalo_server.messages() == []  # Zalo was not asked
    record = delivery_records(store)["nv/zalo_oa/2025-04-01"]
    assert record["status"] == "failed"
    assert record["last_error"]["code"] == "outside-window"
    assert "48 giờ" in record["last_error"]["message"]
    dispatcher.run(OPEN_DAY + timedelta(minutes=1))
    assert delivery_records(store)["nv/webhook/2025-04-01"]["status"] == "sent"


def test_oa_window_follows_the_latest_interaction_and_the_setting(
    tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    settings = _settings(zalo_server, order='["zalo_oa"]').replace(
        "timeout = 0.5\n", "timeout = 0.5\ncs_window_h = 168\n", 1
    )
    cfg = config.load(write_config(tmp_path / "config", UNITS, TASKS, settings))
    store = TinyDBStore(tmp_path / "data")
    oa_interaction(store, "1001", OPEN_DAY - timedelta(days=30))
    oa_interaction(store, "1001", OPEN_DAY - timedelta(days=6))  # the latest wins
    oa_interaction(store, "1001", OPEN_DAY - timedelta(days=20))  # an older event, late
    Dispatcher(cfg, store, secret="s").run(OPEN_DAY)
    assert delivery_records(store)["nv/zalo_oa/2025-04-01"]["status"] == "sent"
    assert len(zalo_server.messages()) == 1


def test_template_messages_wait_for_the_allowed_hours(
    tmp_path: Path, zalo_server: ZaloServer, zalo_env: None
) -> None:
    dispatcher, store = _dispatcher(tmp_path, zalo_server, order='["zalo_zns"]')
    zalo_server.fake.replies = [(500, "busy")]
    dispatcher.run(OPEN_DAY)
    record = delivery_records(store)["tp/zalo_zns/2025-04-01"]
    assert record["status"] == "retry"
    late = datetime(2025, 4, 1, 22, 30, tzinfo=LOCAL_TZ)
    dispatcher.run(late)  # the retry falls due at night: kept, not sent, not a failed try
    record = delivery_records(store)["tp/zalo_zns/2025-04-01"]
    assert len(zalo_server.messages("/message/template")) == 1
    assert record["status"] == "retry"
    assert record["attempts"] == 1
    assert record["last_error"]["code"] == "outside-hours"
    assert record["next_attempt_at"] == "2025-04-02T07:00:00+07:00"
    dispatcher.run(datetime(2025, 4, 2, 6, 59, tzinfo=LOCAL_TZ))
    assert len(zalo_server.messages("/message/template")) == 1
    dispatcher.run(datetime(2025, 4, 2, 7, 0, tzinfo=LOCAL_TZ))
    assert len(zalo_server.messages("/message/template")) == 2
    assert delivery_records(store)["tp/zalo_zns/2025-04-01"]["status"] == "sent"


def test_template_messages_are_counted_per_month(
    tmp_path: Path,
    zalo_server: ZaloServer,
    zalo_env: None,
    cli: Callable[..., CliResult],
) -> None:
    from reminder import digest, state
    from reminder.render import Renderer
    from reminder.web import create_app
    from tests.servers import WebServer, free_port

    dispatcher, store = _dispatcher(tmp_path, zalo_server, order='["zalo_zns"]')
    dispatcher.run(OPEN_DAY)
    zalo_server.fake.replies = [{"error": -108, "message": "Phone number invalid"}]
    dispatcher.run(datetime(2025, 6, 23, 8, 5, tzinfo=LOCAL_TZ))  # failed: not paid
    records = store.deliveries()
    assert sorted(r.status for r in records) == ["failed", "sent"]
    dirs = ["--config-dir", str(tmp_path / "config"), "--data-dir", str(tmp_path / "data")]
    code, out, _ = cli("deliveries", *dirs)
    assert code == 0
    assert "Tin mẫu Zalo (tính phí) đã gửi tháng 04/2025: 1" in out
    assert "06/2025" not in out.split("Tin mẫu")[-1]
    as_of = datetime(2025, 6, 23, 18, 0, tzinfo=LOCAL_TZ)
    built = digest.build(
        dispatcher.config, state.compute(dispatcher.config, [], records, as_of), records
    )
    assert built.template_messages == {"2025-04": 1}
    _, text, html = digest.render(built, Renderer())
    assert "Tháng 04/2025: 1 tin" in text
    assert "Tháng 04/2025</td><td>1 tin" in html
    port = free_port()
    app = create_app(dispatcher.config, store, "s")
    with WebServer(app, port) as server:
        metrics = httpx.get(f"{server.url}/metrics").text
    assert 'reminder_zalo_template_messages{month="2025-04"} 1.0' in metrics

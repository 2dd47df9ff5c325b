"""The web app over real HTTP (uvicorn on 127.0.0.1): ack pages, login, board, Zalo callback,
feeds, health and metrics — and the refusals that keep it safe."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import httpx
import icalendar
import pytest

from reminder import acks, audit, config
from reminder.channels.zalo.tokens import ZaloTokens
from reminder.keyed import Records
from reminder.schedule import LOCAL_TZ
from reminder.store import Store
from reminder.store.tinydb import TinyDBStore
from reminder.web import create_app, hash_password, parse_zalo_reply
from tests.conftest import ROOT, StoreFactory, ack_records, write_config
from tests.servers import WebServer, ZaloServer, free_port, wait_until

PASSWORD = "mat-khau-quan-tri-2025"
NOW = datetime(2025, 4, 15, 9, 0, tzinfo=LOCAL_TZ)
UNITS: list[dict[str, object]] = [
    {"id": "nv", "name": "Phòng Nội vụ", "email": ["nv@huyen.example"], "zalo_user_id": "777"},
    {"id": "tp", "name": "Phòng Tư pháp", "email": ["tp@huyen.example"]},
]
TASKS: list[dict[str, object]] = [
    {
        "id": "Q2-01",
        "quarter": 2,
        "title": "Báo cáo <sơ kết> & đánh giá",
        "lead": ["nv"],
        "support": ["tp"],
    },
    {"id": "Q2-02", "quarter": 2, "title": "Kiểm tra hồ sơ", "lead": ["tp"]},
]


@dataclass
class Site:
    url: str
    store: Store
    tokens: acks.Tokens
    zalo: ZaloServer

    def token(self, task: str, unit: str) -> str:
        return self.tokens.make("plan-2025", task, unit, 2025)

    def acks(self) -> list[dict[str, object]]:
        return ack_records(self.store)


@pytest.fixture
def site(
    tmp_path: Path,
    zalo_server: ZaloServer,
    monkeypatch: pytest.MonkeyPatch,
    store_factory: StoreFactory,
) -> Iterator[Site]:
    port = free_port()
    monkeypatch.setenv("REMINDER_WEB__ADMIN_PASSWORD_HASH", hash_password(PASSWORD))
    monkeypatch.setenv("REMINDER_ZALO__OA_SECRET_KEY", "oa-secret")
    monkeypatch.setenv("REMINDER_ZALO__ACCESS_TOKEN", "access-1")
    settings = (
        f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\nbad_token_limit = 5\n'
        f'[zalo]\napp_id = "app-1"\napi_base = "{zalo_server.url}"\n'
    )
    cfg = config.load(write_config(tmp_path / "config", UNITS, TASKS, settings))
    store = store_factory(tmp_path / "data")
    app = create_app(
        cfg,
        store,
        "web-secret",
        clock=lambda: NOW,
        zalo_tokens=ZaloTokens(cfg.settings.zalo, store),
    )
    with WebServer(app, port) as server:
        yield Site(server.url, store, acks.Tokens("web-secret"), zalo_server)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_get_shows_the_task_and_changes_nothing(site: Site) -> None:
    response = httpx.get(f"{site.url}/ack/{site.token('Q2-01', 'nv')}")
    assert response.status_code == 200
    html = response.text
    assert "Báo cáo &lt;sơ kết&gt; &amp; đánh giá" in html  # autoescaped
    assert "Phòng Nội vụ" in html
    assert "chủ trì" in html
    assert "30/06/2025" in html
    assert "Thứ Hai" in html
    assert 'name="state" value="received"' in html
    assert "Đã nhận" in html
    assert 'name="state" value="done"' in html
    assert "Đã hoàn thành" in html
    assert site.acks() == []


def test_post_records_the_ack_and_repeating_it_is_harmless(site: Site) -> None:
    url = f"{site.url}/ack/{site.token('Q2-01', 'nv')}"
    csrf = _csrf(httpx.get(url).text)
    for _ in range(2):
        response = httpx.post(
            url,
            data={"csrf": csrf, "state": "done", "note": "Đã nộp báo cáo"},
            headers={"User-Agent": "thu-nghiem"},
        )
        assert response.status_code == 200
        assert "Đã ghi nhận: Đã hoàn thành" in response.text
    events = site.acks()
    assert len(events) == 2
    assert {(e["plan"], e["task"], e["unit"], e["state"]) for e in events} == {
        ("plan-2025", "Q2-01", "nv", "done")
    }
    assert events[0]["note"] == "Đã nộp báo cáo"
    assert events[0]["source"] == "link"
    assert "127.0.0.1" in str(events[0]["by"])
    assert "thu-nghiem" in str(events[0]["by"])
    assert events[0]["at"] == NOW.isoformat()
    # A change made on the web: the unit's own ack is in the audit log too.
    entries = audit.entries(Records(site.store), plan="plan-2025", task="Q2-01")
    assert [(e.action, e.actor, e.unit) for e in entries] == [
        ("unit_ack", "Phòng Nội vụ", "nv"),
        ("unit_ack", "Phòng Nội vụ", "nv"),
    ]
    assert "Đã hoàn thành" in httpx.get(url).text  # the page shows the new state


def _tamper(token: str, unit: str) -> str:
    payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data[2] = unit
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return forged.decode().rstrip("=") + "." + signature


def test_tampered_foreign_and_expired_tokens_are_refused_and_record_nothing(site: Site) -> None:
    good = site.token("Q2-01", "nv")
    csrf = _csrf(httpx.get(f"{site.url}/ack/{good}").text)
    flipped = good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]
    other_unit = _tamper(good, "tp")  # the same signature, another unit
    expired = acks.Tokens("web-secret").make("plan-2025", "Q2-01", "nv", 2023)
    assert httpx.get(f"{site.url}/ack/{flipped}").status_code == 404
    for token in (flipped, other_unit, expired, "not-a-token"):
        # 404, or 429 once the address has sent too many bad tokens: never recorded.
        assert httpx.get(f"{site.url}/ack/{token}").status_code in (404, 429)
        response = httpx.post(f"{site.url}/ack/{token}", data={"csrf": csrf, "state": "done"})
        assert response.status_code in (404, 429)
    assert site.acks() == []


def test_a_replayed_form_without_its_csrf_field_is_refused(site: Site) -> None:
    url = f"{site.url}/ack/{site.token('Q2-01', 'nv')}"
    assert httpx.post(url, data={"state": "done"}).status_code == 403
    assert httpx.post(url, data={"state": "done", "csrf": "giả mạo ă"}).status_code == 403
    other = _csrf(httpx.get(f"{site.url}/ack/{site.token('Q2-02', 'tp')}").text)
    assert httpx.post(url, data={"state": "done", "csrf": other}).status_code == 403
    assert site.acks() == []


def test_repeated_bad_tokens_from_one_address_are_slowed_down(site: Site) -> None:
    codes = [httpx.get(f"{site.url}/ack/bad{i}").status_code for i in range(8)]
    assert codes[:5] == [404] * 5
    assert codes[5:] == [429] * 3
    # A good link still works: it cannot be guessed, and others share the address.
    assert httpx.get(f"{site.url}/ack/{site.token('Q2-01', 'nv')}").status_code == 200


def test_the_board_needs_a_login_and_its_forms_carry_csrf(site: Site) -> None:
    with httpx.Client(base_url=site.url) as client:
        for path in ("/", "/units/nv", "/tasks/plan-2025/Q2-01", "/export.csv"):
            response = client.get(path)
            assert response.status_code == 303
            assert response.headers["location"].startswith(f"{site.url}/login")
        login = client.get("/login")
        assert login.status_code == 200
        assert _csrf(login.text)
        refused = client.post("/login", data={"password": PASSWORD})  # no csrf field
        assert refused.status_code == 403
        wrong = client.post(
            "/login", data={"username": "admin", "password": "sai", "csrf": _csrf(refused.text)}
        )
        assert wrong.status_code == 401
        csrf = _csrf(client.get("/login").text)
        ok = client.post(
            "/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf, "next": "/"}
        )
        assert ok.status_code == 303
        cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie.replace("Lax", "lax")
        board = client.get("/")
        assert board.status_code == 200
        assert "Quý 2" in board.text
        assert "Q2-01" in board.text
        board_csrf = _csrf(board.text)
        assert client.post("/logout", data={}).status_code == 403  # logout needs csrf too
        export = client.get("/export.csv")
        assert export.status_code == 200
        assert export.text.startswith("\ufeffplan,task,quarter")
        assert client.get("/tasks/plan-2025/Q2-01").status_code == 200
        assert client.post("/logout", data={"csrf": board_csrf}).status_code == 303
    assert httpx.get(f"{site.url}/", cookies={"reminder_session": "forged"}).status_code == 303


def test_unit_page_shows_the_linked_zalo_chats(site: Site) -> None:
    from reminder.channels.zalo import records

    records.add_link(site.store, "nv", "chat-<a>", "Chị Lan", NOW)
    with httpx.Client(base_url=site.url) as client:
        csrf = _csrf(client.get("/login").text)
        client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf})
        nv = client.get("/units/nv").text
        tp = client.get("/units/tp").text
    assert "Chị Lan (<code>chat-&lt;a&gt;</code>, từ 15/04/2025)" in nv
    assert "reminder invite tp" in tp


def test_board_filters_by_unit_and_state(site: Site) -> None:
    site.store.add_acks([acks.ack_record("plan-2025", "Q2-02", "tp", "done", NOW, "cli")])
    with httpx.Client(base_url=site.url) as client:
        csrf = _csrf(client.get("/login").text)
        client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf})
        done = client.get("/", params={"state": "done"}).text
        assert 'data-unit="tp" data-state="done"' in done
        assert 'data-unit="nv"' not in done
        only_nv = client.get("/", params={"unit": "nv"}).text
        assert 'data-unit="nv" data-state="pending"' in only_nv
        assert 'data-unit="tp"' not in only_nv


def _signed_event(event: dict[str, object], secret: str = "oa-secret") -> tuple[bytes, str]:
    raw = json.dumps(event, ensure_ascii=False).encode()
    mac = hashlib.sha256(
        (str(event["app_id"]) + raw.decode() + str(event["timestamp"]) + secret).encode()
    ).hexdigest()
    return raw, f"mac={mac}"


def _text_event(text: str, sender: str = "777") -> dict[str, object]:
    return {
        "app_id": "app-1",
        "event_name": "user_send_text",
        "timestamp": "1744682400000",
        "sender": {"id": sender},
        "recipient": {"id": "oa-1"},
        "message": {"text": text, "msg_id": "m1"},
    }


def test_a_zalo_reply_acknowledges_for_the_sender_and_is_answered(site: Site) -> None:
    raw, mac = _signed_event(_text_event("xong q2-01"))
    response = httpx.post(
        f"{site.url}/zalo/webhook",
        content=raw,
        headers={"X-ZEvent-Signature": mac, "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    events = site.acks()
    assert [(e["task"], e["unit"], e["state"], e["source"]) for e in events] == [
        ("Q2-01", "nv", "done", "zalo")
    ]
    assert wait_until(lambda: len(site.zalo.messages()) == 1)  # answered after the 200
    body = json.loads(site.zalo.messages()[0]["raw"])
    assert body["recipient"] == {"user_id": "777"}
    assert "Đã ghi nhận đã hoàn thành: Q2-01" in body["message"]["text"]
    assert "Tình trạng bây giờ: Q2-01: đã hoàn thành." in body["message"]["text"]


def test_a_zalo_event_with_a_bad_signature_is_refused(site: Site) -> None:
    raw, mac = _signed_event(_text_event("xong Q2-01"), secret="wrong")
    for headers in ({"X-ZEvent-Signature": mac}, {}):
        response = httpx.post(f"{site.url}/zalo/webhook", content=raw, headers=headers)
        assert response.status_code == 401
    forged = _text_event("xong Q2-01")
    forged["app_id"] = "someone-else"
    raw, mac = _signed_event(forged)
    assert (
        httpx.post(
            f"{site.url}/zalo/webhook", content=raw, headers={"X-ZEvent-Signature": mac}
        ).status_code
        == 401
    )
    assert site.acks() == []
    assert site.zalo.messages() == []


def test_oa_events_record_the_followers_last_interaction(site: Site) -> None:
    from reminder.channels.zalo import records

    def last(user: str) -> datetime | None:
        return records.last_interaction(site.store, user)

    raw, mac = _signed_event(_text_event("chào OA", sender="888"), secret="wrong")
    httpx.post(f"{site.url}/zalo/webhook", content=raw, headers={"X-ZEvent-Signature": mac})
    assert last("888") is None  # unsigned events record nothing
    follow: dict[str, object] = {
        "app_id": "app-1",
        "event_name": "follow",
        "timestamp": "1744682100000",  # 15/04/2025 08:55 local (events over 10 min old: refused)
        "follower": {"id": "888"},
        "oa_id": "oa-1",
    }
    raw, mac = _signed_event(follow)
    assert (
        httpx.post(
            f"{site.url}/zalo/webhook", content=raw, headers={"X-ZEvent-Signature": mac}
        ).status_code
        == 200
    )
    assert last("888") == datetime(2025, 4, 15, 8, 55, tzinfo=LOCAL_TZ)
    raw, mac = _signed_event(_text_event("chào OA", sender="888"))  # 09:00 local
    httpx.post(f"{site.url}/zalo/webhook", content=raw, headers={"X-ZEvent-Signature": mac})
    assert last("888") == NOW


def _post_event(site: Site, event: dict[str, object]) -> httpx.Response:
    raw, mac = _signed_event(event)
    return httpx.post(f"{site.url}/zalo/webhook", content=raw, headers={"X-ZEvent-Signature": mac})


def test_a_replayed_zalo_event_is_acted_on_once(site: Site) -> None:
    event = _text_event("xong Q2-01")
    assert _post_event(site, event).status_code == 200
    for _ in range(4):  # the same signed request again, as a replay or Zalo's retry
        response = _post_event(site, event)
        assert response.status_code == 200
        assert response.json().get("repeat") is True
    assert len(site.acks()) == 1
    assert wait_until(lambda: len(site.zalo.messages()) == 1)
    # Another message (its own msg_id) is a new event.
    other = _text_event("đã nhận Q2-01")
    other["message"] = {"text": "đã nhận Q2-01", "msg_id": "m2"}
    assert _post_event(site, other).status_code == 200
    assert len(site.acks()) == 2


def test_an_oa_event_retried_after_a_crash_before_its_claim_acks_once(site: Site) -> None:
    from reminder.channels.zalo import records

    event = _text_event("xong Q2-01")
    assert _post_event(site, event).status_code == 200
    # As if the process had died after recording the ack, before claiming the event's id:
    assert site.store.delete_record(records.UPDATES, "oa/m1")
    assert _post_event(site, event).status_code == 200  # Zalo's retry
    assert len(site.acks()) == 1  # the ack's id (from the event id) is recorded once


def test_old_or_undated_zalo_events_are_refused(site: Site) -> None:
    for timestamp in ("1500000000000", "1744681500000", "1744683100000", "", "soon"):
        # 2017; 15 minutes ago; 11 minutes ahead; none; not a number
        event = _text_event("xong Q2-01")
        event["timestamp"] = timestamp
        assert _post_event(site, event).status_code == 400
    recent = _text_event("xong Q2-01")
    recent["timestamp"] = "1744681860000"  # 9 minutes ago: still accepted
    assert _post_event(site, recent).status_code == 200
    assert len(site.acks()) == 1


def test_zalo_reply_words() -> None:
    assert parse_zalo_reply("xong Q2-04") == ("done", ["Q2-04"])
    assert parse_zalo_reply("Đã xong Q2-04, q2-05") == ("done", ["Q2-04", "Q2-05"])
    assert parse_zalo_reply("đã nhận Q1-01") == ("received", ["Q1-01"])
    assert parse_zalo_reply("hoàn thành Q3-02 rồi ạ") == ("done", ["Q3-02"])
    assert parse_zalo_reply("chào anh") is None
    assert parse_zalo_reply("xong") is None


def test_calendar_feed_needs_its_key_and_has_alarms(site: Site) -> None:
    assert httpx.get(f"{site.url}/calendar/nv.ics").status_code == 404
    assert httpx.get(f"{site.url}/calendar/nv.ics", params={"key": "x" * 32}).status_code == 404
    assert httpx.get(f"{site.url}/calendar/nv.ics", params={"key": "ă" * 32}).status_code == 404
    with httpx.Client(base_url=site.url) as client:
        csrf = _csrf(client.get("/login").text)
        client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf})
        page = client.get("/units/nv").text
    feed = re.search(r"<code>([^<]+)</code>", page)
    assert feed
    response = httpx.get(feed.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    events = list(cal.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == ["plan-2025.Q2-01.nv@reminder"]
    assert events[0].decoded("DTSTART") == date(2025, 6, 30)
    assert len(list(events[0].walk("VALARM"))) == 2


def test_health_answers_503_naming_an_empty_store_file(site: Site) -> None:
    if not isinstance(site.store, TinyDBStore):
        pytest.skip("an emptied store file is a TinyDB matter; PostgreSQL has no such file")
    # A store in use: its first write created state.json.
    site.store.add_acks([acks.ack_record("plan-2025", "Q2-02", "tp", "received", NOW, "cli")])
    assert (site.store.data_dir / "state.json").exists()
    (site.store.data_dir / "state.json").write_bytes(b"")  # emptied by a full disk or a hand
    health = httpx.get(f"{site.url}/healthz")
    assert health.status_code == 503
    assert "state.json: tệp dữ liệu hỏng (tệp rỗng)" in health.json()["store"]


def test_health_and_metrics(site: Site) -> None:
    health = httpx.get(f"{site.url}/healthz")
    assert health.status_code == 200
    assert health.json()["store"] == "ok"
    site.store.add_acks([acks.ack_record("plan-2025", "Q2-02", "tp", "received", NOW, "cli")])
    metrics = httpx.get(f"{site.url}/metrics").text
    assert 'reminder_pairs{state="received"} 1.0' in metrics
    assert 'reminder_pairs{state="pending"} 2.0' in metrics
    assert "reminder_overdue 0.0" in metrics


def test_the_admin_guide_is_served_from_the_package_or_the_configured_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_factory: StoreFactory
) -> None:
    port = free_port()
    settings = f'[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
    cfg_dir = write_config(tmp_path / "config", UNITS, TASKS, settings)
    store = store_factory(tmp_path / "data")
    with WebServer(create_app(config.load(cfg_dir), store, "k", clock=lambda: NOW), port) as srv:
        default = httpx.get(f"{srv.url}/huong-dan")
    assert default.status_code == 200
    # The copy inside the package: docs/huong-dan-quan-tri.md (test_packaging: in the wheel too).
    assert default.text == (ROOT / "docs" / "huong-dan-quan-tri.md").read_text(encoding="utf-8")

    # An agency's own guide, named by the setting.
    guide = tmp_path / "guide.md"
    guide.write_text("# Hướng dẫn của tỉnh\n", encoding="utf-8")
    monkeypatch.setenv("REMINDER_GUIDE_FILE", str(guide))
    port = free_port()
    with WebServer(create_app(config.load(cfg_dir), store, "k", clock=lambda: NOW), port) as srv:
        assert httpx.get(f"{srv.url}/huong-dan").text == "# Hướng dẫn của tỉnh\n"
    monkeypatch.setenv("REMINDER_GUIDE_FILE", str(tmp_path / "missing.md"))
    port = free_port()
    with WebServer(create_app(config.load(cfg_dir), store, "k", clock=lambda: NOW), port) as srv:
        missing = httpx.get(f"{srv.url}/huong-dan")
    assert missing.status_code == 404
    assert "REMINDER_GUIDE_FILE" in missing.text

"""Issue 9: one truthful state of every (plan, task, unit) pair as of a moment, read by the
digest, ``status``, the board, the CSV and the metrics (points 1-7)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest

from reminder import acks, config, digest, state
from reminder.collector import collector_paused
from reminder.dispatch import Dispatcher
from reminder.labels import LOCAL_TZ
from reminder.render import Renderer
from reminder.store import Store
from reminder.store.tinydb import TinyDBStore
from reminder.web import create_app, hash_password
from tests.conftest import CliResult, write_config
from tests.servers import WebServer, free_port

UNITS: list[dict[str, object]] = [
    {"id": "nv", "name": "Phòng Nội vụ", "aliases": ["NV"], "email": ["nv@huyen.example"]},
    {"id": "tp", "name": "Phòng Tư pháp", "email": ["tp@huyen.example"]},
    {"id": "hd", "name": "Hội đồng Thi đua – Khen thưởng", "email": ["hd@huyen.example"]},
    {"id": "khong-thu", "name": "Hội đồng không có thư", "phone": "0912345678"},
]
TASKS: list[dict[str, object]] = [
    {
        "id": "T1",
        "quarter": 1,
        "title": "Việc một",
        "lead": ["nv"],
        "support": ["tp"],
        "start": date(2025, 3, 3),
        "due": date(2025, 3, 14),
    },
    {"id": "T4", "quarter": 4, "title": "Việc quý bốn", "lead": ["nv"]},
    {"id": "T3", "quarter": 3, "title": "Bầu đại biểu", "unassigned": ["Đại biểu được chọn"]},
]
ESCALATION_DAY = date(2025, 3, 21)  # due 14/3 + 5 working days


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


def setup(tmp_path: Path, settings: str = 'council = "hd"\n') -> tuple[config.Config, Store]:
    loaded = config.load(write_config(tmp_path / "config", UNITS, TASKS, settings))
    return loaded, TinyDBStore(tmp_path / "data")


def ack(store: Store, unit: str, kind: acks.AckKind, when: datetime, task: str = "T1") -> None:
    store.add_acks([acks.ack_record("plan-2025", task, unit, kind, when, "cli")])


def pair(snapshot: state.Snapshot, task: str, unit: str) -> state.PairState:
    return next(p for p in snapshot.pairs if (p.task, p.unit) == (task, unit))


# -- 1. escalation is a fact from the delivery records -----------------------------------------


def test_council_told_only_when_a_message_to_it_went_out(tmp_path: Path) -> None:
    loaded, store = setup(tmp_path)
    before = state.load(loaded, store, at(ESCALATION_DAY, 10))
    nv = pair(before, "T1", "nv")
    assert nv.long_overdue
    assert nv.days_late == 5
    assert nv.council_told is None  # overdue for long is not "told"
    assert nv.council_problem == state.COUNCIL_NOT_YET
    Dispatcher(loaded, store, secret="s").run(at(ESCALATION_DAY))  # to the file outbox
    after = state.load(loaded, store, at(ESCALATION_DAY, 10))
    assert pair(after, "T1", "nv").council_told == ESCALATION_DAY
    assert pair(after, "T1", "nv").council_problem is None
    assert pair(after, "T1", "tp").council_told is None  # supporting units are not escalated
    # As of the morning before the pass went out, nobody had been told.
    assert pair(state.load(loaded, store, at(ESCALATION_DAY, 8)), "T1", "nv").council_told is None


def test_a_council_no_channel_reaches_is_said_not_told(tmp_path: Path) -> None:
    settings = (
        'council = "khong-thu"\n[channels]\norder = ["email"]\n'
        '[smtp]\nhost = "127.0.0.1"\nport = 9\n'
    )
    loaded, store = setup(tmp_path, settings)
    snap = state.load(loaded, store, at(ESCALATION_DAY, 10))
    assert pair(snap, "T1", "nv").council_problem == state.COUNCIL_UNREACHABLE
    subject, text, _ = digest.render(digest.build(loaded, snap), Renderer())
    assert "0 đã báo Hội đồng" in subject
    assert "Hội đồng không có kênh liên lạc dùng được" in text


def test_no_council_configured_is_said(tmp_path: Path) -> None:
    loaded, store = setup(tmp_path, "")
    snap = state.load(loaded, store, at(ESCALATION_DAY, 10))
    assert pair(snap, "T1", "nv").council_problem == state.COUNCIL_NOT_CONFIGURED


# -- 2. counts are the tally of the listed pairs; not yet open is not "unacknowledged" --------


def test_digest_json_counts_are_the_tally_of_its_pairs(
    cli: Callable[..., CliResult], shipped_config: Path, tmp_path: Path
) -> None:
    base = ("--config-dir", str(shipped_config), "--data-dir", str(tmp_path / "d"))
    code, out, _ = cli("digest", "--now", "2025-07-07T07:30", "--format", "json", *base)
    assert code == 0
    body = json.loads(out)
    pairs = body["pairs"]
    assert body["counts"] == {s: n for s, n in Counter(p["state"] for p in pairs).items() if n} | {
        s: 0 for s in state.STATES if s not in {p["state"] for p in pairs}
    }
    for row in pairs:
        assert {"plan", "task", "unit", "role", "state", "due", "days_late", "council_told"} <= set(
            row
        )
    q4 = [p for p in pairs if p["task"].startswith("Q4")]
    assert q4
    assert {p["state"] for p in q4} == {"not_open"}
    assert body["counts"]["pending"] == sum(1 for p in pairs if p["state"] == "pending")
    assert all(p["council_told"] is None for p in pairs)  # nothing was ever sent


def test_digest_text_counts_match_its_lists(
    cli: Callable[..., CliResult], shipped_config: Path, tmp_path: Path
) -> None:
    base = ("--config-dir", str(shipped_config), "--data-dir", str(tmp_path / "d"))
    code, out, _ = cli("digest", "--now", "2025-07-07T07:30", *base)
    assert code == 0
    section = out.split("CHƯA XÁC NHẬN: ")[1].split("\n\n")[0]
    announced = int(section.split(" ")[0])
    listed = sum(int(n) for n in re.findall(r": (\d+) việc \(", section))
    assert announced == listed > 0
    overdue = out.split("QUÁ HẠN: ")[1].split("\n\n")[0]
    assert int(overdue.split(" ")[0]) == len(re.findall(r"trễ \d+ ngày làm việc", overdue))
    assert "QUÁ HẠN LÂU (ĐÃ BÁO HỘI ĐỒNG)" not in out  # overdue pairs are listed once
    _, html, _ = cli("digest", "--now", "2025-07-07T07:30", "--format", "html", *base)
    assert re.search(r"trễ \d+ ngày<", html) is None  # always "ngày làm việc"


# -- 3. reopen, the latest event wins, every page says the resulting state ---------------------


def test_reopen_returns_the_pair_to_pending_and_reminders_resume(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    loaded, store = setup(tmp_path)
    base = ("--config-dir", str(loaded.config_dir), "--data-dir", str(store.data_dir))
    code, out, _ = cli("ack", "T1", "nv", "--done", "--now", "2025-03-10T10:00", *base)
    assert code == 0
    assert "Tình trạng bây giờ: đã hoàn thành." in out
    code, out, _ = cli("ack", "T1", "nv", "--now", "2025-03-10T11:00", *base)
    assert code == 0
    assert "Tình trạng bây giờ: đã nhận." in out
    code, out, _ = cli("ack", "T1", "nv", "--done", "--now", "2025-03-10T12:00", *base)
    code, out, _ = cli(
        "ack", "T1", "nv", "--reopen", "--note", "bấm nhầm", "--now", "2025-03-11T09:00", *base
    )
    assert code == 0
    assert "Báo nhầm — mở lại" in out
    assert "Tình trạng bây giờ: chưa xác nhận." in out
    kinds = [e.kind for e in store.ack_events()]
    assert kinds == ["done", "received", "done", "reopen"]  # the full history is kept
    assert pair(state.load(loaded, store, at(date(2025, 3, 11), 10)), "T1", "nv").state == "pending"
    # As of before the reopen, it was done.
    assert pair(state.load(loaded, store, at(date(2025, 3, 11), 8)), "T1", "nv").state == "done"
    report = Dispatcher(loaded, store, secret="s").run(at(date(2025, 3, 13)), dry_run=True)
    assert "nv" in [m.recipient for m in report.planned]  # reminders resume
    code, _, err = cli("ack", "T1", "nv", "--done", "--reopen", *base)
    assert code == 2
    assert "--done" in err


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Store]]:
    port = free_port()
    monkeypatch.setenv("REMINDER_WEB__ADMIN_PASSWORD_HASH", hash_password("mat-khau-quan-tri"))
    settings = f'council = "hd"\n[web]\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
    loaded, store = setup(tmp_path, settings)
    now = at(date(2025, 3, 10))
    app = create_app(loaded, store, "web-secret", clock=lambda: now)
    with WebServer(app, port) as server:
        yield server.url, store


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def test_ack_page_reopens_and_says_the_resulting_state(site: tuple[str, Store]) -> None:
    url, store = site
    link = f"{url}/ack/{acks.Tokens('web-secret').make('plan-2025', 'T1', 'nv', 2025)}"
    first = httpx.get(link).text
    assert 'value="reopen"' not in first  # nothing to reopen yet
    csrf = _csrf(first)
    done = httpx.post(link, data={"csrf": csrf, "state": "done"}).text
    assert "Tình trạng bây giờ" in done
    assert "đã hoàn thành" in done
    page = httpx.get(link).text
    assert 'value="reopen"' in page
    assert "Báo nhầm — mở lại" in page
    received = httpx.post(link, data={"csrf": csrf, "state": "received"}).text
    assert re.search(r'class="badge received">đã nhận<', received)  # not "still done"
    reopened = httpx.post(link, data={"csrf": csrf, "state": "reopen"}).text
    assert "Đã ghi nhận: Báo nhầm — mở lại" in reopened
    assert re.search(r'class="badge pending">chưa xác nhận<', reopened)
    assert [e.kind for e in store.ack_events()] == ["done", "received", "reopen"]


def test_board_counts_follow_its_filters_and_show_unassigned(site: tuple[str, Store]) -> None:
    url, store = site
    ack(store, "nv", "received", at(date(2025, 3, 5)))
    with httpx.Client(base_url=url) as client:
        csrf = _csrf(client.get("/login").text)
        client.post(
            "/login",
            data={"username": "admin", "password": "mat-khau-quan-tri", "csrf": csrf, "next": "/"},
        )
        whole = client.get("/").text
        assert "Đại biểu được chọn" in whole
        assert "chưa phân công: 1" in whole
        assert "chưa đến kỳ: 1" in whole  # T4 in March
        one = client.get("/", params={"unit": "tp"}).text
        assert "chưa xác nhận: 1" in one
        assert "đã nhận: 0" in one
        assert "chưa phân công: 0" in one
        assert one.count('data-unit="') == 1
        csv = client.get("/export.csv").text
        assert "Đại biểu được chọn" in csv
        assert "unassigned" in csv
        metrics = client.get("/metrics").text
        assert 'reminder_pairs{state="unassigned"} 1.0' in metrics
        assert 'reminder_pairs{state="received"} 1.0' in metrics


# -- 4. a task id in several plans -----------------------------------------------------------


def test_ack_refuses_a_task_in_two_plans_and_plan_takes_id_or_year(
    cli: Callable[..., CliResult], config_copy: Path, tmp_path: Path
) -> None:
    text = (config_copy / "plan-2025.toml").read_text(encoding="utf-8")
    (config_copy / "plan-2026.toml").write_text(
        text.replace("year = 2025", "year = 2026"), encoding="utf-8"
    )
    base = ("--config-dir", str(config_copy), "--data-dir", str(tmp_path / "d"))
    code, _, err = cli("ack", "Q1-01", "phong-noi-vu", "--now", "2025-03-10T10:00", *base)
    assert code == 2
    assert "plan-2025" in err
    assert "plan-2026" in err
    assert "--plan" in err
    assert not (tmp_path / "d" / "acks.json").exists()
    code, out, _ = cli(
        "ack", "Q1-01", "phong-noi-vu", "--plan", "2026", "--now", "2026-03-10T10:00", *base
    )
    assert code == 0
    assert "(plan-2026)" in out
    code, out, _ = cli(
        "ack", "Q1-01", "phong-noi-vu", "--plan", "plan-2025", "--now", "2025-03-10T10:00", *base
    )
    assert code == 0
    assert "(plan-2025)" in out
    code, _, err = cli("ack", "Q1-01", "phong-noi-vu", "--plan", "2030", *base)
    assert code == 2
    assert "plan-2025 (năm 2025)" in err


# -- 5. the unassigned task is visible everywhere ----------------------------------------------


def test_unassigned_task_is_shown_in_status_and_digest(
    cli: Callable[..., CliResult], shipped_config: Path, tmp_path: Path
) -> None:
    base = ("--config-dir", str(shipped_config), "--data-dir", str(tmp_path / "d"))
    code, out, _ = cli(
        "status", "--task", "Q3-05", "--now", "2025-07-07T08:00", "--format", "json", *base
    )
    assert code == 0
    rows = json.loads(out)
    assert [(r["state"], r["unit"], r["unit_name"]) for r in rows] == [
        ("unassigned", None, "Đại biểu được chọn")
    ]
    code, text, _ = cli("digest", "--now", "2025-07-07T07:30", *base)
    assert "CHƯA PHÂN CÔNG: 1 lượt" in text
    assert "Đại biểu được chọn" in text
    code, table, _ = cli("status", "--task", "Q3-05", "--now", "2025-07-07T08:00", *base)
    assert "chưa phân công" in table


# -- 6. the past can be reproduced -------------------------------------------------------------


def test_state_as_of_ignores_later_events(
    cli: Callable[..., CliResult], shipped_config: Path, tmp_path: Path
) -> None:
    base = ("--config-dir", str(shipped_config), "--data-dir", str(tmp_path / "d"))
    args = ("digest", "--now", "2025-07-07T07:30", "--format", "json", *base)
    before = json.loads(cli(*args)[1])["counts"]
    code, _, _ = cli("ack", "Q2-01", "phong-noi-vu", "--done", "--now", "2025-07-08T09:00", *base)
    assert code == 0
    assert json.loads(cli(*args)[1])["counts"] == before  # an ack of 8/7 is not seen on 7/7
    later = json.loads(cli("digest", "--now", "2025-07-08T10:00", "--format", "json", *base)[1])
    assert later["counts"]["done"] == before["done"] + 1


# -- 7. unknown names exit 2 with the nearest matches; names and aliases are accepted ---------


def test_unknown_names_exit_2_with_nearest_matches(
    cli: Callable[..., CliResult], shipped_config: Path, tmp_path: Path
) -> None:
    base = ("--config-dir", str(shipped_config), "--data-dir", str(tmp_path / "d"))
    code, _, err = cli("status", "--unit", "phong-noi-vuu", *base)
    assert code == 2
    assert "phong-noi-vu" in err
    code, _, err = cli("status", "--unit", "khong-co", *base)
    assert code == 2
    assert "khong-co" in err
    code, _, err = cli("preview", "--task", "Q9-99", "--config-dir", str(shipped_config))
    assert code == 2
    assert "Q9-99" in err
    code, _, err = cli("preview", "--unit", "khong-co", "--config-dir", str(shipped_config))
    assert code == 2
    code, _, err = cli("deliveries", "--month", "abc", *base)
    assert code == 2
    assert "2025-03" in err
    code, out, _ = cli("ack", "Q1-01", "Phòng Nội vụ", "--now", "2025-03-10T10:00", *base)
    assert code == 0
    assert "Phòng Nội vụ — Q1-01" in out
    code, out, _ = cli(
        "status", "--unit", "Phòng Nội vụ", "--task", "q1-01", "--format", "json", *base
    )
    assert code == 0
    assert [r["unit"] for r in json.loads(out)] == ["phong-noi-vu"]


def test_what_is_built_with_the_collector_paused_is_not_walked_by_the_next_young_collection() -> (
    None
):
    """``collector_paused`` hands what its block made to the oldest generation on the way
    out: the first collection after it does not walk a province's pairs again."""
    import gc

    if not gc.isenabled():
        pytest.skip("the collector is off in this process")
    with collector_paused():
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]
    assert gc.isenabled()
    young = {id(o) for o in gc.get_objects(generation=0)}
    assert not any(id(row) in young for row in made)
    assert all(gc.is_tracked(row) for row in made)  # still collectable, in the oldest
    assert any(row is made[0] for row in gc.get_objects(generation=2))

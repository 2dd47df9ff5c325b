"""The web app (Starlette): acknowledgment pages, the Zalo callback, the status board, calendar
feeds, health and metrics.

Starlette rather than FastAPI: the app serves HTML forms and a few plain endpoints, with no JSON
API to describe; Starlette gives routing, form parsing and responses without a validation and
OpenAPI layer we would not use, and it is what FastAPI is built on.

Rules every handler keeps:

- **GET never changes state.** ``GET /ack/{token}`` shows a page; only the POST from its form
  (with its CSRF field) records an acknowledgment. Mail scanners and link previews are harmless.
- Tokens are checked by signature (constant time) and expiry before anything is read; a bad
  token records nothing, and an address that sends many bad tokens gets 429 for a while.
- The board and its pages need a login (argon2 password hash in settings); the session cookie
  is signed, HttpOnly, SameSite=Lax and Secure when the public address is https; every form
  carries a CSRF token bound to the session (or, for ack forms, to the ack token).
- Zalo events are accepted only with a valid ``X-ZEvent-Signature``
  (``mac=sha256(app_id + body + timestamp + OA secret key)``, as Zalo documents it).
- Templates are autoescaped. Store access runs in a worker thread under the store's locks.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import secrets
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, TimestampSigner
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from reminder import acks, state
from reminder.calendar import weekday_vi
from reminder.channels.zalo_oa import ZaloOAChannel, ZaloTokens
from reminder.config import Config
from reminder.labels import ACK_LABELS, STATE_LABELS, vn_date, vn_datetime
from reminder.render import Renderer
from reminder.schedule import LOCAL_TZ, ROLE_LABELS, assignments, effective_due
from reminder.store import Store
from reminder.views import STATUS_LABELS

SESSION_COOKIE = "reminder_session"
LOGIN_COOKIE = "reminder_login"

_DONE_WORDS = re.compile(r"^(?:đã\s+)?(?:xong|hoàn thành|hoan thanh|done)\b", re.IGNORECASE)
_RECEIVED_WORDS = re.compile(r"^(?:đã\s+)?(?:nhận|nhan|received)\b", re.IGNORECASE)
_TASK_IDS = re.compile(r"\b([A-Za-z0-9][A-Za-z0-9_.]*-[A-Za-z0-9_.-]+)\b")


def same(given: str, expected: str) -> bool:
    """Constant-time comparison that also accepts non-ASCII input (and says no to it)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def hash_password(password: str) -> str:
    """An argon2 hash for ``web.admin_password_hash``."""
    return PasswordHasher().hash(password)


def parse_zalo_reply(text: str) -> tuple[acks.AckState, list[str]] | None:
    """("done"|"received", task ids) from "xong Q2-04" / "đã nhận Q2-04, Q2-05"; else None."""
    words = " ".join(text.split())
    if _DONE_WORDS.match(words):
        state: acks.AckState = "done"
    elif _RECEIVED_WORDS.match(words):
        state = "received"
    else:
        return None
    ids = [m.upper() for m in _TASK_IDS.findall(words)]
    return (state, ids) if ids else None


class Throttle:
    """Counts failures per address in a sliding window; too many and the address waits."""

    def __init__(
        self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, address: str) -> deque[float]:
        hits = self._hits[address]
        cutoff = self.clock() - self.window_s
        while hits and hits[0] < cutoff:
            hits.popleft()
        return hits

    def blocked(self, address: str) -> bool:
        """Whether ``address`` has failed too often lately."""
        return len(self._recent(address)) >= self.limit

    def fail(self, address: str) -> None:
        """Count one failure for ``address``."""
        self._recent(address).append(self.clock())


class WebApp:
    """Handlers and the state they share; ``create_app`` wires them into Starlette."""

    def __init__(
        self,
        config: Config,
        store: Store,
        secret: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(LOCAL_TZ),
        health: Callable[[], dict[str, Any]] | None = None,
        zalo_tokens: ZaloTokens | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.secret = secret.encode()
        self.tokens = acks.Tokens(secret)
        self.clock = clock
        self.health_extra = health
        self.zalo_tokens = zalo_tokens
        self.renderer = Renderer(config.settings.templates_dir)
        web = config.settings.web
        self.base = web.base_url.rstrip("/")
        self.secure_cookies = self.base.startswith("https://")
        self.sessions = TimestampSigner(secret, salt="reminder.session")
        self.throttle = Throttle(web.bad_token_limit)
        self.hasher = PasswordHasher()

    def reload(self, config: Config) -> None:
        """Serve ``config`` from now on (live reload of the configuration directory)."""
        self.config = config
        self.renderer = Renderer(config.settings.templates_dir)

    # -- helpers ------------------------------------------------------------------------------

    def page(self, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
        html = self.renderer.render(f"web/{name}", {"base": self.base, **context})
        return HTMLResponse(
            html,
            status_code=status_code,
            headers={
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "X-Frame-Options": "DENY",
            },
        )

    def error(self, heading: str, message: str, code: int) -> HTMLResponse:
        return self.page("error.html", {"heading": heading, "message": message}, code)

    def mac(self, purpose: str, value: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def feed_url(self, unit_id: str) -> str:
        """The secret calendar feed address of a unit."""
        return f"{self.base}/calendar/{unit_id}.ics?key={self.mac('cal', unit_id)[:32]}"

    def address(self, request: Request) -> str:
        return request.client.host if request.client else "?"

    def session_id(self, request: Request) -> str | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        hours = self.config.settings.web.session_hours
        try:
            return self.sessions.unsign(raw, max_age=hours * 3600).decode()
        except BadSignature:
            return None

    def today(self) -> Any:
        return self.clock().astimezone(LOCAL_TZ).date()

    def _snapshot(self) -> state.Snapshot:
        """Every pair as of now: the one state the board, pages, CSV and metrics show."""
        return state.load(self.config, self.store, self.clock())

    def _target(self, token: str) -> tuple[acks.AckTarget, Any, Any] | None:
        try:
            target = self.tokens.check(token, self.today())
        except acks.BadToken:
            return None
        plan = next((p for p in self.config.plans if p.id == target.plan), None)
        task = plan.task(target.task) if plan else None
        if plan is None or task is None or target.unit not in self.config.directory.units:
            return None
        return target, plan, task

    # -- acknowledgment pages -----------------------------------------------------------------

    def _guarded_target(self, request: Request) -> tuple[str, Any, Any, Any] | Response:
        """(token, target, plan, task) of the request's ack token, or the refusal to send:
        429 for an address that sent too many bad tokens, 404 for a bad one (counted)."""
        address = self.address(request)
        if self.throttle.blocked(address):
            return self.error("Thử lại sau", "Quá nhiều liên kết không hợp lệ.", 429)
        token = request.path_params["token"]
        found = self._target(token)
        if found is None:
            self.throttle.fail(address)
            return self.error(
                "Liên kết không hợp lệ",
                "Liên kết đã hết hạn hoặc bị sửa. Hãy dùng liên kết trong thư mới"
                " nhất, hoặc liên hệ Phòng Nội vụ. Không có gì được ghi nhận.",
                404,
            )
        return (token, *found)

    async def ack_page(self, request: Request) -> Response:
        guarded = self._guarded_target(request)
        if isinstance(guarded, Response):
            return guarded
        token, target, plan, task = guarded
        pair = (target.plan, target.task, target.unit)

        def events() -> list[dict[str, Any]]:
            with self.store.transaction(readonly=True) as tx:
                return [dict(e) for e in tx.acks() if (e["plan"], e["task"], e["unit"]) == pair]

        mine = await run_in_threadpool(events)
        pair_state = state.one(self.config, *pair, mine, self.clock())
        latest = pair_state.ack if pair_state is not None else None
        current = pair_state.state if pair_state is not None else "pending"
        lead = self.config.directory.expand(task.lead)
        due = effective_due(self.config.calendar, plan.window(task)[1])
        return self.page(
            "ack.html",
            {
                "task": task,
                "token": token,
                "csrf": self.mac("ack", token),
                "unit_name": self.config.directory.name_of(target.unit),
                "role_label": ROLE_LABELS["lead" if target.unit in lead else "support"],
                "due": due,
                "due_weekday": weekday_vi(due),
                "state": current,
                "state_label": STATE_LABELS[current],
                "latest": latest,
                "latest_label": ACK_LABELS[latest.kind] if latest else "",
                "acked_at": vn_datetime(latest.at) if latest else "",
                "can_reopen": latest is not None and latest.kind != "reopen",
            },
        )

    async def ack_post(self, request: Request) -> Response:
        guarded = self._guarded_target(request)
        if isinstance(guarded, Response):
            return guarded
        token, target, _, task = guarded
        address = self.address(request)
        form = await request.form()
        csrf = str(form.get("csrf", ""))
        if not same(csrf, self.mac("ack", token)):
            return self.error("Biểu mẫu không hợp lệ", "Hãy mở lại liên kết và bấm lại.", 403)
        kind = str(form.get("state", ""))
        if kind not in acks.ACK_KINDS:
            return self.error("Thiếu lựa chọn", 'Hãy bấm "Đã nhận" hoặc "Đã hoàn thành".', 400)
        now = self.clock()
        record = acks.ack_record(
            target.plan,
            target.task,
            target.unit,
            kind,
            now,
            "link",
            by=f"{address} {request.headers.get('user-agent', '')[:120]}",
            note=str(form.get("note", "")),
        )

        def save() -> list[dict[str, Any]]:
            with self.store.transaction() as tx:
                tx.add_acks([record])
                pair = (target.plan, target.task, target.unit)
                return [dict(e) for e in tx.acks() if (e["plan"], e["task"], e["unit"]) == pair]

        mine = await run_in_threadpool(save)
        after = state.one(self.config, target.plan, target.task, target.unit, mine, now)
        result = after.state if after is not None else "pending"
        return self.page(
            "ack_done.html",
            {
                "task": task,
                "token": token,
                "kind": kind,
                "kind_label": ACK_LABELS[kind],
                "state": result,
                "state_label": STATE_LABELS[result],
                "unit_name": self.config.directory.name_of(target.unit),
                "at": vn_datetime(now),
            },
        )

    # -- login --------------------------------------------------------------------------------

    def _login_page(self, request: Request, error: str = "", code: int = 200) -> Response:
        nonce = secrets.token_urlsafe(16)
        response = self.page(
            "login.html",
            {
                "csrf": self.mac("login", nonce),
                "error": error,
                "next": request.query_params.get("next", "/"),
            },
            code,
        )
        response.set_cookie(
            LOGIN_COOKIE,
            nonce,
            httponly=True,
            samesite="strict",
            secure=self.secure_cookies,
            max_age=3600,
        )
        return response

    async def login(self, request: Request) -> Response:
        configured = self.config.settings.web.admin_password_hash
        if configured is None:
            return self.error(
                "Chưa bật bảng theo dõi",
                "Đặt REMINDER_WEB__ADMIN_PASSWORD_HASH (tạo bằng: reminder"
                " hash-password) rồi khởi động lại.",
                503,
            )
        if request.method == "GET":
            return self._login_page(request)
        address = self.address(request)
        if self.throttle.blocked(address):
            return self._login_page(request, "Thử lại sau ít phút.", 429)
        form = await request.form()
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        if not nonce or not same(str(form.get("csrf", "")), self.mac("login", nonce)):
            return self._login_page(request, "Biểu mẫu hết hạn, hãy đăng nhập lại.", 403)
        try:
            self.hasher.verify(configured.get_secret_value(), str(form.get("password", "")))
        except (VerificationError, InvalidHashError):
            self.throttle.fail(address)
            return self._login_page(request, "Sai mật khẩu.", 401)
        target = str(form.get("next", "/"))
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        response = RedirectResponse(self.base + target, status_code=303)
        session = self.sessions.sign(secrets.token_urlsafe(24)).decode()
        response.set_cookie(
            SESSION_COOKIE,
            session,
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
            max_age=self.config.settings.web.session_hours * 3600,
        )
        response.delete_cookie(LOGIN_COOKIE)
        return response

    async def logout(self, request: Request) -> Response:
        sid = self.session_id(request)
        form = await request.form()
        if sid is None or not same(str(form.get("csrf", "")), self.mac("csrf", sid)):
            return self.error("Biểu mẫu không hợp lệ", "Không đăng xuất được.", 403)
        response = RedirectResponse(self.base + "/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    def _require_login(self, request: Request) -> tuple[str | None, Response | None]:
        sid = self.session_id(request)
        if sid is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return None, RedirectResponse(f"{self.base}/login?next={target}", status_code=303)
        return sid, None

    # -- board ----------------------------------------------------------------------------------

    async def board(self, request: Request) -> Response:
        sid, redirect = self._require_login(request)
        if redirect is not None:
            return redirect
        assert sid is not None
        snapshot = await run_in_threadpool(self._snapshot)
        unit_filter = request.query_params.get("unit", "")
        state_filter = request.query_params.get("state", "")
        in_unit = [p for p in snapshot.pairs if not unit_filter or p.unit == unit_filter]
        counts = state.tally(in_unit)  # the counts follow the unit filter
        shown = [p for p in in_unit if not state_filter or p.state == state_filter]
        by_task = state.group_rows(shown)
        plans = []
        for plan in self.config.plans:
            quarters: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for task in plan.tasks:
                rows = by_task.get((plan.id, task.id))
                if not rows:
                    continue
                quarters[task.quarter].append(
                    {
                        "plan": plan.id,
                        "task": task.id,
                        "title": task.title,
                        "due": rows[0].due,
                        "units": rows,
                    }
                )
            plans.append({"title": plan.title, "quarters": sorted(quarters.items())})
        units = sorted(self.config.directory.units.values(), key=lambda u: u.name)
        return self.page(
            "board.html",
            {
                "plans": plans,
                "units": units,
                "labels": STATE_LABELS,
                "unit_filter": unit_filter,
                "state_filter": state_filter,
                "counts": counts,
                "today": self.today(),
                "csrf": self.mac("csrf", sid),
            },
        )

    async def unit_page(self, request: Request) -> Response:
        sid, redirect = self._require_login(request)
        if redirect is not None:
            return redirect
        assert sid is not None
        unit = self.config.directory.units.get(request.path_params["unit"])
        if unit is None:
            return self.error("Không có đơn vị này", "Kiểm tra lại đường dẫn.", 404)
        snapshot = await run_in_threadpool(self._snapshot)
        contacts = ", ".join([*unit.email, *(x for x in (unit.zalo_user_id, unit.phone) if x)])
        return self.page(
            "unit.html",
            {
                "unit": unit,
                "rows": snapshot.select(units=[unit.id]),
                "labels": STATE_LABELS,
                "roles": ROLE_LABELS,
                "statuses": STATUS_LABELS,
                "contacts": contacts,
                "csrf": self.mac("csrf", sid),
                "feed_url": self.feed_url(unit.id),
            },
        )

    async def task_page(self, request: Request) -> Response:
        sid, redirect = self._require_login(request)
        if redirect is not None:
            return redirect
        assert sid is not None
        plan_id, task_id = request.path_params["plan"], request.path_params["task"]
        plan = next((p for p in self.config.plans if p.id == plan_id), None)
        task = plan.task(task_id) if plan else None
        if plan is None or task is None:
            return self.error("Không có việc này", "Kiểm tra lại đường dẫn.", 404)
        snapshot = await run_in_threadpool(self._snapshot)
        start, due = plan.window(task)
        return self.page(
            "task.html",
            {
                "task": task,
                "start": start,
                "due": effective_due(self.config.calendar, due),
                "rows": snapshot.select(plan=plan_id, task=task_id),
                "labels": STATE_LABELS,
                "roles": ROLE_LABELS,
                "statuses": STATUS_LABELS,
                "csrf": self.mac("csrf", sid),
            },
        )

    async def export_csv(self, request: Request) -> Response:
        _, redirect = self._require_login(request)
        if redirect is not None:
            return redirect
        snapshot = await run_in_threadpool(self._snapshot)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                "plan",
                "task",
                "quarter",
                "title",
                "unit",
                "unit_name",
                "role",
                "due",
                "state",
                "state_label",
                "acked_at",
                "note",
                "days_late",
                "council_told",
                "last_delivery_status",
            ]
        )
        for s in snapshot.pairs:
            last = s.last_delivery
            writer.writerow(
                [
                    s.plan,
                    s.task,
                    s.quarter,
                    s.title,
                    s.unit,
                    s.unit_name,
                    s.role,
                    vn_date(s.due),
                    s.state,
                    s.label,
                    vn_datetime(s.acked_at),
                    s.note,
                    s.days_late,
                    vn_date(s.council_told) if s.council_told else "",
                    last.status if last else "",
                ]
            )
        return Response(
            "\ufeff" + buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="theo-doi.csv"'},
        )

    # -- calendar feeds -------------------------------------------------------------------------

    async def calendar_feed(self, request: Request) -> Response:
        unit_id = request.path_params["unit"]
        key = request.query_params.get("key", "")
        if unit_id not in self.config.directory.units or not same(
            key, self.mac("cal", unit_id)[:32]
        ):
            return Response("not found", status_code=404)
        from reminder.preview import select, to_ics

        items = select(self.config, unit=unit_id)
        body = to_ics(items, self.config.plans, self.config.directory)
        return Response(body, media_type="text/calendar; charset=utf-8")

    # -- Zalo -------------------------------------------------------------------------------------

    def zalo_signature_ok(self, raw: bytes, event: dict[str, Any], header: str) -> bool:
        zalo = self.config.settings.zalo
        if zalo.oa_secret_key is None:
            return False
        supplied = header.strip()
        supplied = supplied[4:] if supplied.lower().startswith("mac=") else supplied
        app_id = str(event.get("app_id", ""))
        if zalo.app_id and app_id != zalo.app_id:
            return False
        base = (
            app_id
            + raw.decode("utf-8", "replace")
            + str(event.get("timestamp", ""))
            + zalo.oa_secret_key.get_secret_value()
        )
        expected = hashlib.sha256(base.encode("utf-8")).hexdigest()
        return same(supplied.lower(), expected)

    async def zalo_webhook(self, request: Request) -> Response:
        if self.config.settings.zalo.oa_secret_key is None:
            return JSONResponse({"error": "webhook not configured"}, status_code=503)
        raw = await request.body()
        try:
            event = json.loads(raw)
            if not isinstance(event, dict):
                raise ValueError
        except ValueError:
            return JSONResponse({"error": "bad body"}, status_code=400)
        if not self.zalo_signature_ok(raw, event, request.headers.get("x-zevent-signature", "")):
            return JSONResponse({"error": "bad signature"}, status_code=401)
        if event.get("event_name") != "user_send_text":
            return JSONResponse({"ok": True})
        sender = str((event.get("sender") or {}).get("id", ""))
        text = str((event.get("message") or {}).get("text", ""))
        reply = await run_in_threadpool(self._ack_from_zalo, sender, text)
        task = BackgroundTask(self._reply_zalo, sender, reply) if reply else None
        return JSONResponse({"ok": True}, background=task)

    def _ack_from_zalo(self, user_id: str, text: str) -> str | None:
        unit = next(
            (
                u
                for u in self.config.directory.units.values()
                if u.zalo_user_id and u.zalo_user_id == user_id
            ),
            None,
        )
        parsed = parse_zalo_reply(text)
        if unit is None or parsed is None:
            return (
                None
                if unit is None
                else (
                    'Để xác nhận, trả lời "xong MÃ-VIỆC" hoặc "đã nhận MÃ-VIỆC",'
                    ' ví dụ "xong Q2-04".'
                )
            )
        state, ids = parsed
        now = self.clock()
        mine = {
            (a.plan.id, a.task.id)
            for a in assignments(self.config.plans, self.config.directory)
            if a.unit == unit.id
        }
        records, unknown = [], []
        for task_id in ids:
            plans = [p for (p, t) in mine if t.upper() == task_id]
            if not plans:
                unknown.append(task_id)
                continue
            real_id = next(t for (p, t) in mine if t.upper() == task_id)
            records += [
                acks.ack_record(
                    p, real_id, unit.id, state, now, "zalo", by=user_id, note=text[:200]
                )
                for p in plans
            ]
        if records:
            with self.store.transaction() as tx:
                tx.add_acks(records)
        done = sorted({r["task"] for r in records})
        parts = []
        if done:
            parts.append(
                f"Đã ghi nhận {ACK_LABELS[state].lower()}: {', '.join(done)}. Cảm ơn {unit.name}."
            )
        if unknown:
            parts.append(f"Không tìm thấy việc của đơn vị: {', '.join(unknown)}.")
        return " ".join(parts)

    async def _reply_zalo(self, user_id: str, text: str) -> None:
        if self.zalo_tokens is None or not self.zalo_tokens.configured:
            return
        channel = ZaloOAChannel(self.config.settings.zalo, self.zalo_tokens)
        await channel.open()
        try:
            await channel.send_text(user_id, text)
        except Exception:
            pass
        finally:
            await channel.close()

    # -- health and metrics -----------------------------------------------------------------------

    async def healthz(self, request: Request) -> Response:
        checks: dict[str, Any] = {}
        ok = True
        try:

            def probe() -> None:
                with self.store.transaction(readonly=True) as tx:
                    tx.acks()

            await run_in_threadpool(probe)
            checks["store"] = "ok"
        except Exception as exc:
            checks["store"] = f"error: {exc}"
            ok = False
        if self.health_extra is not None:
            extra = self.health_extra()
            checks.update(extra)
            ok = ok and all(v == "ok" for v in extra.values())
        return JSONResponse(
            {"status": "ok" if ok else "error", **checks}, status_code=200 if ok else 503
        )

    async def metrics(self, request: Request) -> Response:
        def collect() -> bytes:
            registry = CollectorRegistry()
            registry.register(_Metrics(self))
            return generate_latest(registry)

        body = await run_in_threadpool(collect)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


class _Metrics(Collector):
    def __init__(self, app: WebApp) -> None:
        self.app = app

    def collect(self) -> Any:
        with self.app.store.transaction(readonly=True) as tx:
            deliveries = [r for m in tx.delivery_months() for r in tx.deliveries(m)]
            events = list(tx.acks())
        messages = GaugeMetricFamily(
            "reminder_messages",
            "Delivery records by channel and status",
            labels=["channel", "status"],
        )
        for (channel, status), n in sorted(
            Counter((r["channel"], r["status"]) for r in deliveries).items()
        ):
            messages.add_metric([channel, status], n)
        yield messages
        snapshot = state.compute(self.app.config, events, deliveries, self.app.clock())
        pairs = GaugeMetricFamily(
            "reminder_pairs", "(plan, task, unit) pairs by state", labels=["state"]
        )
        for name, n in snapshot.counts().items():
            pairs.add_metric([name], n)
        yield pairs
        yield GaugeMetricFamily(
            "reminder_overdue",
            "(task, unit) pairs past due and not done",
            value=snapshot.counts()["overdue"],
        )
        yield GaugeMetricFamily(
            "reminder_long_overdue",
            "overdue pairs past the escalation day",
            value=sum(1 for p in snapshot.pairs if p.long_overdue),
        )
        yield GaugeMetricFamily(
            "reminder_escalated",
            "pairs the council was told of (a message to it went out)",
            value=sum(1 for p in snapshot.pairs if p.council_told is not None),
        )
        yield GaugeMetricFamily(
            "reminder_council_not_told",
            "long-overdue pairs the council could not be told of, or not yet",
            value=sum(1 for p in snapshot.pairs if p.council_problem is not None),
        )


def create_app(
    config: Config,
    store: Store,
    secret: str,
    *,
    clock: Callable[[], datetime] | None = None,
    health: Callable[[], dict[str, Any]] | None = None,
    zalo_tokens: ZaloTokens | None = None,
) -> Starlette:
    """The Starlette application."""
    app = WebApp(
        config,
        store,
        secret,
        health=health,
        zalo_tokens=zalo_tokens,
        **({"clock": clock} if clock is not None else {}),
    )
    routes = [
        Route("/", app.board),
        Route("/login", app.login, methods=["GET", "POST"]),
        Route("/logout", app.logout, methods=["POST"]),
        Route("/ack/{token}", app.ack_page, methods=["GET"]),
        Route("/ack/{token}", app.ack_post, methods=["POST"]),
        Route("/units/{unit}", app.unit_page),
        Route("/tasks/{plan}/{task}", app.task_page),
        Route("/export.csv", app.export_csv),
        Route("/calendar/{unit}.ics", app.calendar_feed),
        Route("/zalo/webhook", app.zalo_webhook, methods=["POST"]),
        Route("/healthz", app.healthz),
        Route("/metrics", app.metrics),
    ]
    starlette = Starlette(routes=routes)
    starlette.state.web = app
    return starlette

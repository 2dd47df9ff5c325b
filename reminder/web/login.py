"""``/login`` and ``/logout``: an account's server-side session.

The form takes ``username`` and ``password`` (the account ``admin`` may be the one from
``REMINDER_WEB__ADMIN_PASSWORD_HASH``). Logging out deletes the session on the server, so the
cookie is worthless afterwards even if it was copied.

The login form's CSRF field is bound to a short-lived nonce cookie (SameSite=Strict), so a
form posted from another site fails. Wrong passwords count against the address and against the
account name, so rotating addresses does not buy more guesses. Passwords are checked by
``security.Passwords``: off the event loop, a bounded number at a time.
"""

from __future__ import annotations

import logging
import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from reminder import accounts
from reminder.web.context import WebContext, address, context
from reminder.web.security import LOGIN_COOKIE, SESSION_COOKIE, AdminUser, csrf_for, same

log = logging.getLogger(__name__)


def _login_page(ctx: WebContext, request: Request, error: str = "", code: int = 200) -> Response:
    nonce = secrets.token_urlsafe(16)
    response = ctx.page(
        "login.html",
        {
            "csrf": ctx.mac("login", nonce),
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
        secure=ctx.secure_cookies,
        max_age=3600,
    )
    return response


async def login(request: Request) -> Response:
    ctx = context(request)
    env_hash = ctx.env_admin_hash()
    if env_hash is None and not await run_in_threadpool(ctx.records.records, accounts.ACCOUNTS):
        return ctx.error(
            "Chưa bật bảng theo dõi",
            "Chưa có tài khoản nào. Tạo tài khoản quản trị bằng: reminder user add TÊN"
            " --role admin --password-stdin (xem tài liệu hướng dẫn quản trị).",
            503,
        )
    if request.method == "GET":
        return _login_page(ctx, request)
    client = address(request)
    form = await request.form()
    name = str(form.get("username", "")).strip().lower()[:64]
    keys = (f"address:{client}", f"account:{name}")
    if any(ctx.bad_logins.blocked(key) for key in keys):
        return _login_page(ctx, request, "Thử lại sau ít phút.", 429)
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not same(str(form.get("csrf", "")), ctx.mac("login", nonce)):
        return _login_page(ctx, request, "Biểu mẫu hết hạn, hãy đăng nhập lại.", 403)
    password = str(form.get("password", ""))
    account = await run_in_threadpool(accounts.find, ctx.records, name, env_hash)
    # An unknown name costs the same verification as a known one: timing tells nothing.
    if not await ctx.passwords.verify(account.password_hash if account else None, password):
        for key in keys:
            ctx.bad_logins.fail(key)
        log.warning("đăng nhập thất bại từ %s, tài khoản %r", client, name)  # never the password
        return _login_page(ctx, request, "Sai tên đăng nhập hoặc mật khẩu.", 401)
    assert account is not None

    def begin() -> str:
        sid = accounts.start_session(ctx.records, account.name, ctx.clock(), ctx.sessions.hours)
        ctx.audit(account.name, "login", f"đăng nhập từ {client}")
        return sid

    session_id = await run_in_threadpool(begin)
    target = str(form.get("next", "/"))
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = RedirectResponse(ctx.base + target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        ctx.sessions.sign(session_id),
        httponly=True,
        samesite="lax",
        secure=ctx.secure_cookies,
        max_age=ctx.sessions.max_age_s,
    )
    response.delete_cookie(LOGIN_COOKIE)
    return response


async def logout(request: Request) -> Response:
    ctx = context(request)
    user = request.user
    form = await request.form()
    if not isinstance(user, AdminUser) or not same(str(form.get("csrf", "")), csrf_for(ctx, user)):
        return ctx.error("Biểu mẫu không hợp lệ", "Không đăng xuất được.", 403)

    def end() -> None:
        accounts.end_session(ctx.records, user.session_id)
        ctx.audit(user.account, "logout", "đăng xuất")

    await run_in_threadpool(end)
    response = RedirectResponse(ctx.base + "/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


ROUTES = [
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
]

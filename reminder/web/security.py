"""Security building blocks: constant-time comparison, password hashes, the failure throttle,
board sessions (a Starlette authentication backend over server-side session records) and the
login requirement.

The session cookie is signed (itsdangerous), HttpOnly, SameSite=Lax and Secure when the public
address is https. Starlette's ``AuthenticationMiddleware`` runs ``SessionBackend`` on every
request, so a handler knows ``request.user``; ``login_required`` sends anonymous visitors to the
login page. CSRF fields are HMACs of the session id (board forms) or of the ack token (ack forms),
so a form is only valid for the session or link that produced it.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, TimestampSigner
from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response

if TYPE_CHECKING:
    from reminder.web.context import WebContext

SESSION_COOKIE = "reminder_session"
LOGIN_COOKIE = "reminder_login"


def same(given: str, expected: str) -> bool:
    """Constant-time comparison that also accepts non-ASCII input (and says no to it)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def hash_password(password: str) -> str:
    """An argon2 hash for ``web.admin_password_hash``."""
    return PasswordHasher().hash(password)


class Throttle:
    """Counts failures per key (an address, an account) in a sliding window; too many and the
    key waits."""

    def __init__(
        self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        hits = self._hits[key]
        cutoff = self.clock() - self.window_s
        while hits and hits[0] < cutoff:
            hits.popleft()
        return hits

    def blocked(self, key: str) -> bool:
        """Whether ``key`` has failed too often lately."""
        hits = self._recent(key)
        if not hits:
            self._hits.pop(key, None)  # forget quiet keys: the table stays small
        return len(hits) >= self.limit

    def fail(self, key: str) -> None:
        """Count one failure for ``key``."""
        self._recent(key).append(self.clock())
        if len(self._hits) > self.max_keys:  # many keys (made-up account names): drop quiet ones
            for quiet in [k for k in list(self._hits) if not self._recent(k)]:
                del self._hits[quiet]

    max_keys = 10_000


class Passwords:
    """argon2 verification off the event loop, in at most ``workers`` threads at once.

    A verification costs tens of milliseconds of CPU by design; run on the event loop, a login
    flood would stall every ack page. Queued verifications wait for a worker; the rest of the
    app keeps its own threads.
    """

    def __init__(self, workers: int = 1) -> None:
        self.hasher = PasswordHasher()
        self.workers = workers
        self._limiter: anyio.CapacityLimiter | None = None
        self._dummy: str | None = None

    async def verify(self, hashed: str | None, password: str) -> bool:
        """Whether ``password`` matches ``hashed`` (False for a malformed hash too). With no
        hash (an unknown account) a dummy one is checked, so the answer takes as long."""
        if self._limiter is None:  # created in the serving event loop
            self._limiter = anyio.CapacityLimiter(self.workers)

        def check() -> bool:
            if hashed is None:
                if self._dummy is None:
                    self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
                with contextlib.suppress(VerificationError, InvalidHashError):
                    self.hasher.verify(self._dummy, password)
                return False
            try:
                return self.hasher.verify(hashed, password)
            except (VerificationError, InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(check, limiter=self._limiter)


class Sessions:
    """The session cookie: a server-side session id, signed with a timestamp."""

    def __init__(self, secret: str, hours: Callable[[], int]) -> None:
        self._signer = TimestampSigner(secret, salt="reminder.session")
        self._hours = hours

    @property
    def hours(self) -> int:
        return self._hours()

    @property
    def max_age_s(self) -> int:
        return self._hours() * 3600

    def sign(self, session_id: str) -> str:
        """The cookie value carrying ``session_id``."""
        return self._signer.sign(session_id).decode()

    def verify(self, cookie: str) -> str | None:
        """The session id in ``cookie``, or None when it is forged or too old."""
        try:
            return self._signer.unsign(cookie, max_age=self.max_age_s).decode()
        except BadSignature:
            return None


class AdminUser(BaseUser):
    """A logged-in account, known by its live server-side session."""

    def __init__(self, session_id: str, account: str = "admin", role: str = "admin") -> None:
        self.session_id = session_id
        self.account = account
        self.role = role

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.account

    @property
    def can_change(self) -> bool:
        """Whether this account may change anything (``viewer`` may not)."""
        return self.role == "admin"


#: Looks a session id up on the server: (account, role) while the session lives, else None.
SessionLookup = Callable[[str], Awaitable[tuple[str, str] | None]]


class SessionBackend(AuthenticationBackend):
    """Starlette authentication from the session cookie and the server's session records."""

    def __init__(self, sessions: Sessions, lookup: SessionLookup) -> None:
        self.sessions = sessions
        self.lookup = lookup

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        raw = conn.cookies.get(SESSION_COOKIE)
        sid = self.sessions.verify(raw) if raw else None
        if sid is None:
            return None
        found = await self.lookup(sid)
        if found is None:
            return None
        account, role = found
        return AuthCredentials([role]), AdminUser(sid, account, role)


Handler = Callable[[Request], Awaitable[Response]]
AdminHandler = Callable[[Request, AdminUser], Awaitable[Response]]


def login_required(handler: AdminHandler) -> Handler:
    """Run ``handler`` for a logged-in account; send anyone else to the login page,
    remembering where they were going."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        user = request.user
        if not isinstance(user, AdminUser):
            base: str = request.app.state.web.base
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{base}/login?next={target}", status_code=303)
        return await handler(request, user)

    return guarded


def csrf_for(ctx: WebContext, user: AdminUser) -> str:
    """The CSRF field of forms shown to ``user``'s session."""
    return ctx.mac("csrf", user.session_id)

"""The Zalo OA access token that the OA and template channels share.

The access token lasts about 25 hours; ``POST {oauth_base}/v4/oa/access_token`` (header
``secret_key``; form ``app_id``, ``grant_type=refresh_token``, ``refresh_token``) returns a new
pair, and **the refresh token works once** (developers.zalo.me, "Official Account API — lấy
access token từ refresh token"). So a refresh:

- happens under its **own** cross-process lock (``zalo-token.lock`` in the data directory), never
  under the store's lock: the HTTP call can take up to ``zalo.timeout`` seconds, and acks, the
  web app and dispatch passes must not wait for it;
- re-reads the stored pair first (another process may have refreshed while we waited);
- saves the new pair in a short store transaction **before** anything uses it (the old refresh
  token is spent from that moment on);
- happens ahead of expiry (``refresh_before_s``).

Tokens given in the environment seed the store; a new pair set in the environment (after
re-authorising the app) replaces the stored one.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta

import httpx
from filelock import FileLock, Timeout

from reminder.channels.base import Clock, utc_now
from reminder.errors import ChannelError
from reminder.settings import ZaloSettings
from reminder.store import Store

STATE = "zalo"  # the store's channel-state record holding the pair
LOCK_FILE = "zalo-token.lock"


def _fingerprint(token: str | None) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()[:16]


class ZaloTokens:
    """The OA access token, kept in the store's ``zalo`` state and refreshed when needed."""

    def __init__(self, settings: ZaloSettings, store: Store, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self._lock = asyncio.Lock()
        self._file_lock = FileLock(
            str(store.data_dir / LOCK_FILE), timeout=max(30.0, 3 * settings.timeout)
        )
        self._access: str | None = None
        self._expires: datetime | None = None
        self._failed: ChannelError | None = None

    @property
    def configured(self) -> bool:
        """Whether any token was given."""
        return bool(self.settings.access_token or self.settings.refresh_token)

    async def access_token(self, *, rejected: str | None = None) -> str:
        """A valid access token, refreshed ahead of expiry, or because Zalo ``rejected`` the
        one given (unless another request has refreshed it since)."""
        async with self._lock:
            if self._failed is not None:
                raise self._failed
            if self._access is None:
                await asyncio.to_thread(self._load)
            ahead = timedelta(seconds=self.settings.refresh_before_s)
            stale = self._expires is not None and self.clock() + ahead >= self._expires
            refused = rejected is not None and rejected == self._access
            if refused or stale or self._access is None:
                await asyncio.to_thread(self._refresh, self._access)
            assert self._access is not None
            return self._access

    # -- blocking: run in a worker thread --------------------------------------------------------

    def _load(self) -> None:
        env_refresh = self.settings.refresh_token
        env_access = self.settings.access_token
        seed = _fingerprint(
            (env_refresh.get_secret_value() if env_refresh else "")
            + (env_access.get_secret_value() if env_access else "")
        )
        while True:
            state = self.store.channel_state(STATE)
            if state.values.get("seeded_from") == seed:
                self._take(state.values)
                return
            seeded: dict[str, str | None] = {
                "access_token": env_access.get_secret_value() if env_access else None,
                "refresh_token": env_refresh.get_secret_value() if env_refresh else None,
                "expires_at": None,
                "seeded_from": seed,
            }
            if self.store.swap_channel_state(state, seeded) is not None:
                self._take(seeded)
                return  # else another process wrote meanwhile: look again

    def _take(self, state: Mapping[str, str | None]) -> None:
        self._access = state.get("access_token")
        expires = state.get("expires_at")
        self._expires = datetime.fromisoformat(expires) if expires else None

    def _stored(self) -> Mapping[str, str | None]:
        return self.store.channel_state(STATE).values

    def _refresh(self, used: str | None) -> None:
        try:
            with self._file_lock:
                self._refresh_locked(used)
        except Timeout:
            raise ChannelError(
                "một tiến trình khác đang làm mới mã truy cập Zalo quá lâu",
                permanent=False,
                code="refresh-lock",
            ) from None

    def _refresh_locked(self, used: str | None) -> None:
        s = self.settings
        state = self._stored()
        if state.get("access_token") and state.get("access_token") != used:
            # Another process refreshed while we waited for the lock: use its pair.
            self._take(state)
            return
        refresh = state.get("refresh_token")
        if not (refresh and s.app_id and s.secret_key):
            self._failed = ChannelError(
                "mã truy cập Zalo hết hạn và không làm mới được: cần REMINDER_ZALO__APP_ID,"
                " __SECRET_KEY và __REFRESH_TOKEN",
                permanent=False,
                code="no-refresh-token",
            )
            raise self._failed
        try:
            response = httpx.post(
                f"{s.oauth_base.rstrip('/')}/v4/oa/access_token",
                headers={"secret_key": s.secret_key.get_secret_value()},
                data={"app_id": s.app_id, "grant_type": "refresh_token", "refresh_token": refresh},
                timeout=s.timeout,
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ChannelError(
                f"không làm mới được mã truy cập Zalo: {exc}",
                permanent=False,
                code="refresh-http",
            ) from None
        if not isinstance(body, dict) or not body.get("access_token"):
            detail = str(body)[:500]
            code = str(body.get("error")) if isinstance(body, dict) else None
            self._failed = ChannelError(
                "Zalo từ chối làm mới mã truy cập: cần cấp quyền lại cho ứng dụng và đặt"
                " REMINDER_ZALO__REFRESH_TOKEN mới",
                permanent=False,
                code=code,
                detail=detail,
            )
            raise self._failed
        expires_in = int(body.get("expires_in") or 90000)
        fresh: dict[str, str | None] = {
            "access_token": str(body["access_token"]),
            "refresh_token": str(body.get("refresh_token") or refresh),
            "expires_at": (self.clock() + timedelta(seconds=expires_in)).isoformat(),
            "refreshed_at": self.clock().isoformat(),
        }
        # Saved before use: the old refresh token is spent from this moment on.
        while True:
            current = self.store.channel_state(STATE)
            merged = {**current.values, **fresh}
            if self.store.swap_channel_state(current, merged) is not None:
                break
        self._take(merged)

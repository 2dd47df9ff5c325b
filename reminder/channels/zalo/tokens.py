"""The Zalo OA access token that the OA and template channels share.

The access token lasts about 25 hours; ``POST {oauth_base}/v4/oa/access_token`` (header
``secret_key``; form ``app_id``, ``grant_type=refresh_token``, ``refresh_token``) returns a new
pair, and **the refresh token works once** (developers.zalo.me, "Official Account API — lấy
access token từ refresh token"). So exactly one worker may refresh at a time, across hosts:

- the refresh is **claimed in the store**: the worker writes ``refresh_claim`` (its name) and
  ``refresh_claim_until`` into the ``zalo`` channel state with a compare-and-set on its version
  (``swap_channel_state``), so of two workers — two processes on one host, or two hosts on one
  PostgreSQL database — one wins and the other waits for the pair it saves. A claim whose time
  has passed (its worker died mid-refresh) may be taken over. Nothing holds the store's lock
  meanwhile: the HTTP call can take up to ``zalo.timeout`` seconds, and acks, the web app and
  dispatch passes must not wait for it;
- the claim is taken only if the stored pair is still the one that needs refreshing (another
  worker may have refreshed while we looked);
- the new pair is saved, and the claim cleared, in one write **before** anything uses it (the
  old refresh token is spent from that moment on);
- it happens ahead of expiry (``refresh_before_s``).

Tokens given in the environment seed the store; a new pair set in the environment (after
re-authorising the app) replaces the stored one.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from reminder.channels.base import Clock, utc_now
from reminder.errors import ChannelError
from reminder.settings import ZaloSettings
from reminder.store import ChannelState, Store

STATE = "zalo"  # the store's channel-state record holding the pair
CLAIM, CLAIM_UNTIL = "refresh_claim", "refresh_claim_until"
#: How often a worker waiting for another's refresh looks at the store again (seconds).
WAIT_STEP = 0.1


def _fingerprint(token: str | None) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()[:16]


class ZaloTokens:
    """The OA access token, kept in the store's ``zalo`` state and refreshed when needed."""

    def __init__(self, settings: ZaloSettings, store: Store, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self._lock = asyncio.Lock()
        self._claim_s = max(30.0, 3 * settings.timeout)  # a claim outlives the HTTP call
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

    def _refresh(self, used: str | None) -> None:
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        claimed = self._claim(holder, used)
        if claimed is None:
            return  # another worker refreshed: its pair is taken
        try:
            self._refresh_claimed(claimed)
        finally:
            self._release(holder)

    def _claim(self, holder: str, used: str | None) -> ChannelState | None:
        """Claim the refresh in the store; None when another worker's new pair was taken
        instead. Waits (up to the claim's length) while a live claim is someone else's."""
        give_up = time.monotonic() + self._claim_s
        while True:
            state = self.store.channel_state(STATE)
            values = state.values
            if values.get("access_token") and values.get("access_token") != used:
                self._take(values)  # refreshed by another worker meanwhile: use its pair
                return None
            until = values.get(CLAIM_UNTIL)
            live = values.get(CLAIM) and until and datetime.fromisoformat(until) > self.clock()
            if live:
                if time.monotonic() > give_up:
                    raise ChannelError(
                        "một tiến trình khác đang làm mới mã truy cập Zalo quá lâu",
                        permanent=False,
                        code="refresh-lock",
                    )
                time.sleep(WAIT_STEP)  # waiting for another worker's network call
                continue
            expires = self.clock() + timedelta(seconds=self._claim_s)
            mine = {**values, CLAIM: holder, CLAIM_UNTIL: expires.isoformat()}
            claimed = self.store.swap_channel_state(state, mine)
            if claimed is not None:
                return claimed

    def _release(self, holder: str) -> None:
        """Clear our claim if it is still there (the new pair's write clears it already)."""
        while True:
            state = self.store.channel_state(STATE)
            if state.values.get(CLAIM) != holder:
                return
            cleared = {**state.values, CLAIM: None, CLAIM_UNTIL: None}
            if self.store.swap_channel_state(state, cleared) is not None:
                return

    def _refresh_claimed(self, claimed: ChannelState) -> None:
        s = self.settings
        refresh = claimed.values.get("refresh_token")
        if not (refresh and s.app_id and s.secret_key):
            self._failed = ChannelError(
                "mã truy cập Zalo hết hạn và không làm mới được: cần REMINDER_ZALO__APP_ID,"
                " __SECRET_KEY và __REFRESH_TOKEN",
                permanent=False,
                code="no-refresh-token",
            )
            raise self._failed
        import httpx  # here, not at start-up: commands that only read never refresh

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
            CLAIM: None,
            CLAIM_UNTIL: None,
        }
        # Saved before use: the old refresh token is spent from this moment on.
        while True:
            current = self.store.channel_state(STATE)
            merged = {**current.values, **fresh}
            if self.store.swap_channel_state(current, merged) is not None:
                break
        self._take(merged)

"""The Zalo Official Account channel, and the OA access token both Zalo channels use.

``POST {api_base}/v3.0/oa/message/cs`` with header ``access_token`` and body
``{"recipient": {"user_id": ...}, "message": {"text": ...}}``. Zalo answers HTTP 200 even when it
fails: success is ``error == 0`` only; the raw ``error`` and ``message`` are kept.

Tokens: the access token lasts about 25 hours; ``POST {oauth_base}/v4/oa/access_token``
(header ``secret_key``; form ``app_id``, ``grant_type=refresh_token``, ``refresh_token``) returns
a new pair, and **the refresh token works once**. So a refresh happens under the store's
cross-process lock, re-reads the stored pair first (another process may have refreshed), saves
the new pair before anything uses it, and happens ahead of expiry. Tokens given in the
environment seed the store; a new pair set in the environment (after re-authorising the app)
replaces the stored one.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from reminder.channels.base import Message, Receipt
from reminder.errors import ChannelError
from reminder.settings import ZaloSettings
from reminder.store import ChannelState, Store

Clock = Callable[[], datetime]

# Error codes of the OA API (developers.zalo.me, "Bảng mã lỗi"), as seen in its documentation
# and integrators' tables. Token errors trigger one refresh and one retry.
TOKEN_ERRORS = frozenset({-124, -216, -220})
# The recipient or the request cannot succeed by retrying the same message.
OA_PERMANENT = frozenset(
    {
        -201,  # invalid parameter
        -204,  # Official Account deleted
        -205,  # Official Account does not exist
        -207,  # invalid user id
        -213,  # the user does not follow the OA
        -217,  # the user blocked the OA
        -230,  # the user has not interacted with the OA in the last 7 days
        -232,  # no interaction quota left for this user
    }
)


def utc_now() -> datetime:
    """The wall clock, in UTC (token expiry is real time, not the plan's simulated time)."""
    return datetime.now(UTC)


def _fingerprint(token: str | None) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()[:16]


class ZaloTokens:
    """The OA access token, kept in the store's ``zalo`` state and refreshed when needed."""

    def __init__(self, settings: ZaloSettings, store: Store, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self._lock = asyncio.Lock()
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

    # -- blocking: run in a worker thread; the store's lock is never held across the network ----

    def _load(self) -> None:
        state = self.store.channel_state("zalo")
        env_refresh = self.settings.refresh_token
        env_access = self.settings.access_token
        seed = _fingerprint(
            (env_refresh.get_secret_value() if env_refresh else "")
            + (env_access.get_secret_value() if env_access else "")
        )
        values = dict(state.values)
        if values.get("seeded_from") != seed:
            values = {
                "access_token": env_access.get_secret_value() if env_access else None,
                "refresh_token": env_refresh.get_secret_value() if env_refresh else None,
                "expires_at": None,
                "seeded_from": seed,
            }
            if self.store.swap_channel_state(state, values) is None:
                values = dict(self.store.channel_state("zalo").values)  # another process seeded
        self._take(values)

    def _take(self, values: Mapping[str, str | None]) -> None:
        self._access = values.get("access_token")
        expires = values.get("expires_at")
        self._expires = datetime.fromisoformat(expires) if expires else None

    def _claim_refresh(self, used: str | None) -> ChannelState | None:
        """Take the right to refresh (a short lease in the channel state, so two processes
        never spend the refresh token at once and nobody holds the store's lock over the
        network); None when another process refreshed meanwhile (its pair is taken)."""
        me = f"{os.getpid()}-{id(self)}"
        deadline = time.monotonic() + 2 * self.settings.timeout + 5
        while True:
            state = self.store.channel_state("zalo")
            values = dict(state.values)
            if values.get("access_token") and values.get("access_token") != used:
                self._take(values)  # another process refreshed since we read the token
                return None
            busy = values.get("refreshing_until")
            if busy and float(busy) > time.time() and values.get("refreshing_by") != me:
                if time.monotonic() > deadline:
                    raise ChannelError(
                        "tiến trình khác đang làm mới mã truy cập Zalo quá lâu",
                        permanent=False,
                        code="refresh-busy",
                    )
                time.sleep(0.1)
                continue
            until = str(time.time() + self.settings.timeout + 5)
            claimed = self.store.swap_channel_state(
                state, {**values, "refreshing_until": until, "refreshing_by": me}
            )
            if claimed is not None:
                return claimed

    def _refresh(self, used: str | None) -> None:
        state = self._claim_refresh(used)
        if state is None:
            return
        values = {k: v for k, v in state.values.items() if not k.startswith("refreshing_")}
        try:
            self._refresh_claimed(state, values)
        finally:
            current = self.store.channel_state("zalo")
            if current.values.get("refreshing_until"):
                self.store.swap_channel_state(
                    current,
                    {k: v for k, v in current.values.items() if not k.startswith("refreshing_")},
                )

    def _refresh_claimed(self, state: ChannelState, values: dict[str, str | None]) -> None:
        s = self.settings
        refresh = values.get("refresh_token")
        if not (refresh and s.app_id and s.secret_key):
            self._failed = ChannelError(
                "mã truy cập Zalo hết hạn và không làm mới được: cần REMINDER_ZALO__APP_ID,"
                " __SECRET_KEY và __REFRESH_TOKEN",
                permanent=False,
                code="no-refresh-token",
            )
            raise self._failed
        assert s.secret_key is not None
        try:
            response = httpx.post(
                f"{s.oauth_base.rstrip('/')}/v4/oa/access_token",
                headers={"secret_key": s.secret_key.get_secret_value()},
                data={
                    "app_id": s.app_id,
                    "grant_type": "refresh_token",
                    "refresh_token": refresh,
                },
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
            current = self.store.channel_state("zalo")
            if current.version != state.version:
                self._take(current.values)  # another process refreshed with the same token
                return
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
        values = {
            **values,
            "access_token": str(body["access_token"]),
            "refresh_token": str(body.get("refresh_token") or refresh),
            "expires_at": (self.clock() + timedelta(seconds=expires_in)).isoformat(),
            "refreshed_at": self.clock().isoformat(),
        }
        # Saved at once: the old refresh token is spent from this moment on. If another
        # process saved a pair meanwhile, both pairs are valid; keep the one stored.
        if self.store.swap_channel_state(state, values) is None:
            values = dict(self.store.channel_state("zalo").values)
        self._take(values)


def classify_zalo(body: Any, permanent_codes: frozenset[int]) -> ChannelError | None:
    """None when Zalo accepted the request; otherwise the error, marked."""
    if not isinstance(body, dict):
        return ChannelError(
            "Zalo trả lời không đúng dạng", permanent=False, code="bad-body", detail=str(body)[:500]
        )
    code = body.get("error")
    if code == 0:
        return None
    message = str(body.get("message") or body.get("error_name") or "")
    try:
        number = int(str(code))
    except ValueError:
        number = 0
    return ChannelError(
        f"Zalo báo lỗi {code}: {message}",
        permanent=number in permanent_codes,
        code=str(code),
        detail=message,
    )


async def post_json(client: httpx.AsyncClient, url: str, token: str, payload: Any) -> Any:
    """POST ``payload`` with the ``access_token`` header; HTTP-level failures become errors."""
    try:
        response = await client.post(url, json=payload, headers={"access_token": token})
    except httpx.TimeoutException:
        raise ChannelError("Zalo không trả lời kịp", permanent=False, code="timeout") from None
    except httpx.HTTPError as exc:
        raise ChannelError(
            f"không kết nối được Zalo: {exc}", permanent=False, code="connect"
        ) from None
    if response.status_code == 429 or response.status_code >= 500:
        raise ChannelError(
            f"Zalo trả lời HTTP {response.status_code}",
            permanent=False,
            code=str(response.status_code),
            detail=response.text[:500],
        )
    if response.status_code >= 400:
        raise ChannelError(
            f"Zalo từ chối HTTP {response.status_code}",
            permanent=True,
            code=str(response.status_code),
            detail=response.text[:500],
        )
    try:
        return response.json()
    except ValueError:
        raise ChannelError(
            "Zalo trả lời không phải JSON",
            permanent=False,
            code="bad-body",
            detail=response.text[:500],
        ) from None


async def call_zalo(
    client: httpx.AsyncClient,
    tokens: ZaloTokens,
    url: str,
    payload: Any,
    permanent_codes: frozenset[int],
) -> dict[str, Any]:
    """POST to a Zalo API with the OA token; on a token error refresh once and retry.

    Returns the response's ``data``; raises ``ChannelError`` (marked) otherwise.
    """
    token = await tokens.access_token()
    body = await post_json(client, url, token, payload)
    error = classify_zalo(body, permanent_codes)
    if error is not None and error.code and int(error.code) in TOKEN_ERRORS:
        token = await tokens.access_token(rejected=token)
        body = await post_json(client, url, token, payload)
        error = classify_zalo(body, permanent_codes)
    if error is not None:
        raise error
    data = body.get("data") or {}
    return data if isinstance(data, dict) else {}


class ZaloChannelBase:
    """What both Zalo channels share: settings, the OA token, an HTTP client per pass."""

    def __init__(self, settings: ZaloSettings, tokens: ZaloTokens, concurrency: int = 4) -> None:
        self.settings = settings
        self.tokens = tokens
        self.concurrency = concurrency
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        self._client = httpx.AsyncClient(timeout=self.settings.timeout)

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


class ZaloOAChannel(ZaloChannelBase):
    """Text messages to followers of the Official Account."""

    name = "zalo_oa"

    async def send(self, message: Message) -> Receipt:
        if not message.zalo_user_id:
            raise ChannelError("đơn vị không có zalo_user_id", permanent=True, code="no-user")
        return await self.send_text(message.zalo_user_id, message.short_text)

    async def send_text(self, user_id: str, text: str) -> Receipt:
        """A text message to one follower (also used to answer their replies)."""
        assert self._client is not None, "open() first"
        payload = {"recipient": {"user_id": user_id}, "message": {"text": text[:2000]}}
        url = f"{self.settings.api_base.rstrip('/')}/v3.0/oa/message/cs"
        data = await call_zalo(self._client, self.tokens, url, payload, OA_PERMANENT)
        return Receipt(provider_id=str(data.get("message_id", "")), detail="zalo_oa")

"""The Zalo Official Account channel: consultation ("tư vấn") text messages to followers.

``POST {api_base}/v3.0/oa/message/cs`` with header ``access_token`` and body
``{"recipient": {"user_id": ...}, "message": {"text": ...}}``. Zalo answers HTTP 200 even when it
fails: success is ``error == 0`` only; the raw ``error`` and ``message`` are kept
(developers.zalo.me, "Gửi tin Tư vấn").

**The interaction window.** A consultation message may only go to a follower who interacted
with the OA lately: free within 48 hours of the follower's last interaction, paid up to 7 days,
then Zalo refuses it (-230). The OA webhook records each follower's last interaction
(``records.record_interaction``); this channel sends only inside ``zalo.cs_window_h`` hours of it
(48 by default, at most 168) and otherwise fails the message *without calling Zalo*, saying why,
so the next channel in ``channels.order`` takes it. Replies to a follower's own message are
inside the window by definition and use ``send_text`` directly.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from reminder.channels.base import Message, Receipt, pass_now
from reminder.channels.http import HttpChannel, json_body
from reminder.channels.zalo import records
from reminder.channels.zalo.tokens import ZaloTokens
from reminder.errors import ChannelError
from reminder.settings import ZaloSettings

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


class ZaloChannelBase(HttpChannel):
    """What both OA-token Zalo channels share: settings, the OA token, one call helper."""

    provider = "Zalo"

    def __init__(self, settings: ZaloSettings, tokens: ZaloTokens, concurrency: int = 4) -> None:
        super().__init__(settings.timeout, concurrency)
        self.settings = settings
        self.tokens = tokens

    async def call(self, url: str, payload: Any, permanent_codes: frozenset[int]) -> dict[str, Any]:
        """POST to a Zalo API with the OA token; on a token error refresh once and retry.

        Returns the response's ``data``; raises ``ChannelError`` (marked) otherwise.
        """
        token = await self.tokens.access_token()
        body = await self._post(url, token, payload)
        error = classify_zalo(body, permanent_codes)
        if error is not None and error.code and int(error.code) in TOKEN_ERRORS:
            token = await self.tokens.access_token(rejected=token)
            body = await self._post(url, token, payload)
            error = classify_zalo(body, permanent_codes)
        if error is not None:
            raise error
        data = body.get("data") or {}
        return data if isinstance(data, dict) else {}

    async def _post(self, url: str, token: str, payload: Any) -> Any:
        response = await self.post(url, json=payload, headers={"access_token": token})
        return json_body(self.provider, response)


class ZaloOAChannel(ZaloChannelBase):
    """Consultation text messages to followers of the Official Account, inside the window."""

    name = "zalo_oa"

    async def send(self, message: Message) -> Receipt:
        if not message.zalo_user_id:
            raise ChannelError("đơn vị không có zalo_user_id", permanent=True, code="no-user")
        await self._check_window(message.zalo_user_id)
        return await self.send_text(message.zalo_user_id, message.short_text)

    async def _check_window(self, user_id: str) -> None:
        last = await asyncio.to_thread(records.last_interaction, self.tokens.store, user_id)
        hours = self.settings.cs_window_h
        now = pass_now()
        if last is None or now - last > timedelta(hours=hours):
            when = (
                "chưa từng nhắn OA" if last is None else f"nhắn OA lần cuối {last:%H:%M %d/%m/%Y}"
            )
            raise ChannelError(
                f"ngoài khung {hours} giờ Zalo cho phép gửi tin tư vấn (người nhận {when});"
                " không gọi Zalo, chuyển sang kênh kế tiếp",
                permanent=True,
                code="outside-window",
            )

    async def send_text(self, user_id: str, text: str) -> Receipt:
        """A text message to one follower (also used to answer their replies)."""
        payload = {"recipient": {"user_id": user_id}, "message": {"text": text[:2000]}}
        url = f"{self.settings.api_base.rstrip('/')}/v3.0/oa/message/cs"
        data = await self.call(url, payload, OA_PERMANENT)
        return Receipt(provider_id=str(data.get("message_id", "")), detail="zalo_oa")

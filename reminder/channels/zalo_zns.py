"""The Zalo ZNS channel: template messages by phone number, for officials who do not follow
the Official Account.

``POST {zns_base}/message/template`` with header ``access_token`` and body
``{"phone", "template_id", "template_data", "tracking_id"}``; HTTP 200 with ``error == 0`` is
success. The template (created and approved in the ZNS console) receives: ``don_vi`` (unit),
``so_viec`` (number of tasks), ``ma_viec`` (task ids), ``han_gan_nhat`` (nearest due date,
dd/mm/yyyy) and ``lien_ket`` (a link to the tasks).
"""

from __future__ import annotations

import hashlib
import re

from reminder.channels.base import Message, Receipt
from reminder.channels.zalo_oa import ZaloChannelBase, ZaloTokens, call_zalo
from reminder.errors import ChannelError
from reminder.settings import ZaloSettings

# ZNS error codes (zalo.cloud "Cách xử lý mã lỗi") that retrying cannot fix.
ZNS_PERMANENT = frozenset(
    {
        -108,  # invalid phone number
        -109,  # invalid template id
        -111,  # template data empty
        -112,  # template data invalid
        -118,  # no Zalo account for this number
        -119,  # the account cannot receive ZNS
        -139,  # the user refused this kind of message
    }
)


def zns_phone(phone: str) -> str:
    """``0912 345 678`` / ``+84912345678`` -> ``84912345678``."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    return digits


class ZaloZNSChannel(ZaloChannelBase):
    """Template notifications by phone number."""

    name = "zalo_zns"

    def __init__(self, settings: ZaloSettings, tokens: ZaloTokens, concurrency: int = 4) -> None:
        if not settings.zns_template_id:
            raise ValueError("zalo_zns needs zalo.zns_template_id")
        super().__init__(settings, tokens, concurrency)

    async def send(self, message: Message) -> Receipt:
        if not message.phone:
            raise ChannelError("đơn vị không có số điện thoại", permanent=True, code="no-phone")
        assert self._client is not None, "open() first"
        payload = {
            "phone": zns_phone(message.phone),
            "template_id": self.settings.zns_template_id,
            "template_data": message.data,
            "tracking_id": hashlib.sha256(message.key.encode()).hexdigest()[:32],
        }
        url = f"{self.settings.zns_base.rstrip('/')}/message/template"
        data = await call_zalo(self._client, self.tokens, url, payload, ZNS_PERMANENT)
        return Receipt(provider_id=str(data.get("msg_id", "")), detail="zalo_zns")

"""Signed links to a unit's own page (``/u/{token}``), made for reminders and checked by the
web app: no login, like the ack links, and they expire with them (end of March after the
latest plan year)."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from reminder.acks import BadToken

_SALT = "reminder.unit.v1"


class UnitLinks:
    """Makes and checks unit-page tokens."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(
            secret, salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )

    def make(self, unit: str, year: int) -> str:
        """A token for ``unit``'s page, valid until the end of March after ``year``."""
        return str(self._serializer.dumps([unit, f"{year + 1}-03-31"]))

    def check(self, token: str, today: date) -> str:
        """The unit of ``token``; ``BadToken`` when it is forged, malformed or expired."""
        try:
            payload: Any = self._serializer.loads(token)
        except BadSignature:
            raise BadToken("liên kết không hợp lệ") from None
        if not (isinstance(payload, list) and len(payload) == 2):
            raise BadToken("liên kết không hợp lệ")
        unit, expires = payload
        try:
            expiry = date.fromisoformat(str(expires))
        except ValueError:
            raise BadToken("liên kết không hợp lệ") from None
        if today > expiry:
            raise BadToken("liên kết đã hết hạn")
        return str(unit)

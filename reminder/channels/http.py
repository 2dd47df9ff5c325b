"""What every HTTP channel shares: one client per pass and one mapping of HTTP failures.

The mapping, decided once for the webhook and both Zalo APIs:

- connection errors and timeouts: transient;
- 2xx: accepted at the HTTP level (a provider may still refuse in its body);
- 408 Request Timeout, 425 Too Early, 429 Too Many Requests and every 5xx: transient — the
  server says "not now", so the same request later can succeed (RFC 9110 §15.5.9 lets a client
  repeat a request after 408);
- any other 4xx: permanent — the request itself is wrong (bad address, refused credentials,
  unknown recipient) and repeating it cannot help.

httpx is imported when a channel opens (and for its errors), not with this module: the
commands that only read (``status``, ``digest``) import the channel modules without sending.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reminder.errors import ChannelError

if TYPE_CHECKING:
    import httpx

TRANSIENT_STATUS = frozenset({408, 425, 429})


def is_transient(status: int) -> bool:
    """Whether an HTTP error status is worth retrying."""
    return status in TRANSIENT_STATUS or status >= 500


def status_error(provider: str, response: httpx.Response) -> ChannelError | None:
    """None for 2xx; otherwise the error, marked transient or permanent."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    transient = is_transient(status)
    verb = "trả lời" if transient else "từ chối"
    return ChannelError(
        f"{provider} {verb} HTTP {status}",
        permanent=not transient,
        code=str(status),
        detail=response.text[:500],
    )


def json_body(provider: str, response: httpx.Response) -> Any:
    """The response's JSON; a body that is not JSON is a transient error."""
    try:
        return response.json()
    except ValueError:
        raise ChannelError(
            f"{provider} trả lời không phải JSON",
            permanent=False,
            code="bad-body",
            detail=response.text[:500],
        ) from None


class HttpChannel:
    """Base of the HTTP channels: an ``httpx.AsyncClient`` from ``open`` to ``close``."""

    provider = "máy chủ"

    def __init__(self, timeout: float, concurrency: int) -> None:
        self.timeout = timeout
        self.concurrency = concurrency
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        import httpx

        self._client = httpx.AsyncClient(timeout=self.timeout)

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def post_raw(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST; transport failures become transient errors, any status is returned."""
        import httpx

        assert self._client is not None, "open() first"
        try:
            return await self._client.post(url, **kwargs)
        except httpx.TimeoutException:
            raise ChannelError(
                f"{self.provider} không trả lời kịp", permanent=False, code="timeout"
            ) from None
        except httpx.HTTPError as exc:
            raise ChannelError(
                f"không kết nối được {self.provider}: {exc}", permanent=False, code="connect"
            ) from None

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST; anything but 2xx becomes an error marked by the mapping above."""
        response = await self.post_raw(url, **kwargs)
        error = status_error(self.provider, response)
        if error is not None:
            raise error
        return response

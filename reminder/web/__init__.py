"""The web app (Starlette): acknowledgment pages, the Zalo callback, the status board, calendar
feeds, health and metrics — one module per area, wired together in ``app``.

Starlette rather than FastAPI: the app serves HTML forms and a few plain endpoints, with no JSON
API to describe; Starlette gives routing, form parsing, authentication middleware and responses
without a validation and OpenAPI layer we would not use, and it is what FastAPI is built on.

Rules every handler keeps:

- **GET never changes state.** ``GET /ack/{token}`` shows a page; only the POST from its form
  (with its CSRF field) records an acknowledgment. Mail scanners and link previews are harmless.
- Tokens are checked by signature (constant time) and expiry before anything is read; a bad
  token records nothing, and an address that sends many bad tokens gets 429 for a while.
- The board and its pages need a login (``security.login_required``); every form carries a
  CSRF field bound to the session (or, for ack forms, to the ack token).
- Templates are autoescaped. Store access runs in a worker thread under the store's locks.

Modules: ``app`` (routes + middleware), ``context`` (what handlers share), ``security``
(sessions, CSRF, throttle), ``login``, ``ack``, ``board`` (board, unit and task pages, CSV),
``feeds`` (calendar), ``zalo`` (OA callback), ``zalo_bot`` (Zalo Bot webhook), ``ops``
(health, metrics).
"""

from reminder.channels.zalo.inbound import parse_reply as parse_zalo_reply
from reminder.web.app import create_app
from reminder.web.security import hash_password

__all__ = ["create_app", "hash_password", "parse_zalo_reply"]

"""``/calendar/{unit}.ics?key=…``: a unit's deadlines as an iCalendar feed, behind a secret key
(an HMAC of the unit id) so the address can be pasted into a phone's calendar."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reminder.web.context import WebContext, context
from reminder.web.security import same

KEY_LENGTH = 32


def feed_key(ctx: WebContext, unit_id: str) -> str:
    return ctx.mac("cal", unit_id)[:KEY_LENGTH]


def feed_url(ctx: WebContext, unit_id: str) -> str:
    """The secret calendar feed address of a unit."""
    return f"{ctx.base}/calendar/{unit_id}.ics?key={feed_key(ctx, unit_id)}"


async def calendar_feed(request: Request) -> Response:
    ctx = context(request)
    unit_id = request.path_params["unit"]
    key = request.query_params.get("key", "")
    if unit_id not in ctx.config.directory.units or not same(key, feed_key(ctx, unit_id)):
        return Response("not found", status_code=404)
    from reminder.preview import select, to_ics

    items = select(ctx.config, unit=unit_id)
    body = to_ics(items, ctx.config.plans, ctx.config.directory)
    return Response(body, media_type="text/calendar; charset=utf-8")


ROUTES = [Route("/calendar/{unit}.ics", calendar_feed)]

"""Activity reports to the hub, so that idle culling sees real use and nothing else.

`Activity` is noted by the web app on every authenticated HTTP request and every
message a browser sends on a socket (`ActivityMiddleware`), and read at report time
together with whether any kernel is busy (a long computation with no browser
attached is use too). `report_activity` posts at most once per interval, and only
when something happened since the last post: an idle server stays idle in the hub's
eyes. The hub's own readiness probe (`GET {prefix}api`) is not use.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api import HubApi, HubApiError

__all__ = ["Activity", "ActivityMiddleware", "report_activity"]

log = logging.getLogger("notewire.hub")


class Activity:
    """The time of the last use (wall clock, UTC). Noting is one float store: it runs
    on every request and socket message."""

    def __init__(self) -> None:
        self.last: float = time.time()

    def note(self) -> None:
        self.last = time.time()


class ActivityMiddleware:
    """Notes activity for HTTP requests and browser socket messages, except the
    paths in `ignore` (route paths: below the base URL)."""

    def __init__(self, app: ASGIApp, *, activity: Activity, ignore: frozenset[str]) -> None:
        self.app = app
        self.activity = activity
        self.ignore = ignore

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        root = scope.get("root_path", "")
        if kind not in ("http", "websocket") or scope["path"][len(root) :] in self.ignore:
            await self.app(scope, receive, send)
            return
        self.activity.note()
        if kind == "http":
            await self.app(scope, receive, send)
            return
        activity = self.activity

        async def noting_receive() -> Message:
            message = await receive()
            if message["type"] == "websocket.receive":
                activity.note()
            return message

        await self.app(scope, noting_receive, send)


async def report_activity(
    api: HubApi,
    activity: Activity,
    *,
    interval: float,
    busy: Callable[[], bool] = lambda: False,
) -> None:
    """Post the last activity every `interval` seconds while there is news; runs until
    cancelled. A failed post is logged and retried at the next interval."""
    reported = activity.last  # the start itself: the hub knows of it already
    while True:
        await asyncio.sleep(interval)  # the reporting period, not a synchronisation
        if busy():
            activity.note()
        if activity.last <= reported:
            continue
        last = activity.last
        try:
            await api.post_activity(datetime.fromtimestamp(last, UTC))
        except HubApiError as exc:
            log.warning("could not report activity to the hub: %s", exc)
            continue
        reported = last

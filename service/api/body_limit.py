"""The request body limit, enforced on the bytes actually read.

A `Content-Length` can be left out (chunked transfer) or be a lie; counting the
`http.request` messages as the app reads them holds for JSON and multipart alike,
and stops reading at the limit instead of after the whole body.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.problems import problem


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body passes its limit; an HTTPException, so the framework
    hands it on as it is rather than as a body it could not parse."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"请求体超过上限 {limit} 字节，已停止读取")
        self.limit = limit


class BodyLimit:
    """ASGI middleware: at most `limit_for(path)` body bytes are read, else 413 problem+json."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:  # read outside the framework's own body parsing
            if started:
                raise
            response = problem(413, "请求体过大", str(exc.detail), code="too-large")
            await response(scope, receive, send)

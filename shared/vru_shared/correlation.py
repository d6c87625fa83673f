"""The correlation id that follows one request through HTTP calls, logs and events."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Correlation-ID"
_HEADER_BYTES = HEADER.lower().encode()
# Ids come from outside; keep them short and printable so they cannot forge log lines.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current() -> str:
    """The id in force, or a fresh one when none is (a background task, a CLI)."""
    value = correlation_id.get()
    if value is None:
        value = str(uuid.uuid4())
        correlation_id.set(value)
    return value


def accept(candidate: str | None) -> str:
    if candidate and _ACCEPTABLE.match(candidate):
        return candidate
    return str(uuid.uuid4())


class CorrelationMiddleware:
    """Takes the caller's id (or makes one), binds it for the request and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", []):
            if name == _HEADER_BYTES:
                incoming = value.decode("latin-1")
                break
        value = accept(incoming)
        token = correlation_id.set(value)
        # Kept on the request too, for error handlers that run after this middleware has ended.
        scope.setdefault("state", {})["correlation_id"] = value

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((_HEADER_BYTES, value.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)

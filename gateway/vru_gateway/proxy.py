"""The reverse proxy: relays a /v1 request to the service that owns it and relays its answer back."""

from __future__ import annotations

import aiohttp
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from yarl import URL

from vru_gateway.admission import Admission
from vru_gateway.routes import service_for
from vru_gateway.upstreams import Upstreams
from vru_shared import logs
from vru_shared.correlation import HEADER, current
from vru_shared.problems import problem_response

log = logs.get(__name__)

_HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"te", b"trailer", b"transfer-encoding", b"upgrade"})
# The gateway sets these itself; passing the caller's on would duplicate or spoof them.
_REQUEST_DROP = _HOP_BY_HOP | {
    b"host",
    b"content-length",
    b"x-correlation-id",
    b"x-forwarded-for",
    b"x-forwarded-proto",
}
# uvicorn adds its own date and server headers and the correlation middleware its own id.
_RESPONSE_DROP = _HOP_BY_HOP | {b"content-length", b"date", b"server", b"x-correlation-id"}
_HEAD_RESPONSE_DROP = _RESPONSE_DROP - {b"content-length"}
_BODILESS_STATUSES = frozenset({204, 304})


def _connection_tokens(headers: list[tuple[bytes, bytes]]) -> frozenset[bytes]:
    """Header names the sender listed in Connection, which are hop-by-hop too (RFC 9110 7.6.1)."""
    tokens: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            tokens.update(token.strip().lower() for token in value.split(b","))
    return frozenset(tokens)


def _is_dropped(name: bytes, drop: frozenset[bytes], tokens: frozenset[bytes]) -> bool:
    return name in drop or name.startswith(b"proxy-") or name in tokens


def _request_headers(scope: Scope) -> list[tuple[str, str]]:
    raw: list[tuple[bytes, bytes]] = scope["headers"]
    tokens = _connection_tokens(raw)
    headers: list[tuple[str, str]] = []
    # The chain of earlier proxies is kept and the caller appended to it.
    chain: list[str] = []
    for name, value in raw:
        if name == b"x-forwarded-for":
            chain.append(value.decode("latin-1"))
        elif not _is_dropped(name, _REQUEST_DROP, tokens):
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
    client = scope.get("client")
    if client:
        chain.append(client[0])
    if chain:
        headers.append(("X-Forwarded-For", ", ".join(chain)))
    headers.append(("X-Forwarded-Proto", scope.get("scheme", "http")))
    headers.append((HEADER, current()))
    return headers


def _response_headers(
    raw: tuple[tuple[bytes, bytes], ...], method: str, status: int, length: int
) -> list[tuple[bytes, bytes]]:
    lowered = [(name.lower(), value) for name, value in raw]
    tokens = _connection_tokens(lowered)
    # A HEAD answer has no body, so only the upstream knows its length.
    drop = _HEAD_RESPONSE_DROP if method == "HEAD" else _RESPONSE_DROP
    headers = [(name, value) for name, value in lowered if not _is_dropped(name, drop, tokens)]
    if method != "HEAD" and status >= 200 and status not in _BODILESS_STATUSES:
        headers.append((b"content-length", str(length).encode()))
    return headers


class BodyTooLarge(Exception):
    pass


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None when the caller went away; BodyTooLarge past the limit."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body: bytes = message.get("body", b"")
        size += len(body)
        if size > limit:
            raise BodyTooLarge
        if not message.get("more_body", False):
            if not chunks:
                return body
            chunks.append(body)
            return b"".join(chunks)
        chunks.append(body)


def failure_response(service: str, path: str, exc: BaseException) -> JSONResponse:
    """The problem answer for an upstream that could not be reached or answered badly."""
    if isinstance(exc, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)):
        return problem_response(
            503,
            f"the {service} service is unavailable",
            kind="service-unavailable",
            instance=path,
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, TimeoutError):
        return problem_response(
            504, f"the {service} service did not answer in time", kind="gateway-timeout", instance=path
        )
    return problem_response(
        502, f"the {service} service gave no valid answer", kind="bad-gateway", instance=path
    )


class Proxy:
    """An ASGI endpoint for every /v1 path; answers 404 for a path no service owns."""

    def __init__(self, upstreams: Upstreams, admission: Admission, *, max_request_bytes: int) -> None:
        self._upstreams = upstreams
        self._urls = upstreams.urls
        self._admission = admission
        self._max_request_bytes = max_request_bytes

    def _too_large(self, path: str) -> JSONResponse:
        return problem_response(
            413,
            f"the request body is larger than the limit of {self._max_request_bytes} bytes",
            kind="request-too-large",
            instance=path,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        service = service_for(path)
        if service is None:
            response = problem_response(404, f"no service serves {path}", instance=path)
            await response(scope, receive, send)
            return
        refused = await self._admission.refuse(scope)
        if refused is not None:
            await refused(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self._max_request_bytes:
            await self._too_large(path)(scope, receive, send)
            return
        try:
            body = await _read_body(receive, self._max_request_bytes)
        except BodyTooLarge:
            await self._too_large(path)(scope, receive, send)
            return
        if body is None:
            return
        method: str = scope["method"]
        # The raw path keeps the caller's percent-encoding exactly.
        target = self._urls[service] + (scope.get("raw_path") or path.encode()).decode("latin-1")
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")
        try:
            async with self._upstreams.session.request(
                method,
                URL(target, encoded=True),
                headers=_request_headers(scope),
                data=body or None,
                allow_redirects=False,
            ) as upstream:
                content = await upstream.read()
                status = upstream.status
                raw_headers = upstream.raw_headers
        except (aiohttp.ClientError, TimeoutError) as exc:
            response = failure_response(service, path, exc)
            log.warning(
                "upstream request failed",
                service=service,
                method=method,
                path=path,
                status=response.status_code,
                error=f"{type(exc).__name__}: {exc}",
            )
            await response(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": _response_headers(raw_headers, method, status, len(content)),
            }
        )
        await send({"type": "http.response.body", "body": content})

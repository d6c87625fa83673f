"""The Idempotency-Key header on POST (draft-ietf-httpapi-idempotency-key-header): a request
retried with its key takes effect once, and every retry gets the first answer again.

A keyed POST from a client with a valid token is looked up first: the same request is answered
with the kept answer, another request with the key gets a 422, one still in flight a 409. Else
the endpoint runs, and the first unit of work it commits records the key in its own transaction
(vru_shared.idempotency); the answer is kept afterwards, in a short transaction of its own. No
transaction stays open across the endpoint: SQLite's begin immediately, so one would stall every
other writer for the length of the request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import Row, Table, delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vru_shared import logs, problems
from vru_shared.access import bearer_token
from vru_shared.auth import InvalidToken, KeysUnavailable
from vru_shared.idempotency import Attempt, IdempotencyConflict, KeyStatus, find, same_key, serving

log = logs.get(__name__)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
# A request stores its answer milliseconds after its change commits. A key still without one
# this long after belongs to a request that ended between the two (a crash, or a failure after
# the commit): the change is in, but what it answered is lost.
ANSWER_GRACE = timedelta(seconds=60)
RETRY_AFTER_S = 1
_HEADER_BYTES = HEADER.lower().encode()
_KEPT_HEADERS = frozenset({"content-type", "location", "content-location", "etag"})


class MalformedKey(ValueError):
    """The Idempotency-Key header is not one key of 1 to 255 printable characters."""


def parse_key(values: Sequence[str]) -> str:
    """The key in the header: an RFC 8941 string ("...") as the draft defines it, or bare characters."""
    if len(values) != 1:
        raise MalformedKey("send one Idempotency-Key header, not several")
    value = values[0].strip(" \t")
    if value.startswith('"'):
        value = _structured_string(value)
    if not 1 <= len(value) <= 255:
        raise MalformedKey("an Idempotency-Key has 1 to 255 characters")
    if any(not " " <= c <= "~" for c in value):
        raise MalformedKey("an Idempotency-Key has printable ASCII characters only")
    return value


def _structured_string(text: str) -> str:
    chars: list[str] = []
    i = 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 < len(text) and text[i + 1] in '"\\':
                chars.append(text[i + 1])
                i += 2
                continue
            raise MalformedKey('a quoted Idempotency-Key escapes only " and \\')
        if c == '"':
            if i != len(text) - 1:
                raise MalformedKey("nothing may follow a quoted Idempotency-Key")
            return "".join(chars)
        chars.append(c)
        i += 1
    raise MalformedKey("a quoted Idempotency-Key lacks its closing quote")


def fingerprint(method: str, path: str, query: bytes, content_type: str, body: bytes) -> str:
    """What makes two requests the same: method, target, media type and body. A JSON body counts
    by its meaning, so a client that serialises it again with other spacing or key order matches."""
    try:
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        pass
    media_type = content_type.split(";")[0].strip().lower()
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, media_type.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _malformed(path: str, reason: str) -> Response:
    return problems.problem_response(
        400, f"The Idempotency-Key header is not valid: {reason}.", kind="invalid-idempotency-key",
        title="Invalid Idempotency-Key", instance=path,
        errors=[problems.InvalidParam(pointer="/header/idempotency-key", detail=reason)],
    )


def _reused(path: str) -> Response:
    return problems.problem_response(
        422, "This Idempotency-Key was used with a different request (method, path or body); "
             "a different request needs a new key.",
        kind="idempotency-key-reused", title="Idempotency-Key is already used", instance=path,
    )


def _in_progress(path: str) -> Response:
    return problems.problem_response(
        409, f"A request with this Idempotency-Key is being processed; retry after {RETRY_AFTER_S} s "
             "for its answer.",
        kind="idempotency-key-in-progress", title="A request is outstanding for this Idempotency-Key",
        instance=path, headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def _unavailable(path: str, why: str) -> Response:
    return problems.problem_response(
        409, f"The request with this Idempotency-Key took effect once, but {why}; read the resource "
             "for its state rather than repeating the request.",
        kind="idempotency-response-unavailable", title="The answer to this Idempotency-Key is not kept",
        instance=path,
    )


def _answer_from(row: Row, attempt: Attempt, now: datetime) -> Response:
    """What a request gets when its key is recorded already."""
    if row.fingerprint != attempt.fingerprint:
        return _reused(attempt.path)
    if row.status == KeyStatus.COMPLETED:
        headers = dict(json.loads(row.response_headers)) | {REPLAYED: "true"}
        return Response(row.response_body, status_code=row.response_status, headers=headers)
    if row.status == KeyStatus.WITHHELD:
        return _unavailable(attempt.path, "its answer held a secret, which is shown once only")
    if now - row.created_at < ANSWER_GRACE:
        return _in_progress(attempt.path)
    return _unavailable(attempt.path, "its answer was lost when the service failed before keeping it")


class _HeldAnswer:
    """An endpoint's answer, held back until the key's row says what it was."""

    def __init__(self) -> None:
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    async def capture(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def status(self) -> int:
        return self.start["status"] if self.start is not None else 500

    def headers(self) -> list[tuple[str, str]]:
        raw = self.start.get("headers", []) if self.start is not None else []
        return [(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in raw]

    async def send_to(self, send: Send) -> None:
        assert self.start is not None
        await send(self.start)
        await send({"type": "http.response.body", "body": b"".join(self.chunks), "more_body": False})


class IdempotencyMiddleware:
    """Serves POSTs that carry an Idempotency-Key and a valid token; passes everything else on."""

    def __init__(self, app: ASGIApp, *, sessions: async_sessionmaker[AsyncSession], table: Table) -> None:
        self.app = app
        self._sessions = sessions
        self._table = table
        # Keys being served by this process: a duplicate gets its 409 at once instead of running
        # until its commit finds the key (which is what stops duplicates between processes).
        self._in_flight: set[tuple[str, str]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        values = [v.decode("latin-1") for n, v in scope.get("headers", []) if n == _HEADER_BYTES]
        if scope["type"] != "http" or scope["method"] != "POST" or not values:
            await self.app(scope, receive, send)
            return
        client_id = await _verified_client(scope)
        if client_id is None:
            # No identity, no key scope: the route answers 401 as it would without the header.
            await self.app(scope, receive, send)
            return
        try:
            key = parse_key(values)
        except MalformedKey as exc:
            await _malformed(scope["path"], str(exc))(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the caller went away before it finished sending
        content_type = next((v.decode("latin-1") for n, v in scope["headers"] if n == b"content-type"), "")
        attempt = Attempt(client_id, key, fingerprint("POST", scope["path"], scope.get("query_string", b""),
                                                      content_type, body), scope["path"])
        held = (client_id, key)
        if held in self._in_flight:
            await _in_progress(attempt.path)(scope, receive, send)
            return
        self._in_flight.add(held)
        try:
            await self._serve(attempt, scope, _replaying(body, receive), send)
        finally:
            self._in_flight.discard(held)

    async def _serve(self, attempt: Attempt, scope: Scope, receive: Receive, send: Send) -> None:
        earlier = await self._find(attempt)
        if earlier is not None:
            await _answer_from(earlier, attempt, datetime.now(UTC))(scope, receive, send)
            return
        answer = _HeldAnswer()
        with serving(attempt):
            await self.app(scope, receive, answer.capture)
        if attempt.recorded:
            await self._settle(attempt, answer)
        elif answer.status >= 300:
            # It may have lost a race to a duplicate (found the change made, or the key taken at
            # its commit): then it answers as the duplicate it is.
            try:
                later = await self._find(attempt)
            except Exception as exc:  # noqa: BLE001 - its own answer is still a true one
                log.warning("could not look up an Idempotency-Key after a refusal", error=type(exc).__name__)
                later = None
            if later is not None:
                await _answer_from(later, attempt, datetime.now(UTC))(scope, receive, send)
                return
        await answer.send_to(send)

    async def _find(self, attempt: Attempt) -> Row | None:
        return await find(self._sessions, self._table, attempt.client_id, attempt.key)

    async def _settle(self, attempt: Attempt, answer: _HeldAnswer) -> None:
        """Keep a success's answer; forget a refusal's key (it committed only its audit entry, and a
        retry must be judged afresh); leave a failure's row unanswered: its change may be in."""
        table = self._table
        mine = same_key(table, attempt.client_id, attempt.key) & (table.c.status == KeyStatus.COMMITTED.value)
        if answer.status < 300:
            headers = answer.headers()
            if any("no-store" in value.lower() for name, value in headers if name == "cache-control"):
                change = update(table).where(mine).values(status=KeyStatus.WITHHELD.value)
            else:
                kept = [[name, value] for name, value in headers if name in _KEPT_HEADERS]
                change = update(table).where(mine).values(
                    status=KeyStatus.COMPLETED.value, response_status=answer.status,
                    response_headers=json.dumps(kept), response_body=b"".join(answer.chunks))
        elif answer.status < 500:
            change = delete(table).where(mine)
        else:
            log.error("a keyed request failed after its change committed; its answer is not kept",
                      client_id=attempt.client_id, path=attempt.path, status=answer.status)
            return
        try:
            async with self._sessions() as session, session.begin():
                await session.execute(change)
        except Exception as exc:  # noqa: BLE001 - the caller still gets its answer; retries get a 409
            log.error("could not keep the answer to a keyed request", client_id=attempt.client_id,
                      path=attempt.path, error=repr(exc))


async def _verified_client(scope: Scope) -> str | None:
    """The caller's client id, from its verified token. A replay hands back a stored answer, so
    the key's scope is never taken on a caller's word; the principal is kept for the route."""
    request = Request(scope)
    token = bearer_token(request)
    if token is None:
        return None
    try:
        principal = await request.app.state.token_verifier.verify(token)
    except (InvalidToken, KeysUnavailable):
        return None
    request.state.principal = principal
    return principal.client_id


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _on_conflict(request: Request, exc: Exception) -> Response:
    # The middleware looks at the key's row and answers with what it holds, when it holds more.
    return _in_progress(request.url.path)


def install(app: FastAPI, sessions: async_sessionmaker[AsyncSession], table: Table) -> None:
    """Serve Idempotency-Keys on the app's POSTs, keeping keys in `table`."""
    app.add_middleware(IdempotencyMiddleware, sessions=sessions, table=table)
    app.add_exception_handler(IdempotencyConflict, _on_conflict)

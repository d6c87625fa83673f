"""FastAPI dependencies that turn a bearer token into the calling Principal, or a problem:
401 when the caller is not authenticated, 403 when its token lacks the scope an operation needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from vru_shared.auth import InvalidToken, KeysUnavailable, Principal, TokenVerifier
from vru_shared.problems import Problem


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _unauthenticated(detail: str, error: str | None = None) -> Problem:
    challenge = 'Bearer realm="vru"'
    if error:
        challenge += f', error="{error}"'
    return Problem(401, detail, kind="unauthenticated", title="Unauthorized", headers={"WWW-Authenticate": challenge})


async def authenticate(request: Request) -> Principal:
    """The verified caller of this request; cached on the request so it is verified once."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = bearer_token(request)
    if token is None:
        raise _unauthenticated("this operation needs an access token: Authorization: Bearer <token>")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = await verifier.verify(token)
    except InvalidToken as exc:
        raise _unauthenticated(str(exc), "invalid_token") from exc
    except KeysUnavailable as exc:
        raise Problem(503, "the platform cannot verify access tokens right now", kind="service-unavailable",
                      headers={"Retry-After": "5"}) from exc
    request.state.principal = principal
    return principal


Caller = Annotated[Principal, Depends(authenticate)]


def requires(scope: str) -> Callable[..., Principal]:
    """A dependency that admits only callers whose token carries `scope`."""

    async def check(caller: Caller) -> Principal:
        if not caller.has(scope):
            raise Problem(
                403,
                f"this operation needs the scope {scope!r}, which this client does not have",
                kind="insufficient-scope",
                headers={"WWW-Authenticate": f'Bearer realm="vru", error="insufficient_scope", scope="{scope}"'},
            )
        return caller

    check.__name__ = f"requires_{scope.replace(':', '_')}"
    return check

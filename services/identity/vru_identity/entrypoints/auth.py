"""HTTP routes of the authority: the OAuth2 token endpoint, the published keys, key rotation."""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from vru_shared import logs
from vru_shared.problems import PROBLEM_RESPONSES, InvalidParam, Problem

from vru_identity.domain.credentials import is_client_id
from vru_identity.domain.errors import InvalidInput
from vru_identity.domain.scopes import InvalidScope
from vru_identity.entrypoints.deps import AuthorityDep, CallerDep, UowDep
from vru_identity.entrypoints.schemas import (
    JsonWebKeySet,
    RotateSigningKeyIn,
    SigningKeyList,
    SigningKeyOut,
    TokenError,
    TokenOut,
)
from vru_identity.service_layer import signing
from vru_identity.service_layer.commands import RequestToken, RotateSigningKey
from vru_identity.service_layer.tokens import InvalidClient, issue_token

log = logs.get(__name__)

router = APIRouter(prefix="/v1/auth", tags=["auth"])

FORM = "application/x-www-form-urlencoded"
# A token request is a few short fields; anything bigger is not one.
MAX_BODY_BYTES = 8 * 1024
# RFC 6749 5.1: token answers, errors included, must not be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
JWKS_MAX_AGE_S = 60


class OAuthError(Exception):
    """An RFC 6749 5.2 error answer of the token endpoint."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def response(self) -> JSONResponse:
        headers = dict(NO_STORE)
        if self.error == "invalid_client":
            headers["WWW-Authenticate"] = 'Basic realm="vru", charset="UTF-8"'
        body = TokenError(error=self.error, error_description=self.description)  # type: ignore[arg-type]
        return JSONResponse(body.model_dump(), status_code=401 if self.error == "invalid_client" else 400,
                            headers=headers)


async def _form(request: Request) -> dict[str, str]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise OAuthError("invalid_request", f"the request body must be {FORM}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise OAuthError("invalid_request", "the request body is too large")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "the request body is not a valid form") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise OAuthError("invalid_request", f"parameter {name} is repeated")
        form[name] = value
    # RFC 6749 3.1: a parameter sent without a value is treated as omitted.
    return {name: value for name, value in form.items() if value}


def _client_credentials(authorization: str | None, form: dict[str, str]) -> tuple[str, str]:
    """RFC 6749 2.3.1: HTTP Basic (preferred) or client_id and client_secret in the body; not both."""
    if authorization is None:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if client_id is None or secret is None:
            raise OAuthError("invalid_client", "authenticate the client with HTTP Basic, or client_id and "
                                               "client_secret in the body")
        return client_id, secret
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError("invalid_client", "the only client authentication methods are HTTP Basic and "
                                           "client_secret_post")
    if "client_secret" in form:
        raise OAuthError("invalid_request", "use one client authentication method, not two")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_request", "the Basic credentials are not valid base64") from None
    raw_id, colon, raw_secret = decoded.partition(":")
    if not colon:
        raise OAuthError("invalid_request", "the Basic credentials must be client_id:client_secret")
    # The client id and secret are form-encoded before base64 (RFC 6749 2.3.1).
    client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    if form.get("client_id", client_id) != client_id:
        raise OAuthError("invalid_request", "client_id in the body differs from the authenticated client")
    return client_id, secret


def _loggable(client_id: str | None) -> str | None:
    # A caller may paste a secret into the wrong field; only something shaped like an id is logged.
    return client_id if client_id is not None and is_client_id(client_id) else None


_TOKEN_REQUEST: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    # RFC 6749 3.1: other parameters are ignored, but none may be sent twice, so each is
                    # one string (an array would be sent as a repeated parameter); _form reads 20 at most.
                    "additionalProperties": {"type": "string"},
                    "maxProperties": 20,
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "scope": {"type": "string", "description": "Space-separated; may only narrow the grant."},
                        "client_id": {"type": "string", "description": "With client_secret, when not using Basic."},
                        "client_secret": {"type": "string"},
                    },
                }
            }
        },
    }
}


@router.post(
    "/token",
    response_model=TokenOut,
    responses={400: {"model": TokenError}, 401: {"model": TokenError}},
    openapi_extra=_TOKEN_REQUEST,
)
async def token(request: Request, uow: UowDep, authority: AuthorityDep) -> Response:
    """Get an access token with the client credentials grant (OAuth 2.0, RFC 6749 4.4)."""
    client_id: str | None = None
    try:
        form = await _form(request)
        grant_type = form.get("grant_type")
        if grant_type is None:
            raise OAuthError("invalid_request", "grant_type is required")
        if grant_type != "client_credentials":
            raise OAuthError("unsupported_grant_type", "the only grant type is client_credentials")
        client_id, secret = _client_credentials(request.headers.get("authorization"), form)
        issued = await issue_token(RequestToken(client_id, secret, form.get("scope")), uow, authority)
    except OAuthError as exc:
        log.info("token refused", error=exc.error, client_id=_loggable(client_id))
        return exc.response()
    except InvalidClient:
        log.info("token refused", error="invalid_client", client_id=_loggable(client_id))
        return OAuthError("invalid_client", "client authentication failed").response()
    except InvalidScope as exc:
        log.info("token refused", error="invalid_scope", client_id=_loggable(client_id))
        return OAuthError("invalid_scope", str(exc)).response()
    log.info("token issued", client_id=client_id, scope=issued.scope)
    body = TokenOut(access_token=issued.access_token, expires_in=issued.expires_in, scope=issued.scope)
    return JSONResponse(body.model_dump(), headers=NO_STORE)


@router.get("/jwks", response_model=JsonWebKeySet)
async def jwks(uow: UowDep, authority: AuthorityDep, response: Response) -> dict[str, Any]:
    """The public keys that verify access tokens (JWK Set, RFC 7517), including the next and previous key."""
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE_S}"
    return await signing.jwks_document(uow, authority)


@router.get("/signing-keys", response_model=SigningKeyList, responses=PROBLEM_RESPONSES)
async def list_signing_keys(uow: UowDep, authority: AuthorityDep, caller: CallerDep) -> SigningKeyList:
    """List the signing keys in use (pending, active, recently retired); never their private parts."""
    keys = await signing.published_keys(uow, authority)
    now = authority.clock()
    return SigningKeyList(items=[SigningKeyOut.of(k, now) for k in keys])


@router.post(
    "/signing-keys/rotate",
    status_code=status.HTTP_201_CREATED,
    response_model=SigningKeyOut,
    responses=PROBLEM_RESPONSES,
)
async def rotate_signing_key(
    uow: UowDep, authority: AuthorityDep, caller: CallerDep, body: RotateSigningKeyIn | None = None
) -> SigningKeyOut:
    """Add a signing key: published at once, signing after the activation delay, when the current key retires."""
    delay = None if body is None or body.activation_delay_s is None else timedelta(seconds=body.activation_delay_s)
    try:
        key = await signing.rotate_signing_key(RotateSigningKey(delay), uow, authority)
    except InvalidInput as exc:
        raise Problem(422, str(exc), kind="validation-error", title="Invalid request",
                      errors=[InvalidParam(pointer="/body/activation_delay_s", detail=str(exc))]) from exc
    log.info("signing key added", kid=key.kid, activates_at=key.activated_at.isoformat())
    return SigningKeyOut.of(key, authority.clock())

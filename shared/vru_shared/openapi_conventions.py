"""What holds for every operation of the platform, written into each service's OpenAPI document:
a bearer access token is required (but to get one), and every POST takes an Idempotency-Key.
The field types requests share, so that the document's "valid" is the services', are in
vru_shared.request_fields."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


SCHEME = "bearerAuth"
TOKEN_SCHEME = "clientCredentials"
TOKEN_PATH = "/v1/auth/token"
PUBLIC = frozenset({TOKEN_PATH, "/v1/auth/jwks"})

SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "An access token from POST /v1/auth/token (OAuth2 client credentials).",
}

# How a client gets the bearer token. No operation names it: they all take the token, however it was got.
TOKEN_SECURITY_SCHEME = {
    "type": "oauth2",
    "description": "OAuth2 client credentials: the client id and secret (HTTP Basic or in the form) for a "
    "short-lived access token, sent as the bearer token. The scopes follow the organisation's role.",
    "flows": {"clientCredentials": {"tokenUrl": TOKEN_PATH, "scopes": {}}},
}

# The key as the services read it (vru_shared.idempotency_http.parse_key): 1 to 255 printable ASCII
# characters, bare (not starting with a quote) or as an RFC 8941 string with " and \ escaped.
IDEMPOTENCY_KEY_PATTERN = r'^(?:[!#-~](?:[ -~]{0,253}[!-~])?|"(?:[ !#-\[\]-~]|\\["\\]){1,255}")$'

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retried POST take effect once: the same key and request get the first answer "
    "again; the same key with another request is a 422; while the first is in progress, a 409.",
    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN,
               "examples": ["2f1c7a9e-4b1d-4c55-9a52-0c1e8d7b3f10"]},
}


def document(spec: dict[str, Any]) -> dict[str, Any]:
    for path, operations in spec.get("paths", {}).items():
        if not path.startswith("/v1/") or path in PUBLIC:
            continue
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            operation.setdefault("security", [{SCHEME: []}])
            if method == "post":
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == IDEMPOTENCY_KEY["name"] for p in parameters):
                    parameters.append(dict(IDEMPOTENCY_KEY))
    schemes = spec.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[SCHEME] = SECURITY_SCHEME
    if TOKEN_PATH in spec.get("paths", {}):
        schemes[TOKEN_SCHEME] = TOKEN_SECURITY_SCHEME
    return spec


def install(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if getattr(app.state, "conventions_documented", False):
            return app.openapi_schema  # type: ignore[return-value]
        app.openapi_schema = document(generate())
        app.state.conventions_documented = True
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

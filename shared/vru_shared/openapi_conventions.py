"""What holds for every operation of the platform, written into each service's OpenAPI document:
a bearer access token is required (but to get one), and every POST takes an Idempotency-Key."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

SCHEME = "bearerAuth"
PUBLIC = frozenset({"/v1/auth/token", "/v1/auth/jwks"})

SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "An access token from POST /v1/auth/token (OAuth2 client credentials).",
}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retried POST take effect once: the same key and request get the first answer "
    "again; the same key with another request is a 422; while the first is in progress, a 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
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
    spec.setdefault("components", {}).setdefault("securitySchemes", {})[SCHEME] = SECURITY_SCHEME
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

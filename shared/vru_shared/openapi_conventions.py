"""What holds for every operation of the platform, written into each service's OpenAPI document:
a bearer access token is required (but to get one), and every POST takes an Idempotency-Key.

Also the pieces the request bodies share so that what a document calls valid is what the services
take: numbers as JSON Schema means them, and text patterns in the services' own sense of whitespace.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import FastAPI
from pydantic import AfterValidator, BeforeValidator, Field

from vru_shared.instants import Instant
from vru_shared.uk_time import uk_date

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


# --- numbers as JSON Schema means them ------------------------------------------------------------


def _whole(value: Any) -> Any:
    # JSON has one kind of number: 85.0 is the integer 85 to JSON Schema, so it is taken as one.
    return int(value) if isinstance(value, float) and value.is_integer() else value


# Strict, because pydantic's lax mode would also take "85" and true, which no JSON Schema integer
# or number is. The constraints go in the same Field, or the document loses them.
def whole_number(**constraints: Any) -> Any:
    return Annotated[int, Field(strict=True, **constraints), BeforeValidator(_whole)]


def number(**constraints: Any) -> Any:
    return Annotated[float, Field(strict=True, **constraints)]


Boolean = Annotated[bool, Field(strict=True)]


# --- dates as JSON Schema means them --------------------------------------------------------------

# RFC 3339's full-date and date-time, the forms JSON Schema's "date" and "date-time" name. Pydantic would
# also take a number (a Unix time), a space for the T, or no seconds. A date-time without its offset
# passes here, for the aware type it guards to refuse in its own words (it needs a time zone).
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
                        r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?")


def _written(form: re.Pattern[str], what: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if (isinstance(value, str) and form.fullmatch(value)) or isinstance(value, date):
            return value
        raise ValueError(f"is not {what}")

    return BeforeValidator(check)


def _has_a_uk_day(moment: Any) -> Any:
    # An instant in the first minute of the calendar has a UTC form but no day in Europe/London (whose
    # offset then was -0:01:15), and the services count days in the UK: refused here, not a 500 there.
    try:
        uk_date(moment)
    except OverflowError:
        raise ValueError("is outside the range of dates this platform can hold") from None
    return moment


Day = Annotated[date, _written(_FULL_DATE, "a date written YYYY-MM-DD")]
# An instant a request may carry: RFC 3339, with a time zone, with a UTC form and a UK day.
Moment = Annotated[
    Instant,
    _written(_DATE_TIME, "a date and time written as RFC 3339 has it, e.g. 2024-05-01T09:30:00+01:00"),
    AfterValidator(_has_a_uk_day),
]


# --- text -----------------------------------------------------------------------------------------

# Python's whitespace (str.isspace, what split() and strip() remove), as a regex class body. JSON
# Schema's \s (ECMA-262) and pydantic's (Rust) leave out U+001C to U+001F, so patterns spell it out.
WHITESPACE = r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Text the services tidy by collapsing whitespace, refusing what is left empty: a pattern that
# matches when there is something else (JSON Schema patterns are not anchored).
NON_BLANK = f"[^{WHITESPACE}]"

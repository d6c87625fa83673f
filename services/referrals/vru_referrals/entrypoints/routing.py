"""Routes whose validation errors point into the request body as sent.

Pydantic puts the tag of a discriminated union into an error's location ("body", "custody",
"source_details", ...), a step the JSON document does not have; the problem's pointer must
be a path into the body, so those steps are removed before the error is answered.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response


# The fields the request bodies' unions are discriminated on.
DISCRIMINATORS = ("source", "basis")


def document_location(loc: tuple[Any, ...], body: Any) -> tuple[Any, ...]:
    """`loc` without the union tags: steps that are no key of their object but its discriminator's value."""
    if not loc or loc[0] != "body":
        return loc
    kept: list[Any] = ["body"]
    node = body
    for step in loc[1:]:
        if isinstance(node, dict):
            if step not in node and any(node.get(d) == step for d in DISCRIMINATORS):
                continue
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            node = None
        kept.append(step)
    return tuple(kept)


def _with_pointers_into_the_body(exc: RequestValidationError) -> RequestValidationError:
    errors = []
    for error in exc.errors():
        loc = document_location(tuple(error.get("loc", ())), exc.body)
        if error.get("type") in ("union_tag_invalid", "union_tag_not_found"):
            # The tag itself is wrong or missing: point at the field that holds it.
            discriminator = (error.get("ctx") or {}).get("discriminator", "").strip("'")
            if discriminator:
                loc = (*loc, discriminator)
        errors.append({**error, "loc": loc})
    return RequestValidationError(errors, body=exc.body)


class BodyPointerRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                raise _with_pointers_into_the_body(exc) from None

        return route_handler

"""One OpenAPI document for the platform: each service's routed paths and schemas, merged."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import aiohttp

from vru_gateway.routes import service_for
from vru_gateway.upstreams import Upstreams
from vru_shared import logs
from vru_shared.correlation import HEADER, current
from vru_shared.problems import MEDIA_TYPE, ProblemDetails

log = logs.get(__name__)

TITLE = "VRU platform API"
VERSION = "1.0.0"
DESCRIPTION = "Referrals, interventions and outcome metrics, served through one gateway."
FETCH_TIMEOUT_S = 5.0
_REF = "#/components/schemas/"

Document = dict[str, Any]


def _title(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace("-", "_").split("_"))


def _rewrite(node: Any, renames: Mapping[str, str]) -> Any:
    """A copy of the node with every reference to a renamed schema pointing at its new name."""
    if not renames:
        return node
    if isinstance(node, dict):
        return {key: _rewrite(value, renames) for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite(value, renames) for value in node]
    if isinstance(node, str) and node.startswith(_REF) and node[len(_REF) :] in renames:
        return _REF + renames[node[len(_REF) :]]
    return node


def _renames(service: str, incoming: Document, merged: Document) -> dict[str, str]:
    """Which of the service's schemas clash with ones already merged, and their new names."""
    renames: dict[str, str] = {}
    # Renaming one schema changes every schema that refers to it, which may clash in turn.
    while True:
        rewritten = _rewrite(incoming, renames)
        clashes = [
            name
            for name, schema in rewritten.items()
            if name not in renames and name in merged and merged[name] != schema
        ]
        if not clashes:
            return renames
        taken = set(merged) | set(incoming) | set(renames.values())
        for name in clashes:
            candidate, n = f"{_title(service)}{name}", 2
            while candidate in taken:
                candidate, n = f"{_title(service)}{name}{n}", n + 1
            renames[name] = candidate
            taken.add(candidate)


_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}}


def _gateway_problem(description: str, headers: Document | None = None) -> Document:
    response: Document = {"description": description,
                          "content": {MEDIA_TYPE: {"schema": {"$ref": _REF + "ProblemDetails"}}}}
    if headers:
        response["headers"] = headers
    return response


# What the gateway itself may answer in place of any service (see proxy.py and admission.py).
_GATEWAY_RESPONSES: dict[str, Document] = {
    "429": _gateway_problem("Too many requests from this client (the gateway's rate limit)", _RETRY_AFTER),
    "502": _gateway_problem("The service gave the gateway no valid answer"),
    "503": _gateway_problem("The service cannot be reached right now", _RETRY_AFTER),
    "504": _gateway_problem("The service did not answer the gateway in time"),
}
_TOO_LARGE: Document = {"413": _gateway_problem("The request body is larger than the gateway accepts")}


def _with_gateway_responses(item: Document) -> Document:
    """The path item with the gateway's own answers added to each operation the service left them out of."""
    result = dict(item)
    for method in _METHODS:
        operation = item.get(method)
        if not isinstance(operation, dict):
            continue
        extra = {**_GATEWAY_RESPONSES, **(_TOO_LARGE if "requestBody" in operation else {})}
        result[method] = {**operation, "responses": {**extra, **operation.get("responses", {})}}
    return result


def _problem_schemas() -> Document:
    """ProblemDetails and the schemas it refers to, as components."""
    schema = ProblemDetails.model_json_schema(ref_template=_REF + "{model}")
    definitions = schema.pop("$defs", {})
    return {"ProblemDetails": schema, **definitions}


def merge(documents: Mapping[str, Document], missing: Sequence[str], own: Document | None = None) -> Document:
    """The platform document: the gateway's own operations, then each service's routed paths."""
    paths: Document = dict((own or {}).get("paths", {}))
    schemas: Document = dict((own or {}).get("components", {}).get("schemas", {}))
    tags: list[Document] = []
    for service, document in documents.items():
        incoming = document.get("components", {}).get("schemas", {})
        renames = _renames(service, incoming, schemas)
        for name, schema in _rewrite(incoming, renames).items():
            schemas.setdefault(renames.get(name, name), schema)
        for path, item in document.get("paths", {}).items():
            if service_for(path) == service:
                paths[path] = _with_gateway_responses(_rewrite(item, renames))
        known = {tag["name"] for tag in tags}
        tags.extend(tag for tag in document.get("tags", []) if tag.get("name") not in known)
    if "ProblemDetails" not in schemas and any(service_for(path) for path in paths):
        for name, schema in _problem_schemas().items():
            schemas.setdefault(name, schema)
    description = DESCRIPTION
    if missing:
        description += (
            f"\n\n**Incomplete:** the {', '.join(missing)} service(s) could not be reached, "
            "so their operations are missing."
        )
    merged: Document = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": description},
        "paths": paths,
        "x-missing-services": list(missing),
    }
    if schemas:
        merged["components"] = {"schemas": schemas}
    # Every service declares the same bearer scheme; the merged document keeps it once.
    security_schemes: Document = {}
    for document in documents.values():
        security_schemes.update(document.get("components", {}).get("securitySchemes", {}))
    if security_schemes:
        merged.setdefault("components", {})["securitySchemes"] = security_schemes
    if tags:
        merged["tags"] = tags
    return merged


class OpenApiAggregator:
    """Fetches each service's document once it answers, and rebuilds the merge until all have."""

    def __init__(self, upstreams: Upstreams, own: Callable[[], Document]) -> None:
        self._upstreams = upstreams
        self._own = own
        self._documents: dict[str, Document] = {}
        self._merged: Document | None = None
        self._complete = False
        self._lock = asyncio.Lock()

    async def document(self) -> Document:
        if self._complete and self._merged is not None:
            return self._merged
        async with self._lock:
            wanted = [service for service in self._upstreams.urls if service not in self._documents]
            if self._merged is None or wanted:
                fetched = await asyncio.gather(*(self._fetch(service) for service in wanted))
                for service, document in zip(wanted, fetched, strict=True):
                    if document is not None:
                        self._documents[service] = document
                # Merge in route-table order so a schema's name does not depend on start order.
                ordered = {s: self._documents[s] for s in self._upstreams.urls if s in self._documents}
                missing = [s for s in self._upstreams.urls if s not in self._documents]
                self._merged = merge(ordered, missing, self._own())
                self._complete = not missing
            return self._merged

    async def _fetch(self, service: str) -> Document | None:
        url = f"{self._upstreams.urls[service]}/openapi.json"
        try:
            async with self._upstreams.session.get(
                url, headers={HEADER: current()}, timeout=self._upstreams.timeout(FETCH_TIMEOUT_S)
            ) as response:
                if response.status != 200:
                    log.warning("openapi fetch failed", service=service, status=response.status)
                    return None
                document = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("openapi fetch failed", service=service, error=f"{type(exc).__name__}: {exc}")
            return None
        if not isinstance(document, dict):
            log.warning("openapi fetch failed", service=service, error="the document is not an object")
            return None
        return document

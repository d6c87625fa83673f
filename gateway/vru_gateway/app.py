"""The gateway's composition root: routes /v1 to the services and serves one API document."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from vru_gateway.admission import Admission
from vru_gateway.health import health_router
from vru_gateway.openapi import DESCRIPTION, TITLE, VERSION, OpenApiAggregator
from vru_gateway.proxy import Proxy
from vru_gateway.upstreams import Upstreams
from vru_shared import heap, problems
from vru_shared.correlation import CorrelationMiddleware
from vru_shared.service import token_verifier
from vru_shared.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """The gateway app; its lifespan opens and closes the upstream session."""
    upstreams = Upstreams(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await upstreams.open()
        heap.freeze_long_lived()
        try:
            yield
        finally:
            await upstreams.close()

    # FastAPI's own document would describe only the gateway; the merged one replaces it.
    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.upstreams = upstreams
    app.add_middleware(CorrelationMiddleware)
    problems.install(app)
    app.include_router(health_router(upstreams))

    aggregator = OpenApiAggregator(
        upstreams, own=lambda: get_openapi(title=TITLE, version=VERSION, routes=app.routes)
    )
    app.state.openapi = aggregator

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(await aggregator.document())

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{TITLE} - Swagger UI")

    # A plain ASGI route, not a FastAPI one: no dependency injection or validation on the hot path.
    admission = Admission(settings, token_verifier(settings))
    proxy = Proxy(upstreams, admission, max_request_bytes=settings.max_request_bytes)
    app.router.routes.append(Route("/v1/{path:path}", endpoint=proxy, name="proxy"))
    return app

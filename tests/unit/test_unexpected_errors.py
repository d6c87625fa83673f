"""A fault of ours is still answered as a problem document, and gives nothing of itself away."""

from __future__ import annotations


async def test_an_unexpected_failure_is_a_problem_document_with_the_correlation_id():
    import httpx
    from fastapi import FastAPI

    from vru_shared import problems
    from vru_shared.correlation import CorrelationMiddleware

    app = FastAPI()
    app.add_middleware(CorrelationMiddleware)
    problems.install(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.get("/boom", headers={"X-Correlation-ID": "corr-500"})
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "corr-500" in answer.json()["detail"]
    assert "a bug" not in answer.text

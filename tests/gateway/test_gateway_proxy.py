"""The proxy over real HTTP: routing, pass-through, correlation ids and upstream failures."""

from __future__ import annotations

import uuid

import httpx
import pytest
from structlog.testing import capture_logs

from gateway_fakes import GatewayFactory, Platform, free_port


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/v1/referrals/r-9", "referrals"),
        ("/v1/programmes", "interventions"),
        ("/v1/enrolments", "interventions"),
        ("/v1/outcomes", "outcomes"),
        ("/v1/metrics", "outcomes"),
    ],
)
async def test_a_request_is_routed_to_the_service_that_owns_its_path(
    gateway: httpx.AsyncClient, path: str, service: str
) -> None:
    response = await gateway.get(path, params={"page": "2", "q": "two words"})

    assert response.status_code == 200
    echo = response.json()
    assert echo["service"] == service
    assert echo["path"] == path
    assert echo["query"] == "page=2&q=two+words"


async def test_the_method_query_and_body_reach_the_upstream_unchanged(gateway: httpx.AsyncClient) -> None:
    body = b'{"programme":"p-1","note":"caf\xc3\xa9"}'
    response = await gateway.post(
        "/v1/enrolments?dry_run=true", content=body, headers={"Content-Type": "application/json"}
    )
    patched = await gateway.patch("/v1/programmes/p%201", content=b"[1,2]")

    echo = response.json()
    assert response.status_code == 201
    assert (echo["method"], echo["query"], echo["body"]) == ("POST", "dry_run=true", body.decode())
    assert echo["headers"]["content-type"] == "application/json"
    assert echo["headers"]["content-length"] == str(len(body))
    assert (patched.json()["method"], patched.json()["path"], patched.json()["body"]) == (
        "PATCH",
        "/v1/programmes/p 1",
        "[1,2]",
    )


async def test_the_upstream_status_headers_and_body_come_back_unchanged(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/v1/referrals", json={"name": "A"})

    assert response.status_code == 201
    assert response.headers["location"] == "/v1/referrals/r-1"
    assert response.headers["content-type"] == "application/json"
    assert response.json()["body"] == '{"name":"A"}'


async def test_an_upstream_problem_answer_is_passed_through(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/v1/referrals", json={})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/body/name"


async def test_repeated_headers_survive_and_the_gateways_own_are_not_duplicated(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/v1/referrals/r-1")

    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.headers["x-served-by"] == "referrals"
    for name in ("date", "server", "content-length", "x-correlation-id"):
        assert len(response.headers.get_list(name)) == 1, name
    assert int(response.headers["content-length"]) == len(response.content)


async def test_redirects_are_returned_to_the_caller_not_followed(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/v1/referrals/moved")

    assert response.status_code == 307
    assert response.headers["location"] == "/v1/referrals/r-1"


async def test_a_bodiless_answer_stays_bodiless(gateway: httpx.AsyncClient) -> None:
    deleted = await gateway.delete("/v1/enrolments/e-1")
    head = await gateway.head("/v1/metrics")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert "content-length" not in deleted.headers
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0


async def test_the_callers_correlation_id_is_sent_upstream_and_echoed_back(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/v1/outcomes", headers={"X-Correlation-ID": "case-42.a"})

    assert response.json()["correlation_ids"] == ["case-42.a"]
    assert response.headers.get_list("x-correlation-id") == ["case-42.a"]


async def test_a_correlation_id_is_generated_when_the_caller_sends_none(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/v1/outcomes")

    sent = response.json()["correlation_ids"]
    assert len(sent) == 1
    assert uuid.UUID(sent[0])
    assert response.headers["x-correlation-id"] == sent[0]


async def test_forwarded_headers_say_who_asked_and_hop_by_hop_headers_stay_behind(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get(
        "/v1/programmes",
        headers={
            "X-Forwarded-For": "203.0.113.7",
            "Connection": "keep-alive, X-Hop-Secret",
            "X-Hop-Secret": "s",
            "Proxy-Authorization": "Basic eA==",
            "X-Kept": "yes",
        },
    )

    headers = response.json()["headers"]
    assert headers["x-forwarded-for"] == "203.0.113.7, 127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-kept"] == "yes"
    assert "x-hop-secret" not in headers
    assert "proxy-authorization" not in headers
    assert headers["host"].startswith("127.0.0.1:")


async def test_an_unknown_v1_path_is_a_404_problem(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/v1/unknown/thing")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["instance"] == "/v1/unknown/thing"


async def test_an_upstream_with_nothing_listening_is_a_503_with_retry_after(
    make_gateway: GatewayFactory,
) -> None:
    gateway = await make_gateway(referrals_url=f"http://127.0.0.1:{free_port()}")

    with capture_logs() as logged:
        response = await gateway.get("/v1/referrals/r-1")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "the referrals service is unavailable"
    failure = next(entry for entry in logged if entry["event"] == "upstream request failed")
    assert failure["service"] == "referrals"
    assert "ClientConnectorError" in failure["error"]


async def test_an_upstream_slower_than_the_timeout_is_a_504(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/v1/outcomes/slow")

    assert response.status_code == 504
    assert response.json()["detail"] == "the outcomes service did not answer in time"


async def test_an_upstream_that_drops_the_connection_is_a_502(
    make_gateway: GatewayFactory, platform: Platform
) -> None:
    gateway = await make_gateway(interventions_url=platform.hang_up_url)

    response = await gateway.post("/v1/enrolments", json={"a": 1})

    assert response.status_code == 502
    assert response.json()["detail"] == "the interventions service gave no valid answer"

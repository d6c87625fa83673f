"""The merged OpenAPI document and the Swagger UI."""

from __future__ import annotations

import httpx

from gateway_fakes import GatewayFactory, free_port, outcomes_app, serve
from vru_gateway.openapi import merge

REF = "#/components/schemas/"


def _doc(paths: dict, schemas: dict) -> dict:
    return {"openapi": "3.1.0", "paths": paths, "components": {"schemas": schemas}}


def test_a_clashing_schema_is_renamed_along_with_every_schema_that_refers_to_it() -> None:
    referrals = _doc(
        {"/v1/referrals": {"get": {"responses": {"200": {"schema": {"$ref": REF + "Page"}}}}}},
        {"Page": {"properties": {"item": {"$ref": REF + "Item"}}}, "Item": {"type": "string"}},
    )
    outcomes = _doc(
        {"/v1/outcomes": {"get": {"responses": {"200": {"schema": {"$ref": REF + "Page"}}}}}},
        {"Page": {"properties": {"item": {"$ref": REF + "Item"}}}, "Item": {"type": "integer"}},
    )

    merged = merge({"referrals": referrals, "outcomes": outcomes}, missing=[])

    schemas = merged["components"]["schemas"]
    assert schemas["Item"] == {"type": "string"}
    assert schemas["OutcomesItem"] == {"type": "integer"}
    assert schemas["OutcomesPage"] == {"properties": {"item": {"$ref": REF + "OutcomesItem"}}}
    assert (
        merged["paths"]["/v1/outcomes"]["get"]["responses"]["200"]["schema"]["$ref"] == REF + "OutcomesPage"
    )
    assert merged["paths"]["/v1/referrals"]["get"]["responses"]["200"]["schema"]["$ref"] == REF + "Page"


def test_an_identical_schema_is_shared_and_paths_a_service_does_not_own_are_dropped() -> None:
    shared = {"ProblemDetails": {"type": "object"}}
    referrals = _doc({"/v1/referrals": {}, "/v1/metrics": {}, "/internal": {}}, dict(shared))
    outcomes = _doc({"/v1/metrics": {}}, dict(shared))

    merged = merge({"referrals": referrals, "outcomes": outcomes}, missing=[])

    assert set(merged["components"]["schemas"]) == {"ProblemDetails"}
    assert set(merged["paths"]) == {"/v1/referrals", "/v1/metrics"}


async def test_the_merged_document_has_every_services_paths_and_the_platform_title(
    gateway: httpx.AsyncClient,
) -> None:
    document = (await gateway.get("/openapi.json")).json()

    assert document["info"]["title"] == "VRU platform API"
    assert document["info"]["version"] == "1.0.0"
    assert document["x-missing-services"] == []
    assert {
        "/v1/referrals",
        "/v1/referrals/{referral_id}",
        "/v1/programmes",
        "/v1/enrolments",
        "/v1/outcomes",
        "/v1/metrics",
        "/v1/metrics/summary",
        "/health",
        "/ready",
    } <= set(document["paths"])
    assert "/v1/outcomes/stray" not in document["paths"]  # the referrals service does not own it
    assert "/internal/debug" not in document["paths"]
    schemas = document["components"]["schemas"]
    assert set(schemas["Summary"]["properties"]) == {"total"}
    assert set(schemas["OutcomesSummary"]["properties"]) == {"mean", "label"}
    summary = document["paths"]["/v1/metrics/summary"]["get"]["responses"]["200"]
    assert summary["content"]["application/json"]["schema"]["$ref"] == REF + "OutcomesSummary"


async def test_the_document_survives_a_service_being_down_and_fills_in_once_it_is_up(
    make_gateway: GatewayFactory,
) -> None:
    port = free_port()
    gateway = await make_gateway(outcomes_url=f"http://127.0.0.1:{port}")

    partial = await gateway.get("/openapi.json")
    outcomes = await serve(outcomes_app(), port=port)
    try:
        complete = (await gateway.get("/openapi.json")).json()
    finally:
        await outcomes.stop()

    assert partial.status_code == 200
    assert partial.json()["x-missing-services"] == ["outcomes"]
    assert "outcomes" in partial.json()["info"]["description"]
    assert "/v1/referrals" in partial.json()["paths"]
    assert "/v1/outcomes" not in partial.json()["paths"]
    assert complete["x-missing-services"] == []
    assert "/v1/outcomes" in complete["paths"]


async def test_the_docs_page_is_swagger_ui_reading_the_merged_document(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/docs")

    assert response.status_code == 200
    assert "swagger-ui" in response.text
    assert "/openapi.json" in response.text

"""What negative_data_rejection, positive_data_acceptance and ignored_auth found, each pinned by a test that
does not depend on the fuzzer's luck: where the API and its document disagreed, and which of them moved."""

from __future__ import annotations

import uuid

import httpx
import jsonschema_rs
import pytest

from tests.contract.known_records import IDENTIFIERS
from tests.support import bodies

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def document(fuzzed_platform) -> dict:
    return httpx.get(f"{fuzzed_platform.url}/openapi.json", timeout=15).json()


def _schema(document: dict, name: str) -> dict:
    return document["components"]["schemas"][name]


def _refused(answer: httpx.Response, pointer: str, status: int = 422) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert pointer in [e["pointer"] for e in answer.json()["errors"]], answer.text


def _programme(fuzzed_platform, **terms) -> dict:
    return {**bodies.programme(provider_organisation_id=fuzzed_platform.cast.provider.organisation_id), **terms}


def test_a_whole_number_written_with_a_decimal_point_is_that_number(fuzzed_platform):
    with fuzzed_platform.cast.administrator.client() as admin:
        answer = admin.post("/v1/programmes", json=_programme(fuzzed_platform, capacity=85.0, min_age=12.0))

    assert answer.status_code == 201, answer.text  # JSON Schema's integer: 85.0 is 85
    assert (answer.json()["capacity"], answer.json()["min_age"]) == (85, 12)


@pytest.mark.parametrize("capacity", ["85", True, 85.5])
def test_a_number_written_as_text_or_a_boolean_or_a_fraction_is_not_an_integer(fuzzed_platform, capacity):
    with fuzzed_platform.cast.administrator.client() as admin:
        answer = admin.post("/v1/programmes", json=_programme(fuzzed_platform, capacity=capacity))

    _refused(answer, "/body/capacity")


def test_a_grace_period_written_as_text_is_refused(fuzzed_platform):
    with fuzzed_platform.cast.administrator.client() as admin:
        answer = admin.post(f"/v1/clients/{fuzzed_platform.cast.provider.client_id}/rotate-secret",
                            json={"grace_hours": "2"})

    _refused(answer, "/body/grace_hours")


def test_a_programme_term_that_may_be_left_out_but_not_nulled_is_documented_without_null(fuzzed_platform, document):
    terms = _schema(document, "ProgrammePatch")["properties"]
    with fuzzed_platform.cast.administrator.client() as admin:
        programme = admin.post("/v1/programmes", json=_programme(fuzzed_platform)).json()
        nulled_tier = admin.patch(f"/v1/programmes/{programme['id']}", json={"tier": None})
        nulled_capacity = admin.patch(f"/v1/programmes/{programme['id']}", json={"capacity": None})

    assert "null" not in str(terms["tier"]) and "default" not in terms["tier"]
    _refused(nulled_tier, "/body/tier")
    assert {"type": "null"} in terms["capacity"]["anyOf"]
    assert nulled_capacity.status_code == 200, nulled_capacity.text


def test_a_contact_in_the_first_minute_of_the_calendar_is_refused_not_a_server_error(fuzzed_platform,
                                                                                     active_enrolment):
    # It has a UTC form, but Europe/London was then 1 minute 15 seconds behind: no UK day to count it on.
    with fuzzed_platform.cast.provider.client() as api:
        answer = api.post(f"/v1/enrolments/{active_enrolment['enrolment']['id']}/contacts",
                          json={"contact_at": "0001-01-01T00:00:01Z", "kind": "phone", "duration_minutes": 10})

    _refused(answer, "/body/contact_at")


def test_a_referral_whose_index_event_has_no_uk_day_is_refused_not_a_server_error(fuzzed_platform, active_enrolment):
    body = bodies.referral(active_enrolment["programme"]["id"], "school", IDENTIFIERS["school"])
    body.update(index_event_at="0001-01-01T00:00:01Z")
    with fuzzed_platform.cast.referrer.client() as referrer:
        answer = referrer.post("/v1/referrals", json=body)

    _refused(answer, "/body/index_event_at")


def test_the_document_gives_the_idempotency_key_the_form_the_services_read(fuzzed_platform, document):
    parameter = next(p for p in document["paths"]["/v1/organisations"]["post"]["parameters"]
                     if p["name"] == "Idempotency-Key")
    documented = jsonschema_rs.validator_for(parameter["schema"]).is_valid
    with fuzzed_platform.cast.administrator.client() as admin:
        tabbed = admin.post("/v1/organisations", json={"name": f"Tabbed {uuid.uuid4().hex}", "role": "vru"},
                            headers={"Idempotency-Key": "a\tb"})
        quoted = admin.post("/v1/organisations", json={"name": f"Quoted {uuid.uuid4().hex}", "role": "vru"},
                            headers={"Idempotency-Key": f'"{uuid.uuid4()}"'})

    assert not documented("a\tb")
    _refused(tabbed, "/header/idempotency-key", status=400)
    assert documented('"a\\"b"')  # an RFC 8941 string, with its escapes
    assert quoted.status_code == 201, quoted.text


def test_the_token_endpoint_is_documented_as_the_client_credentials_token_url(document):
    scheme = document["components"]["securitySchemes"]["clientCredentials"]
    form = document["paths"]["/v1/auth/token"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]

    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == "/v1/auth/token"
    # Another parameter is ignored, but none may come twice: each is one string.
    assert form["schema"]["additionalProperties"] == {"type": "string"}


@pytest.mark.parametrize("query", [
    [("sex", ""), ("sex", "male")],
    [("programme_id", "{3f2c6e9a-0b1d-4c55-9a52-0c1e8d7b3f10}")],
    [("programme_id", "3f2c6e9a0b1d4c559a520c1e8d7b3f10")],
])
def test_a_metric_filter_value_outside_its_documented_form_is_refused_naming_the_filter(fuzzed_platform, query):
    with fuzzed_platform.cast.administrator.client() as admin:
        answer = admin.get("/v1/metrics/ete.in_ete_at_latest", params=query)

    _refused(answer, f"/query/{query[0][0]}")


def test_a_name_of_whitespace_alone_is_refused_and_documented_as_such(fuzzed_platform, document):
    pattern = _schema(document, "OrganisationIn")["properties"]["name"]["pattern"]
    with fuzzed_platform.cast.administrator.client() as admin:
        answer = admin.post("/v1/organisations", json={"name": " \x1c ", "role": "vru"})

    assert not jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid(" \x1c ")
    _refused(answer, "/body/name")


@pytest.mark.parametrize(("schema", "code_list", "kept_by_the_platform"), [
    ("DeclineIn", "decline_reasons", set()),
    ("CloseIn", "closure_reasons", {"enrolment_ended"}),
])
def test_a_reason_is_documented_as_the_codes_a_provider_may_give(fuzzed_platform, document, schema, code_list,
                                                                kept_by_the_platform):
    with fuzzed_platform.cast.provider.client() as api:
        codes = {e["code"] for e in api.get(f"/v1/code-lists/{code_list}").json()["entries"]}

    assert set(_schema(document, schema)["properties"]["reason"]["enum"]) == codes - kept_by_the_platform

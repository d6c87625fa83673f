"""What Schemathesis found against the platform, each pinned by a test that does not depend on its luck."""

from __future__ import annotations

import httpx
import pytest

from tests.contract.known_records import IDENTIFIERS
from tests.support import bodies
from vru_gateway.openapi import merge

PROBLEM = "application/problem+json"
# The first hour of the calendar in a zone ahead of UTC, and the last one behind it: no UTC time exists.
NO_UTC_FORM = ("0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00")


def _refused(answer: httpx.Response, pointer: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert [e["pointer"] for e in answer.json()["errors"]] == [pointer]
    assert "range of dates" in answer.json()["errors"][0]["detail"]


@pytest.mark.parametrize("moment", NO_UTC_FORM)
def test_a_contact_time_with_no_utc_form_is_refused_with_a_422_naming_the_field(fuzzed_platform, active_enrolment,
                                                                               moment):
    with fuzzed_platform.cast.provider.client() as api:
        answer = api.post(f"/v1/enrolments/{active_enrolment['enrolment']['id']}/contacts",
                          json={"contact_at": moment, "kind": "phone", "duration_minutes": 10})
        contacts = api.get(f"/v1/enrolments/{active_enrolment['enrolment']['id']}/contacts").json()["items"]

    _refused(answer, "/body/contact_at")
    assert contacts == []


@pytest.mark.parametrize("service", ["referrals", "interventions", "outcomes"])
@pytest.mark.parametrize("bound", ["since", "until"])
def test_an_audit_search_bound_with_no_utc_form_is_refused_with_a_422_naming_it(fuzzed_platform, service, bound):
    with fuzzed_platform.cast.administrator.client() as admin:
        answer = admin.get(f"/v1/audit/{service}", params={bound: NO_UTC_FORM[0]})

    _refused(answer, f"/query/{bound}")


def test_a_consent_time_with_no_utc_form_is_refused_with_a_422_naming_the_field(fuzzed_platform, active_enrolment):
    body = bodies.referral(active_enrolment["programme"]["id"], "school", IDENTIFIERS["school"])
    body["lawful_basis"]["recorded_at"] = NO_UTC_FORM[0]
    with fuzzed_platform.cast.referrer.client() as referrer:
        answer = referrer.post("/v1/referrals", json=body)

    _refused(answer, "/body/lawful_basis/recorded_at")


@pytest.mark.parametrize("capacity", [100_001, 10**21])
def test_a_programme_capacity_beyond_the_largest_is_refused_and_changes_nothing(fuzzed_platform, active_enrolment,
                                                                               capacity):
    programme_id = active_enrolment["programme"]["id"]
    with fuzzed_platform.cast.administrator.client() as admin:
        answer = admin.patch(f"/v1/programmes/{programme_id}", json={"capacity": capacity})
        created = admin.post("/v1/programmes", json={**bodies.programme(
            provider_organisation_id=fuzzed_platform.cast.provider.organisation_id), "capacity": capacity})
        after = admin.get(f"/v1/programmes/{programme_id}").json()

    for refused in (answer, created):
        assert refused.status_code == 422, refused.text
        assert [e["pointer"] for e in refused.json()["errors"]] == ["/body/capacity"]
    assert after["capacity"] is None


def test_a_programme_of_the_largest_capacity_is_taken(fuzzed_platform):
    with fuzzed_platform.cast.administrator.client() as admin:
        answer = admin.post("/v1/programmes", json={**bodies.programme(
            provider_organisation_id=fuzzed_platform.cast.provider.organisation_id), "capacity": 100_000})

    assert answer.status_code == 201, answer.text
    assert answer.json()["capacity"] == 100_000


def test_a_body_that_is_not_utf8_is_a_400_problem_the_document_lists(fuzzed_platform):
    with fuzzed_platform.cast.referrer.client() as referrer:
        answer = referrer.post("/v1/referrals", content=b'{"name": "\xff\xfe"}',
                               headers={"Content-Type": "application/json"})
        document = httpx.get(f"{fuzzed_platform.url}/openapi.json", timeout=15).json()

    assert answer.status_code == 400
    assert answer.headers["content-type"] == PROBLEM
    assert "400" in document["paths"]["/v1/referrals"]["post"]["responses"]


def test_every_error_answer_is_documented_as_problem_json_with_its_schema(fuzzed_platform):
    document = httpx.get(f"{fuzzed_platform.url}/openapi.json", timeout=15).json()

    errors = {
        (method, path, status): response.get("content", {})
        for path, item in document["paths"].items() if path.startswith("/v1/") and not path.startswith("/v1/auth/")
        for method, operation in item.items()
        for status, response in operation["responses"].items() if int(status) >= 400
    }
    assert len(errors) > 300
    wrong = {key: sorted(content) for key, content in errors.items()
             if list(content) != [PROBLEM] or "$ref" not in content[PROBLEM].get("schema", {})}
    assert wrong == {}


def test_a_code_list_summary_needs_only_the_fields_always_sent(fuzzed_platform):
    document = httpx.get(f"{fuzzed_platform.url}/openapi.json", timeout=15).json()
    with fuzzed_platform.cast.referrer.client() as referrer:
        items = referrer.get("/v1/code-lists").json()["items"]

    required = set(document["components"]["schemas"]["CodeListSummary"]["required"])
    assert required == {"name", "title", "source", "versioned", "versions"}
    assert any("note" not in item for item in items)  # left out when there is none


def test_the_gateway_documents_its_own_answers_on_every_operation_it_routes():
    operation = {"responses": {"200": {"description": "OK"}, "404": {"description": "mine"}}}
    service = {"paths": {"/v1/referrals": {"get": operation, "post": {**operation, "requestBody": {}},
                                           "parameters": []}}}

    merged = merge({"referrals": service}, missing=[])

    item = merged["paths"]["/v1/referrals"]
    assert set(item["get"]["responses"]) == {"200", "404", "429", "502", "503", "504"}
    assert set(item["post"]["responses"]) == {"200", "404", "413", "429", "502", "503", "504"}
    assert item["get"]["responses"]["404"] == {"description": "mine"}  # the service's own answer is kept
    assert item["parameters"] == []
    assert "Retry-After" in item["get"]["responses"]["429"]["headers"]
    problem = item["get"]["responses"]["429"]["content"][PROBLEM]["schema"]["$ref"]
    assert merged["components"]["schemas"][problem.rsplit("/", 1)[1]]["properties"]["status"]["type"] == "integer"

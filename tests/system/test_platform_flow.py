"""The whole flow, only through the gateway's HTTP API, in full and embedded mode."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from tests.support.processes import poll

pytestmark = pytest.mark.system

TODAY = date.today()
DAY = timedelta(days=1)

SOURCES = {
    "custody": {"type": "pnc_id", "value": "24/1234567X"},
    "emergency_department": {"type": "nhs_number", "value": "943 476 5919"},
    "school": {"type": "upn", "value": "A123456789012"},
}


def referral_body(programme_id: str, source: str, identifier: dict) -> dict:
    referred = datetime.now(UTC) - timedelta(days=30)
    return {
        "programme_id": programme_id,
        "source": source,
        "referred_at": referred.isoformat(),
        "subject": {"date_of_birth": "2009-06-15", "identifier": identifier},
        "consent": {"given": True, "recorded_by": "Referrer (synthetic)", "recorded_at": referred.isoformat()},
    }


def test_a_programme_referrals_from_every_source_enrolments_and_outcomes_make_the_metric(platform):
    correlation = f"system-{uuid.uuid4()}"
    with httpx.Client(base_url=platform.url, timeout=15, headers={"X-Correlation-ID": correlation}) as api:
        created = api.post("/v1/programmes", json={"name": f"Custody mentoring {uuid.uuid4().hex[:8]}",
                                                   "provider": "Example Youth Trust (synthetic)"})
        assert created.status_code == 201, created.text
        assert created.headers["X-Correlation-ID"] == correlation
        programme = created.json()

        enrolments = {}
        for source, identifier in SOURCES.items():
            referral = api.post("/v1/referrals", json=referral_body(programme["id"], source, identifier))
            assert referral.status_code == 201, referral.text
            assert referral.json()["status"] == "received"
            # Straight away, before the referral's event can be relied on to have arrived.
            enrolment = api.post("/v1/enrolments", json={
                "referral_id": referral.json()["id"], "programme_id": programme["id"],
                "start_date": (TODAY - 20 * DAY).isoformat()})
            assert enrolment.status_code in (201, 202), enrolment.text
            assert enrolment.json()["status"] in ("active", "awaiting_referral")
            enrolments[source] = (referral.json()["id"], enrolment.json()["id"])

        for referral_id, enrolment_id in enrolments.values():
            poll(lambda: api.get(f"/v1/enrolments/{enrolment_id}").json(), lambda e: e["status"] == "active")
            poll(lambda: api.get(f"/v1/referrals/{referral_id}").json(), lambda r: r["status"] == "enrolled")

        exits = {"custody": "employment", "emergency_department": "education", "school": "neet"}
        for source, (_, enrolment_id) in enrolments.items():
            baseline = api.post("/v1/outcomes", json={"enrolment_id": enrolment_id, "domain": "ete",
                                                      "point": "baseline", "observed_on": (TODAY - 20 * DAY).isoformat(),
                                                      "status": "neet"})
            assert baseline.status_code in (201, 202), baseline.text
            exit_ = api.post("/v1/outcomes", json={"enrolment_id": enrolment_id, "domain": "ete", "point": "exit",
                                                   "observed_on": (TODAY - DAY).isoformat(), "status": exits[source]})
            assert exit_.status_code in (201, 202), exit_.text

        ended = api.post(f"/v1/enrolments/{enrolments['custody'][1]}/end",
                         json={"end_date": (TODAY - DAY).isoformat(), "exit_reason": "completed"})
        assert ended.status_code == 200, ended.text
        assert ended.json()["status"] == "ended"

        def row():
            rows = api.get("/v1/metrics/ete-by-programme").json()["rows"]
            return next((r for r in rows if r["programme_id"] == programme["id"]), None)

        cell = poll(row, lambda r: r is not None and r["cohort_size"] == 3)
        assert (cell["numerator"], cell["denominator"]) == (2, 3)
        assert cell["rate"] == pytest.approx(2 / 3)
        assert cell["ci95_low"] == pytest.approx(0.2077, abs=1e-4)
        assert cell["ci95_high"] == pytest.approx(0.9385, abs=1e-4)

    # The correlation id crossed the gateway, a service, an event and a consumer in another service.
    poll(platform.log, lambda text: any(
        correlation in line and "event handled" in line and "interventions" in line for line in text.splitlines()))


def test_bad_input_gets_a_problem_that_names_the_field_and_changes_nothing(platform):
    with httpx.Client(base_url=platform.url, timeout=15) as api:
        programme = api.post("/v1/programmes", json={"name": f"Navigators {uuid.uuid4().hex[:8]}",
                                                     "provider": "Example Hospital Trust (synthetic)"}).json()
        before = api.get("/v1/referrals", params={"programme_id": programme["id"]}).json()["items"]
        body = referral_body(programme["id"], "custody", {"type": "nhs_number", "value": "9434765918"})
        wrong_digit = api.post("/v1/referrals", json=body)
        body["source"] = "the moon"
        wrong_source = api.post("/v1/referrals", json=body)
        after = api.get("/v1/referrals", params={"programme_id": programme["id"]}).json()["items"]

    assert wrong_digit.status_code == 422
    assert wrong_digit.headers["content-type"].startswith("application/problem+json")
    assert wrong_digit.json()["errors"][0]["pointer"] == "/body/subject/identifier/value"
    assert "check digit" in wrong_digit.json()["detail"]
    assert wrong_source.status_code == 422
    assert any(e["pointer"] == "/body/source" for e in wrong_source.json()["errors"])
    assert before == after == []


def test_the_gateway_serves_one_openapi_document_for_all_services_and_its_docs(platform):
    with httpx.Client(base_url=platform.url, timeout=15) as api:
        document = api.get("/openapi.json").json()
        docs = api.get("/docs")
    for path in ("/v1/referrals", "/v1/referrals/{referral_id}", "/v1/programmes", "/v1/enrolments",
                 "/v1/enrolments/{enrolment_id}/end", "/v1/outcomes", "/v1/metrics/ete-by-programme"):
        assert path in document["paths"], path
    assert document.get("x-missing-services") == []
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_the_demo_data_command_fills_the_platform_through_its_api(embedded_platform):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "vru_deploy", "demo-data", "--url", embedded_platform.url, "--referrals", "60"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with httpx.Client(base_url=embedded_platform.url, timeout=15) as api:
        referrals = api.get("/v1/referrals", params={"limit": 200}).json()["items"]
        rows = api.get("/v1/metrics/ete-by-programme").json()["rows"]
    assert {r["source"] for r in referrals} >= {"custody", "emergency_department", "school"}
    assert sum(r["cohort_size"] for r in rows) > 0

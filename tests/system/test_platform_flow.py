"""The whole flow, only through the gateway's HTTP API, in full and embedded mode."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
import pytest

from tests.support import bodies
from tests.support.processes import poll

pytestmark = pytest.mark.system

TODAY = date.today()
DAY = timedelta(days=1)

# The same young person reaches the platform three times: from custody (PNC ID and NHS number),
# from A&E (the NHS number only) and from school (the UPN only).
NHS = {"type": "nhs_number", "value": "943 476 5919"}
IDENTIFIERS = {
    "custody": [{"type": "pnc_id", "value": "24/1234567" + "ZABCDEFGHJKLMNPQRTUVWXY"[241234567 % 23]}, NHS],
    "emergency_department": [NHS],
    "school": [{"type": "local", "value": "S-4411", "issuer": "Example Academy (synthetic)"}],
}


def create_programme(cast) -> dict:
    """The administrator sets up a programme run by the cast's provider."""
    with cast.administrator.client() as admin:
        answer = poll(lambda: admin.post("/v1/programmes", json=bodies.programme(
            provider_organisation_id=cast.provider.organisation_id)),
            lambda a: not (a.status_code == 422 and "unknown-organisation" in a.json()["type"]))
    assert answer.status_code == 201, answer.text
    return answer.json()


def refer(api: httpx.Client, programme_id: str, source: str) -> dict:
    """Post a referral, waiting (bounded) while the programme's event is still on its way."""
    def attempt() -> httpx.Response:
        return api.post("/v1/referrals", json=bodies.referral(programme_id, source, IDENTIFIERS[source]))

    answer = poll(attempt, lambda a: not (a.status_code == 422 and "unknown-programme" in a.json()["type"]))
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_programme_referrals_from_every_source_enrolments_and_outcomes_make_the_metric(platform):
    cast = platform.cast
    correlation = f"system-{uuid.uuid4()}"
    programme = create_programme(cast)
    with cast.referrer.client(headers={"X-Correlation-ID": correlation}) as referrer, \
            cast.provider.client(headers={"X-Correlation-ID": correlation}) as api:
        referrals = {source: refer(referrer, programme["id"], source) for source in IDENTIFIERS}
        assert all(r["status"] == "received" for r in referrals.values())
        # One person from custody and A&E: one pseudonymous subject.
        subjects = {s: api.get(f"/v1/referrals/{r['id']}").json()["subject"]["pseudonym"] for s, r in referrals.items()}
        assert subjects["custody"] == subjects["emergency_department"] != subjects["school"]

        enrolments = {}
        for source, referral in referrals.items():
            accepted = api.post(f"/v1/referrals/{referral['id']}/accept")
            assert accepted.status_code == 200, accepted.text
            assert accepted.headers["X-Correlation-ID"] == correlation
            # Straight away, before the acceptance can be relied on to have reached interventions.
            enrolment = api.post("/v1/enrolments", json={
                "referral_id": referral["id"], "programme_id": programme["id"],
                "start_date": (TODAY - 20 * DAY).isoformat()})
            assert enrolment.status_code in (201, 202), enrolment.text
            enrolments[source] = enrolment.json()["id"]

        for source, enrolment_id in enrolments.items():
            poll(lambda e=enrolment_id: api.get(f"/v1/enrolments/{e}").json(), lambda e: e["status"] == "active")
            referral_id = referrals[source]["id"]
            poll(lambda r=referral_id: referrer.get(f"/v1/referrals/{r}").json(), lambda r: r["status"] == "enrolled")

        exits = {"custody": "employment", "emergency_department": "education", "school": "neet"}
        for source, enrolment_id in enrolments.items():
            for body in (bodies.ete(enrolment_id, "baseline", TODAY - 20 * DAY, "neet"),
                         bodies.ete(enrolment_id, "exit", TODAY - DAY, exits[source])):
                answer = api.post("/v1/outcomes", json=body)
                assert answer.status_code in (201, 202), answer.text

        ended = api.post(f"/v1/enrolments/{enrolments['custody']}/end",
                         json={"end_date": (TODAY - DAY).isoformat(), "exit_reason": "completed"})
        assert ended.status_code == 200, ended.text
        assert ended.json()["status"] == "ended"

        def cell():
            answer = api.get("/v1/metrics/ete.in_ete_at_latest", params={
                "audience": "internal", "group_by": "programme", "programme_id": programme["id"]})
            assert answer.status_code == 200, answer.text
            cells = [c for c in answer.json()["cells"] if c["group"]["programme"] == programme["id"]]
            return cells[0] if cells else None

        found = poll(cell, lambda c: c is not None and c["denominator"] == 3)
        assert (found["numerator"], found["denominator"]) == (2, 3)
        assert found["rate"] == pytest.approx(2 / 3)
        assert found["ci95_low"] == pytest.approx(0.2077, abs=1e-4)
        assert found["ci95_high"] == pytest.approx(0.9385, abs=1e-4)
        # The closed referral reached the referrals service from the enrolment's end.
        custody_referral = referrals["custody"]["id"]
        poll(lambda: referrer.get(f"/v1/referrals/{custody_referral}").json(), lambda r: r["status"] == "closed")

    # The correlation id crossed the gateway, a service, an event and a consumer in another service.
    poll(platform.log, lambda text: any(
        correlation in line and "event handled" in line and "interventions" in line for line in text.splitlines()))


def test_bad_input_gets_a_problem_that_names_the_field_and_changes_nothing(platform):
    cast = platform.cast
    programme = create_programme(cast)
    with cast.referrer.client() as api:
        good = bodies.referral(programme["id"], "custody", [NHS])
        wrong_digit = dict(good, identifiers=[{"type": "nhs_number", "value": "9434765918"}])
        wrong_source = dict(good, source="the moon")
        answers = [api.post("/v1/referrals", json=body) for body in (wrong_digit, wrong_source)]
        after = api.get("/v1/referrals", params={"programme_id": programme["id"]}).json()["items"]

    for answer in answers:
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert any(e["pointer"].startswith("/body/identifiers/0") for e in answers[0].json()["errors"])
    assert "check digit" in answers[0].text
    assert any(e["pointer"] == "/body/source" for e in answers[1].json()["errors"])
    assert after == []


def test_the_gateway_serves_one_openapi_document_for_all_services_and_its_docs(platform):
    with httpx.Client(base_url=platform.url, timeout=15) as api:  # the documents need no token
        document = api.get("/openapi.json").json()
        docs = api.get("/docs")
    for path in ("/v1/referrals", "/v1/referrals/{referral_id}", "/v1/referrals/{referral_id}/accept",
                 "/v1/code-lists", "/v1/programmes", "/v1/enrolments", "/v1/enrolments/{enrolment_id}/end",
                 "/v1/outcomes", "/v1/metrics", "/v1/metrics/{metric_id}", "/v1/auth/token"):
        assert path in document["paths"], path
    assert document.get("x-missing-services") == []
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_the_demo_data_command_fills_the_platform_through_its_api(embedded_platform):
    import subprocess
    import sys

    credentials = str(embedded_platform.data_dir / "admin-client.json")
    done = subprocess.run(
        [sys.executable, "-m", "vru_deploy", "demo-data", "--url", embedded_platform.url, "--referrals", "60",
         "--credentials", credentials],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with embedded_platform.cast.vru.client() as vru:
        enrolled = vru.get("/v1/metrics/funnel.enrolled", params={"group_by": "source"})
    assert enrolled.status_code == 200, enrolled.text
    sources = {c["group"]["source"] for c in enrolled.json()["cells"]}
    assert {"custody", "emergency_department", "school"} <= sources
    assert sum(c["numerator"] or 0 for c in enrolled.json()["cells"]) > 0


def test_the_catalogue_the_funnel_csv_and_public_disclosure_control_work_through_the_gateway(platform):
    cast = platform.cast
    programme = create_programme(cast)
    with cast.referrer.client() as referrer, cast.provider.client() as api, cast.vru.client() as vru:
        catalogue = vru.get("/v1/metrics").json()["metrics"]
        referral = refer(referrer, programme["id"], "emergency_department")
        declined = api.post(f"/v1/referrals/{referral['id']}/decline", json={"reason": "unable_to_contact"})
        assert declined.status_code == 200, declined.text
        assert api.post(f"/v1/referrals/{referral['id']}/accept").status_code == 409  # declined is final

        def reasons():
            answer = api.get("/v1/metrics/funnel.decline_reasons",
                             params={"audience": "internal", "programme_id": programme["id"]})
            assert answer.status_code == 200, answer.text
            return {c["group"]["reason"]: c["numerator"] for c in answer.json()["cells"] if c["numerator"]}

        assert poll(reasons, lambda r: r == {"unable_to_contact": 1}) == {"unable_to_contact": 1}
        csv = api.get("/v1/metrics/funnel.accepted", params={"audience": "internal", "format": "csv",
                                                             "group_by": "source", "programme_id": programme["id"]})
        public = vru.get("/v1/metrics/funnel.accepted",
                         params={"audience": "public", "group_by": "source", "programme_id": programme["id"]}).json()
        internal_for_the_vru = vru.get("/v1/metrics/funnel.accepted", params={"audience": "internal"})
        bad = vru.get("/v1/metrics/funnel.accepted", params={"from": "2024/26"})

    ids = {m["id"] for m in catalogue}
    assert {"ete.in_ete_at_latest", "reoffending.proven_binary", "funnel.enrolled",
            "timings.referral_to_first_contact", "ethnicity.recording_completeness"} <= ids
    assert all(m["definition"] and m["version"] for m in catalogue)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "numerator" in csv.text.splitlines()[0]
    # One referral is a count of one: the public table must not show it.
    shown = [c for c in public["cells"] if c["group"].get("source") == "emergency_department"]
    assert shown and all(c["suppressed"] and c["numerator"] is None for c in shown)
    assert internal_for_the_vru.status_code == 403
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")

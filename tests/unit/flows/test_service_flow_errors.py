"""Bad input, unknown ids and impossible transitions across the three services: clear problems, nothing stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from vru_referrals.domain.uk_calendar import uk_date

from tests.unit.flows.flows_support import (
    ETE,
    OTHER_PROVIDER_ORG,
    _today,
    _referral,
    _programme_body,
    _programme,
    _enrol,
    _pointers,
    _assert_problem,
    _active_enrolment,
)

# --- errors ------------------------------------------------------------------------------------


async def test_every_service_answers_a_call_without_a_token_with_a_401_problem(platform):
    for client, path in [(platform.referrals, "/v1/referrals"), (platform.interventions, "/v1/programmes"),
                         (platform.interventions, "/v1/enrolments"), (platform.outcomes, "/v1/outcomes"),
                         (platform.outcomes, ETE)]:
        answer = await client.get(path)
        _assert_problem(answer, 401)
        assert answer.headers["www-authenticate"].startswith("Bearer")


async def test_bad_referral_input_is_a_422_problem_naming_the_field_and_stores_nothing(platform):
    programme = await _programme(platform)
    await platform.settle()
    cases = [
        ({**_referral(programme["id"]), "source": "police"}, "/body/source"),
        (_referral(programme["id"], "9434765918"), "/body/identifiers/0/value"),
        ({**_referral(programme["id"]), "referred_at": "2026-01-01T10:00:00"}, "/body/referred_at"),
        ({**_referral(programme["id"]), "name": "Jo Bloggs"}, "/body/name"),
        ({**_referral(programme["id"]), "programme_id": "not-a-uuid"}, "/body/programme_id"),
    ]
    no_dob = _referral(programme["id"])
    del no_dob["young_person"]["date_of_birth"]
    cases.append((no_dob, "/body/young_person/date_of_birth"))

    for body, pointer in cases:
        answer = await platform.referrals.post("/v1/referrals", json=body, headers=platform.referrer)
        problem = _assert_problem(answer, 422)
        assert pointer in _pointers(answer), (pointer, problem)
        assert problem["instance"] == "/v1/referrals"

    assert (await platform.referrals.get("/v1/referrals", headers=platform.referrer)).json()["items"] == []
    assert await platform.outbox("referrals") == []


async def test_a_referral_the_domain_refuses_is_a_422_problem_and_stores_nothing(platform):
    programme = await _programme(platform)
    await platform.settle()
    future = datetime.now(UTC) + timedelta(days=1)
    no_consent = _referral(programme["id"])
    no_consent["lawful_basis"]["given"] = False
    born_on_the_day = _referral(programme["id"])
    born_on_the_day["young_person"]["date_of_birth"] = uk_date(
        datetime.fromisoformat(born_on_the_day["index_event_at"])).isoformat()
    for body, pointer, reason in [
        (no_consent, "/body/lawful_basis/given", "consent"),
        (_referral(programme["id"], referred_at=future), "/body/referred_at", "future"),
        (born_on_the_day, "/body/young_person/date_of_birth", "date_of_birth"),
    ]:
        answer = await platform.referrals.post("/v1/referrals", json=body, headers=platform.referrer)
        problem = _assert_problem(answer, 422)
        assert reason in problem["detail"]
        assert _pointers(answer) == [pointer]
    assert (await platform.referrals.get("/v1/referrals", headers=platform.referrer)).json()["items"] == []
    assert await platform.outbox("referrals") == []


async def test_bad_programme_enrolment_and_outcome_input_is_a_422_problem_and_stores_nothing(platform):
    admin, provider = platform.admin, platform.provider
    answer = await platform.interventions.post("/v1/programmes", json=_programme_body(""), headers=admin)
    _assert_problem(answer, 422)
    assert _pointers(answer) == ["/body/name"]
    answer = await platform.interventions.post("/v1/programmes", json=_programme_body(min_age=18, max_age=16),
                                               headers=admin)
    assert _assert_problem(answer, 422)["type"].endswith("/invalid-programme")
    assert _pointers(answer) == ["/body/max_age"]
    # A provider the identity service never registered cannot be named to run one.
    answer = await platform.interventions.post(
        "/v1/programmes", json=_programme_body(provider_organisation_id=str(uuid.uuid4())), headers=admin)
    assert _assert_problem(answer, 422)["type"].endswith("/unknown-organisation")
    assert (await platform.interventions.get("/v1/programmes", headers=admin)).json()["items"] == []

    enrolment = {"referral_id": str(uuid.uuid4()), "programme_id": str(uuid.uuid4()), "start_date": "yesterday"}
    answer = await platform.interventions.post("/v1/enrolments", json=enrolment, headers=provider)
    _assert_problem(answer, 422)
    assert "/body/start_date" in _pointers(answer)

    enrolment["start_date"] = _today().isoformat()
    answer = await platform.interventions.post("/v1/enrolments", json=enrolment, headers=provider)
    # No such programme: not the provider's, so as unknown as another provider's would be.
    assert _assert_problem(answer, 404)["type"].endswith("/unknown-programme")
    assert (await platform.interventions.get("/v1/enrolments", headers=provider)).json()["items"] == []

    outcome = {"enrolment_id": str(uuid.uuid4()), "domain": "ete", "point": "follow_up", "follow_up_months": 0,
               "observed_on": _today().isoformat(), "status": "education"}
    answer = await platform.outcomes.post("/v1/outcomes", json=outcome, headers=provider)
    _assert_problem(answer, 422)
    assert "/body/follow_up_months" in _pointers(answer)
    answer = await platform.outcomes.post("/v1/outcomes", json={**outcome, "domain": "health",
                                                                 "follow_up_months": 6}, headers=provider)
    _assert_problem(answer, 422)
    assert "/body/domain" in _pointers(answer)
    answer = await platform.outcomes.post("/v1/outcomes", json={**outcome, "point": "exit", "follow_up_months": 6},
                                          headers=provider)
    assert _assert_problem(answer, 422)["type"].endswith("/invalid-outcome")
    assert (await platform.outcomes.get("/v1/outcomes", headers=provider)).json()["items"] == []

    await platform.settle()
    assert [r.event_type for r in await platform.outbox("interventions")] == []


async def test_a_list_limit_out_of_range_is_a_422_problem_naming_the_query_parameter(platform):
    answer = await platform.referrals.get("/v1/referrals", params={"limit": 201}, headers=platform.referrer)
    _assert_problem(answer, 422)
    assert _pointers(answer) == ["/query/limit"]


async def test_unknown_ids_are_404_problems(platform):
    unknown = uuid.uuid4()
    for client, path, headers in [
        (platform.referrals, f"/v1/referrals/{unknown}", platform.referrer),
        (platform.interventions, f"/v1/programmes/{unknown}", platform.admin),
        (platform.interventions, f"/v1/enrolments/{unknown}", platform.provider),
        (platform.outcomes, f"/v1/outcomes/{unknown}", platform.provider),
    ]:
        problem = _assert_problem(await client.get(path, headers=headers), 404)
        assert str(unknown) in problem["detail"]
        assert problem["instance"] == path
    answer = await platform.interventions.post(f"/v1/enrolments/{unknown}/end", headers=platform.provider,
                                               json={"end_date": _today().isoformat(), "exit_reason": "completed"})
    _assert_problem(answer, 404)
    answer = await platform.referrals.post(f"/v1/referrals/{unknown}/accept", headers=platform.provider)
    assert str(unknown) in _assert_problem(answer, 404)["detail"]


async def test_a_malformed_id_in_the_path_is_a_422_problem_naming_it(platform):
    answer = await platform.referrals.get("/v1/referrals/12345", headers=platform.referrer)
    _assert_problem(answer, 422)
    assert _pointers(answer) == ["/path/referral_id"]



async def test_ending_an_enrolment_twice_is_a_409_problem_and_the_first_end_closes_the_referral(platform):
    start = _today() - timedelta(days=10)
    enrolment = await _active_enrolment(platform, start)
    path = f"/v1/enrolments/{enrolment['id']}/end"

    ended = await platform.interventions.post(path, headers=platform.provider,
                                              json={"end_date": _today().isoformat(), "exit_reason": "completed"})
    assert ended.status_code == 200, ended.text
    assert (ended.json()["status"], ended.json()["exit_reason"]) == ("ended", "completed")

    again = await platform.interventions.post(path, headers=platform.provider,
                                              json={"end_date": _today().isoformat(), "exit_reason": "disengaged"})
    assert _assert_problem(again, 409)["type"].endswith("/illegal-transition")
    assert (await platform.interventions.get(f"/v1/enrolments/{enrolment['id']}",
                                             headers=platform.provider)).json()["exit_reason"] == "completed"
    await platform.settle()
    referral = (await platform.referrals.get(f"/v1/referrals/{enrolment['referral_id']}",
                                             headers=platform.referrer)).json()
    assert (referral["status"], referral["closure_reason"]) == ("closed", "enrolment_ended")
    assert platform.transport.dead_letters == []


async def test_ending_before_the_start_is_a_422_problem_and_leaves_the_enrolment_active(platform):
    start = _today() - timedelta(days=10)
    enrolment = await _active_enrolment(platform, start)
    answer = await platform.interventions.post(f"/v1/enrolments/{enrolment['id']}/end", headers=platform.provider,
                                               json={"end_date": (start - timedelta(days=1)).isoformat(),
                                                     "exit_reason": "completed"})
    _assert_problem(answer, 422)
    assert _pointers(answer) == ["/body/end_date"]
    assert (await platform.interventions.get(f"/v1/enrolments/{enrolment['id']}",
                                             headers=platform.provider)).json()["status"] == "active"


async def test_a_second_enrolment_for_one_referral_is_a_409_problem(platform):
    enrolment = await _active_enrolment(platform, _today() - timedelta(days=2))
    answer = await _enrol(platform, enrolment["referral_id"], enrolment["programme_id"], _today())
    _assert_problem(answer, 409)
    assert len((await platform.interventions.get("/v1/enrolments", headers=platform.provider)).json()["items"]) == 1


async def test_accepting_a_referral_already_enrolled_is_a_409_problem(platform):
    enrolment = await _active_enrolment(platform, _today() - timedelta(days=2))
    answer = await platform.referrals.post(f"/v1/referrals/{enrolment['referral_id']}/accept",
                                           headers=platform.provider)
    assert _assert_problem(answer, 409)["type"].endswith("/illegal-transition")
    assert (await platform.referrals.get(f"/v1/referrals/{enrolment['referral_id']}",
                                         headers=platform.provider)).json()["status"] == "enrolled"


async def test_a_second_programme_with_one_name_is_a_409_problem(platform):
    await _programme(platform, "Same name")
    answer = await platform.interventions.post(
        "/v1/programmes", json=_programme_body("Same name", provider_organisation_id=str(OTHER_PROVIDER_ORG)),
        headers=platform.admin)
    _assert_problem(answer, 409)
    assert len((await platform.interventions.get("/v1/programmes", headers=platform.admin)).json()["items"]) == 1

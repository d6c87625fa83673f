"""Recording outcomes over HTTP: one request shape per domain, each validated, and read back."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from outcomes_harness import PROBLEM, World, at, pointers, world  # noqa: F401
from vru_shared.contracts.interventions import EnrolmentStarted

START = date(2025, 1, 6)


@pytest.fixture
async def enrolment(world: World) -> uuid.UUID:
    return await world.member(await world.programme(), START)


@pytest.mark.parametrize("body", [
    {"domain": "ete", "point": "baseline", "observed_on": "2025-01-06", "status": "neet"},
    {"domain": "accommodation", "point": "exit", "observed_on": "2025-03-01", "status": "no_fixed_abode"},
    {"domain": "substance_misuse", "point": "follow_up", "follow_up_months": 6, "observed_on": "2025-07-06",
     "status": "in_treatment"},
    {"domain": "wellbeing", "point": "exit", "observed_on": "2025-03-01", "scale": "swemwbs", "score": 24},
    {"domain": "reoffending", "offence_date": "2025-02-01", "proven_date": "2025-05-01",
     "disposal": "caution", "offence_category": "possession_of_weapons"},
])
async def test_each_domain_is_recorded_and_read_back(world, enrolment, body):
    answer = await world.outcome(enrolment, **body)
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert answer.headers["location"] == f"/v1/outcomes/{created['id']}"
    assert created["enrolment_known"] is True and created["validation"] == "valid"
    for field, value in body.items():
        assert created[field] == value
    read = await world.client.get(f"/v1/outcomes/{created['id']}")
    assert read.status_code == 200 and read.json() == created


async def test_a_reoffence_is_observed_on_the_day_it_was_proven_and_has_no_point(world, enrolment):
    created = await world.reoffence(enrolment, date(2025, 2, 1), date(2025, 5, 1))
    assert (created["observed_on"], created["point"], created["follow_up_months"]) == ("2025-05-01", None, None)


@pytest.mark.parametrize(("body", "pointer"), [
    ({"domain": "ete", "point": "exit", "observed_on": "2025-03-01", "status": "unemployed"}, "/body/status"),
    ({"domain": "ete", "point": "midway", "observed_on": "2025-03-01", "status": "neet"}, "/body/point"),
    ({"domain": "ete", "point": "exit", "observed_on": "2025-03-01", "status": "neet", "score": 3}, "/body/score"),
    ({"domain": "accommodation", "point": "exit", "observed_on": "2025-03-01", "status": "neet"}, "/body/status"),
    ({"domain": "substance_misuse", "point": "exit", "observed_on": "2025-03-01", "status": "some"},
     "/body/status"),
    ({"domain": "wellbeing", "point": "exit", "observed_on": "2025-03-01", "scale": "swemwbs", "score": 36},
     "/body/score"),
    ({"domain": "wellbeing", "point": "exit", "observed_on": "2025-03-01", "scale": "swemwbs", "score": 6},
     "/body/score"),
    ({"domain": "wellbeing", "point": "exit", "observed_on": "2025-03-01", "scale": "wemwbs", "score": 71},
     "/body/score"),
    ({"domain": "wellbeing", "point": "exit", "observed_on": "2025-03-01", "scale": "swemwbs", "score": 20.5},
     "/body/score"),
    ({"domain": "wellbeing", "point": "exit", "observed_on": "2025-03-01", "scale": "likert", "score": 20},
     "/body/scale"),
    ({"domain": "reoffending", "offence_date": "2025-03-01", "proven_date": "2025-02-28", "disposal": "caution",
      "offence_category": "robbery"}, "/body/proven_date"),
    ({"domain": "reoffending", "offence_date": "2025-03-01", "proven_date": "2025-03-02", "disposal": "fine",
      "offence_category": "robbery"}, "/body/disposal"),
    ({"domain": "reoffending", "offence_date": "2025-03-01", "proven_date": "2025-03-02", "disposal": "caution",
      "offence_category": "shoplifting"}, "/body/offence_category"),
    ({"domain": "reoffending", "offence_date": "2025-03-01", "proven_date": "2025-03-02", "disposal": "caution",
      "offence_category": "robbery", "point": "exit"}, "/body/point"),
    ({"domain": "reoffending", "offence_date": "2025-01-05", "proven_date": "2025-03-02", "disposal": "caution",
      "offence_category": "robbery"}, "/body/offence_date"),
    ({"domain": "ete", "point": "follow_up", "observed_on": "2025-03-01", "status": "neet"}, "/body/follow_up_months"),
    ({"domain": "ete", "point": "follow_up", "follow_up_months": 61, "observed_on": "2025-03-01", "status": "neet"},
     "/body/follow_up_months"),
    # Due 6 July 2025; more than 14 days early.
    ({"domain": "ete", "point": "follow_up", "follow_up_months": 6, "observed_on": "2025-06-21", "status": "neet"},
     "/body/observed_on"),
    ({"domain": "ete", "point": "baseline", "observed_on": "2024-12-05", "status": "neet"}, "/body/observed_on"),
    ({"domain": "ete", "point": "exit", "observed_on": "2025-01-05", "status": "neet"}, "/body/observed_on"),
    ({"domain": "safeguarding", "point": "exit", "observed_on": "2025-03-01", "status": "neet"}, "/body/domain"),
])
async def test_a_record_that_breaks_a_rule_of_its_domain_is_refused_naming_the_field(world, enrolment, body, pointer):
    answer = await world.outcome(enrolment, **body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert pointer in pointers(answer), answer.json()
    listed = await world.client.get("/v1/outcomes", params={"enrolment_id": str(enrolment)})
    assert listed.json()["items"] == []


async def test_a_future_observation_or_proof_is_refused(world, enrolment):
    tomorrow = date.today() + timedelta(days=2)
    ete = await world.outcome(enrolment, "ete", point="exit", observed_on=tomorrow, status="neet")
    assert (ete.status_code, pointers(ete)) == (422, ["/body/observed_on"])
    proof = await world.outcome(enrolment, "reoffending", offence_date=START, proven_date=tomorrow,
                                disposal="conviction", offence_category="robbery")
    assert (proof.status_code, pointers(proof)) == (422, ["/body/proven_date"])


async def test_an_exit_after_the_enrolment_ended_or_before_it_is_recorded_as_ended_is_accepted(world, enrolment):
    await world.end(enrolment, date(2025, 3, 1))
    before_end = await world.outcome(enrolment, "ete", point="exit", observed_on="2025-02-20", status="training")
    after_end = await world.outcome(enrolment, "ete", point="exit", observed_on="2025-03-10", status="training")
    assert (before_end.status_code, after_end.status_code) == (201, 201)


async def test_an_outcome_for_an_enrolment_not_known_yet_is_accepted_pending_and_checked_when_it_arrives(world):
    programme = await world.programme()
    referral = await world.referral(programme, at(date(2025, 1, 1)))
    unknown = uuid.uuid4()
    fits = await world.outcome(unknown, "ete", point="exit", observed_on="2025-02-01", status="education")
    too_early = await world.outcome(unknown, "ete", point="exit", observed_on="2025-01-02", status="neet")
    assert (fits.status_code, too_early.status_code) == (202, 202)
    assert (fits.json()["enrolment_known"], fits.json()["validation"]) == (False, "pending")

    await world.publish(EnrolmentStarted(enrolment_id=unknown, referral_id=referral, programme_id=programme,
                                         subject_pseudonym="c" * 64, start_date=date(2025, 1, 6),
                                         started_at=at(date(2025, 1, 6))))
    fits_now = (await world.client.get(f"/v1/outcomes/{fits.json()['id']}")).json()
    too_early_now = (await world.client.get(f"/v1/outcomes/{too_early.json()['id']}")).json()
    assert (fits_now["enrolment_known"], fits_now["validation"], fits_now["invalid_reason"]) == (True, "valid", None)
    assert too_early_now["validation"] == "invalid"
    assert "before the enrolment started" in too_early_now["invalid_reason"]
    # Only the valid record counts: education at the latest valid record.
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25 Q4", to="2024/25 Q4", audience="internal",
                                group_by="")
    assert (answer["total"]["numerator"], answer["total"]["denominator"]) == (1, 1)


async def test_outcomes_are_listed_newest_first_and_filtered_by_enrolment_and_domain(world, enrolment):
    other = await world.member(await world.programme("Other"), START)
    first = await world.ete(enrolment, "neet", START, "baseline")
    second = await world.outcome(enrolment, "wellbeing", point="baseline", observed_on=START, scale="wemwbs",
                                 score=40)
    third = await world.ete(other, "education", START, "baseline")
    everything = (await world.client.get("/v1/outcomes")).json()["items"]
    assert [o["id"] for o in everything] == [third["id"], second.json()["id"], first["id"]]
    mine = (await world.client.get("/v1/outcomes", params={"enrolment_id": str(enrolment)})).json()["items"]
    assert {o["id"] for o in mine} == {first["id"], second.json()["id"]}
    ete = (await world.client.get("/v1/outcomes", params={"domain": "ete"})).json()["items"]
    assert {o["id"] for o in ete} == {first["id"], third["id"]}
    both = await world.client.get("/v1/outcomes", params={"domain": "wellbeing", "enrolment_id": str(other)})
    assert both.json()["items"] == []
    wrong = await world.client.get("/v1/outcomes", params={"domain": "mood"})
    assert (wrong.status_code, pointers(wrong)) == (422, ["/query/domain"])


async def test_an_unknown_outcome_is_404(world):
    answer = await world.client.get(f"/v1/outcomes/{uuid.uuid4()}")
    assert answer.status_code == 404 and answer.headers["content-type"] == PROBLEM

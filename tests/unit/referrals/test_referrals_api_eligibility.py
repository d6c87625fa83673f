"""Whom a programme takes, over HTTP: unknown or ended programmes, sources and ages it does not take,
and programme updates arriving in either order."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from vru_referrals.adapters import orm
from vru_shared.contracts.interventions import ProgrammeUpdated

from tests.unit.referrals.referrals_api_support import count_rows, refer
from tests.unit.referrals.referrals_support import programme_created, referral_body


async def test_a_referral_to_an_unknown_programme_is_refused_and_asked_to_retry_shortly(service):
    unknown = uuid.uuid4()
    answer = await service.referrer.post("/v1/referrals", json=referral_body(unknown))
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"].endswith("/unknown-programme")
    assert str(unknown) in problem["detail"]
    assert "created moments ago" in problem["detail"] and "retry shortly" in problem["detail"]
    assert problem["errors"][0]["pointer"] == "/body/programme_id"


async def test_a_referral_to_a_programme_that_does_not_take_school_referrals_is_refused(service):
    programme = await service.programme(name="Custody mentoring", accepted_sources=["custody"])
    answer = await service.referrer.post("/v1/referrals", json=referral_body(programme.programme_id, "school"))
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"].endswith("/source-not-accepted")
    assert problem["detail"] == "programme 'Custody mentoring' does not take referrals from school; it takes: custody"
    assert problem["errors"][0]["pointer"] == "/body/source"
    assert await count_rows(service, orm.referrals) == 0


@pytest.mark.parametrize(("dob", "status"), [("2016-03-09", 201), ("2016-03-10", 422)])
async def test_a_young_person_below_the_age_range_on_the_referral_date_is_refused(service, dob, status):
    programme = await service.programme(name="Teen mentoring", min_age=10, max_age=17)
    referred_at = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    body = referral_body(programme.programme_id, referred_at=referred_at)
    body["young_person"]["date_of_birth"] = dob
    answer = await service.referrer.post("/v1/referrals", json=body)
    assert answer.status_code == status, answer.text
    if status == 422:
        problem = answer.json()
        assert problem["type"].endswith("/outside-age-range")
        assert problem["detail"] == ("the young person is 9 on the referral date 2026-03-09; "
                                     "programme 'Teen mentoring' takes ages 10 to 17")
        assert problem["errors"][0]["pointer"] == "/body/young_person/date_of_birth"


async def test_a_referral_to_a_programme_that_ended_is_refused(service):
    programme = await service.programme(active_from=date(2024, 4, 1), active_to=date(2025, 3, 31))
    answer = await service.referrer.post("/v1/referrals", json=referral_body(programme.programme_id))
    problem = answer.json()
    assert answer.status_code == 422
    assert problem["type"].endswith("/programme-not-active")
    assert "it runs from 2024-04-01 to 2025-03-31" in problem["detail"]


async def test_a_programme_update_changes_whom_it_takes(service):
    created = await service.programme(accepted_sources=["custody"])
    state = created.model_dump(exclude={"accepted_sources"})
    await service.feed(ProgrammeUpdated(**state, accepted_sources=["custody", "school"]))
    await refer(service, created.programme_id, "school")


async def test_a_programme_creation_that_arrives_after_its_update_does_not_undo_it(service):
    created = programme_created(accepted_sources=["custody"])
    state = created.model_dump(exclude={"accepted_sources"})
    await service.feed(ProgrammeUpdated(**state, accepted_sources=["school"]))
    await service.feed(created)
    assert (await service.referrer.post("/v1/referrals", json=referral_body(created.programme_id, "custody"))
            ).status_code == 422
    await refer(service, created.programme_id, "school")


async def test_an_older_programme_state_arriving_after_a_newer_one_does_not_replace_it(service):
    created = programme_created(accepted_sources=["custody"])
    state = created.model_dump(exclude={"accepted_sources", "revision"})
    await service.feed(created.model_copy(update={"revision": 1}))
    # Revision 2 (school) was retried, and revision 3 (custody and school) overtook it.
    await service.feed(ProgrammeUpdated(**state, accepted_sources=["custody", "school"], revision=3))
    await service.feed(ProgrammeUpdated(**state, accepted_sources=["school"], revision=2))
    await refer(service, created.programme_id, "custody")
    await refer(service, created.programme_id, "school")
    await service.feed(ProgrammeUpdated(**state, accepted_sources=["school"], revision=4))
    assert (await service.referrer.post("/v1/referrals", json=referral_body(created.programme_id, "custody"))
            ).status_code == 422

"""The outbox, pseudonyms and readiness of the three services in process."""

from __future__ import annotations

from datetime import date, datetime

from vru_referrals.domain.subjects import age_band
from vru_referrals.domain.uk_calendar import uk_date
from vru_shared.events import Envelope

from tests.unit.flows.flows_support import (
    NHS_NUMBERS,
    _date_of_birth,
    _referral,
    _programme,
    _refer,
)

# --- the outbox and the correlation id ---------------------------------------------------------


async def test_a_referral_and_its_outbox_row_are_written_together(platform):
    programme = await _programme(platform)
    await platform.settle()
    body = _referral(programme["id"])
    answer = await platform.referrals.post("/v1/referrals", json=body,
                                           headers={**platform.referrer, "X-Correlation-ID": "req-outbox-1"})
    assert answer.status_code == 201, answer.text
    assert answer.headers["x-correlation-id"] == "req-outbox-1"
    referral = answer.json()

    rows = await platform.outbox("referrals")
    assert [r.event_type for r in rows] == ["referrals.referral.received.v1"]
    envelope = Envelope.model_validate_json(rows[0].envelope)
    assert rows[0].event_id == str(envelope.id)
    assert envelope.source == "/vru/referrals"
    assert envelope.correlationid == "req-outbox-1"
    assert envelope.data["referral_id"] == referral["id"]
    assert envelope.data["subject_pseudonym"] == referral["subject"]["pseudonym"]
    # What leaves the service is pseudonymous: no identifier, no name, no date of birth.
    for secret in [NHS_NUMBERS[0], body["young_person"]["date_of_birth"], "Alex", "SW1A 2AA"]:
        assert secret not in rows[0].envelope, secret

    await platform.settle()
    (row,) = await platform.outbox("referrals")
    assert row.published_at is not None


async def test_the_same_person_referred_twice_gets_one_pseudonym_however_the_number_is_written(platform):
    programme = await _programme(platform)
    await platform.settle()
    first = await _refer(platform, programme, "943 476 5919")
    second = await _refer(platform, programme, "943-476-5919", "school")
    assert first["identifiers"][0]["normalised"] == second["identifiers"][0]["normalised"] == "9434765919"
    assert first["subject"]["pseudonym"] == second["subject"]["pseudonym"]
    assert second["possible_duplicate_of"] == first["id"]  # the same person, to the same programme, still open
    referred_on = uk_date(datetime.fromisoformat(first["referred_at"]))
    assert first["young_person"]["age_band"] == age_band(date.fromisoformat(_date_of_birth()), referred_on)
    summaries = (await platform.referrals.get("/v1/referrals", headers=platform.referrer)).json()["items"]
    assert {s["subject_pseudonym"] for s in summaries} == {first["subject"]["pseudonym"]}
    assert all("young_person" not in s and "identifiers" not in s for s in summaries)


async def test_every_service_is_ready_with_its_database_and_the_bus(platform):
    for client in platform.clients.values():
        answer = await client.get("/ready")
        assert answer.status_code == 200
        assert answer.json()["checks"] == {"database": True, "broker": True}

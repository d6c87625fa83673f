"""One subject across sources: identifiers that link referrals of one person, subjects merged when a
referral shows them to be one, and possible duplicates flagged rather than refused."""

from __future__ import annotations

from sqlalchemy import select

from vru_referrals.adapters import orm
from vru_shared.contracts.referrals import ReferralReceived

from tests.unit.referrals.referrals_api_support import count_rows, refer


NHS_NUMBER = {"type": "nhs_number", "value": "9434765919"}
PNC_ID = {"type": "pnc_id", "value": "12/1234567C"}


async def test_the_same_nhs_number_from_custody_and_a_and_e_is_one_subject(service):
    programme = await service.programme()
    custody = await refer(service, programme.programme_id, "custody", identifiers=[PNC_ID, NHS_NUMBER])
    hospital = await refer(service, programme.programme_id, "emergency_department",
                           identifiers=[{"type": "nhs_number", "value": "943-476-5919"}])
    assert hospital["subject"]["pseudonym"] == custody["subject"]["pseudonym"]
    assert await count_rows(service, orm.subjects) == 1
    assert await count_rows(service, orm.subject_identifiers) == 2


async def test_a_pnc_id_alone_finds_the_subject_an_earlier_referral_linked_it_to(service):
    programme = await service.programme()
    custody = await refer(service, programme.programme_id, "custody", identifiers=[PNC_ID, NHS_NUMBER])
    later = await refer(service, programme.programme_id, "youth_justice",
                        identifiers=[{"type": "pnc_id", "value": "2012/1234567c"}])
    assert later["subject"]["pseudonym"] == custody["subject"]["pseudonym"]


async def test_two_subjects_that_a_referral_shows_to_be_one_person_are_merged_into_the_older(service):
    programme = await service.programme()
    custody = await refer(service, programme.programme_id, "custody", identifiers=[PNC_ID])
    hospital = await refer(service, programme.programme_id, "emergency_department", identifiers=[NHS_NUMBER])
    assert hospital["subject"]["pseudonym"] != custody["subject"]["pseudonym"]

    school = await refer(service, programme.programme_id, "school", identifiers=[NHS_NUMBER, PNC_ID])
    assert school["subject"]["pseudonym"] == custody["subject"]["pseudonym"]
    moved = (await service.provider.get(f"/v1/referrals/{hospital['id']}")).json()
    assert moved["subject"]["pseudonym"] == custody["subject"]["pseudonym"]
    later = await refer(service, programme.programme_id, "community", identifiers=[NHS_NUMBER])
    assert later["subject"]["pseudonym"] == custody["subject"]["pseudonym"]


async def test_different_people_are_different_subjects(service):
    programme = await service.programme()
    one = await refer(service, programme.programme_id, identifiers=[NHS_NUMBER])
    two = await refer(service, programme.programme_id, identifiers=[{"type": "nhs_number", "value": "9990000018"}])
    local_a = await refer(service, programme.programme_id,
                          identifiers=[{"type": "local", "value": "7", "issuer": "Example Custody Suite"}])
    local_b = await refer(service, programme.programme_id,
                          identifiers=[{"type": "local", "value": "7", "issuer": "Example Academy"}])
    assert len({r["subject"]["pseudonym"] for r in (one, two, local_a, local_b)}) == 4


async def test_no_raw_identifier_is_stored_outside_the_referral_row(service):
    programme = await service.programme()
    await refer(service, programme.programme_id, identifiers=[NHS_NUMBER, PNC_ID])
    runtime = service.app.state.runtime
    async with runtime.sessions() as session:
        rows = [tuple(r) for t in (orm.subjects, orm.subject_identifiers) for r in
                (await session.execute(select(t))).all()]
    stored = repr(rows)
    assert "9434765919" not in stored and "1234567" not in stored


# --- possible duplicates ---------------------------------------------------------------------


async def test_a_second_open_referral_of_the_same_person_to_the_same_programme_is_flagged_not_refused(service):
    programme = await service.programme()
    first = await refer(service, programme.programme_id, identifiers=[PNC_ID, NHS_NUMBER])
    second = await refer(service, programme.programme_id, "emergency_department", identifiers=[NHS_NUMBER])
    assert first["possible_duplicate_of"] is None
    assert second["possible_duplicate_of"] == first["id"]
    received = [e for e in await service.flush() if isinstance(e, ReferralReceived)]
    assert [str(e.possible_duplicate_of) if e.possible_duplicate_of else None for e in received] == [None, first["id"]]

    flagged = (await service.provider.get("/v1/referrals", params={"possible_duplicate": "true"})).json()["items"]
    assert [r["id"] for r in flagged] == [second["id"]]


async def test_a_referral_after_the_earlier_one_closed_or_to_another_programme_is_not_flagged(service):
    programme = await service.programme()
    other = await service.programme(name="A&E navigators")
    first = await refer(service, programme.programme_id)
    elsewhere = await refer(service, other.programme_id)
    assert elsewhere["possible_duplicate_of"] is None
    await service.provider.post(f"/v1/referrals/{first['id']}/decline", json={"reason": "no_capacity"})
    again = await refer(service, programme.programme_id)
    assert again["possible_duplicate_of"] is None

"""No personal data in logs or events: a whole flow on the full platform with distinctive synthetic
details, then every log line and every message published on the bus is searched for them."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import aio_pika
import pytest

from tests.support import bodies, infra
from tests.support.processes import poll

pytestmark = pytest.mark.system

# Made up, and unlikely to occur by chance anywhere else.
GIVEN, FAMILY, CARER = "Zephyrine", "Quillfeather", "Orlando Quillfeather"
NHS_NUMBER = "999 000 0018"
PNC_ID = "24/7654321" + "ZABCDEFGHJKLMNPQRTUVWXY"[247654321 % 23]
PHONE, EMAIL = "07700 900987", "zephyrine.q@example.org"
POSTCODE, DATE_OF_BIRTH = "ZE1 9ZZ", "2008-02-29"
NOTE = "Quillfeather mentioned a cousin in the street"

NEEDLES = [GIVEN, FAMILY, CARER, NHS_NUMBER, NHS_NUMBER.replace(" ", ""), PNC_ID, PHONE, PHONE.replace(" ", ""),
           EMAIL, POSTCODE, POSTCODE.replace(" ", ""), DATE_OF_BIRTH, NOTE]


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [needle for needle in NEEDLES if needle.lower() in lowered]


async def test_a_whole_flow_leaves_no_name_contact_date_of_birth_postcode_or_identifier_in_logs_or_events(
    full_platform,
):
    prefix = full_platform.env["VRU_BUS_PREFIX"]
    connection = await aio_pika.connect(infra.AMQP)
    channel = await connection.channel()
    probe = await channel.declare_queue(exclusive=True)
    await probe.bind(f"{prefix}.events", routing_key="#")
    cast = full_platform.cast
    try:
        body = bodies.referral("", "custody", [{"type": "nhs_number", "value": NHS_NUMBER},
                                               {"type": "pnc_id", "value": PNC_ID}])
        body["young_person"].update(given_name=GIVEN, family_name=FAMILY, date_of_birth=DATE_OF_BIRTH)
        body["young_person"]["contact"] = {
            "phone": PHONE, "email": EMAIL,
            "address": {"lines": ["7 Imaginary Row"], "postcode": POSTCODE},
            "parent_carer": {"name": CARER, "relationship": "father", "phone": PHONE},
        }
        await asyncio.to_thread(drive_flow, cast, body)
        messages = []
        for _ in range(200):
            message = await probe.get(fail=False, timeout=5)
            if message is None:
                if len(messages) >= 6:
                    break
                await asyncio.sleep(0.1)
                continue
            await message.ack()
            messages.append(message.body.decode())
    finally:
        await connection.close()

    assert len(messages) >= 6, "the flow should have published its events"
    assert any("referrals.referral.received.v1" in m for m in messages)
    leaked_events = {needle for m in messages for needle in leaks(m)}
    leaked_logs = {needle for line in full_platform.log().splitlines() for needle in leaks(line)}
    assert leaked_events == set(), f"personal data in published events: {leaked_events}"
    assert leaked_logs == set(), f"personal data in logs: {leaked_logs}"


def drive_flow(cast, body) -> None:
    today = date.today()
    with cast.administrator.client() as admin, cast.referrer.client() as referrer, cast.provider.client() as provider:
        programme = poll(lambda: admin.post("/v1/programmes", json=bodies.programme(
            provider_organisation_id=cast.provider.organisation_id)),
            lambda a: a.status_code != 422 or "unknown-organisation" not in a.json()["type"]).json()
        body["programme_id"] = programme["id"]
        referral = poll(lambda: referrer.post("/v1/referrals", json=body),
                        lambda a: a.status_code != 422 or "unknown-programme" not in a.json()["type"])
        assert referral.status_code == 201, referral.text
        referral_id = referral.json()["id"]
        assert provider.get(f"/v1/referrals/{referral_id}").json()["young_person"]["given_name"] == GIVEN
        assert provider.post(f"/v1/referrals/{referral_id}/accept").status_code == 200
        enrolment = provider.post("/v1/enrolments", json={
            "referral_id": referral_id, "programme_id": programme["id"],
            "start_date": (today - timedelta(days=10)).isoformat()})
        assert enrolment.status_code in (201, 202), enrolment.text
        enrolment_id = enrolment.json()["id"]
        poll(lambda: provider.get(f"/v1/enrolments/{enrolment_id}").json(), lambda e: e["status"] == "active")
        assert provider.post(f"/v1/enrolments/{enrolment_id}/contacts", json={
            "contact_at": f"{(today - timedelta(days=9)).isoformat()}T10:00:00+00:00", "kind": "face_to_face",
            "duration_minutes": 45}).status_code == 201
        assert provider.post("/v1/outcomes", json=bodies.ete(enrolment_id, "baseline", today - timedelta(days=10),
                                                             "neet")).status_code in (201, 202)
        ended = provider.post(f"/v1/enrolments/{enrolment_id}/end", json={
            "end_date": (today - timedelta(days=1)).isoformat(), "exit_reason": "completed", "note": NOTE})
        assert ended.status_code == 200, ended.text
        poll(lambda: provider.get(f"/v1/referrals/{referral_id}").json(), lambda r: r["status"] == "closed")
        # An erasure request by identifier, as a young person may ask.
        erased = admin.post("/v1/referrals/subject-erasures",
                            json={"identifier": {"type": "nhs_number", "value": NHS_NUMBER}})
        assert erased.status_code in (200, 202), erased.text
        after = provider.get(f"/v1/referrals/{referral_id}")
        assert GIVEN not in after.text and NHS_NUMBER.replace(" ", "") not in after.text

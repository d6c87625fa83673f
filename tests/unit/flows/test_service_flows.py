"""The whole flow across the three services in process: referral, decision, enrolment, outcomes and metrics."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from vru_shared.contracts.interventions import EnrolmentStarted
from vru_shared.events import Envelope

from tests.unit.flows.flows_support import (
    NHS_NUMBERS,
    OTHER_REFERRER_ORG,
    OTHER_PROVIDER_ORG,
    _today,
    _referral,
    _programme_body,
    _programme,
    _accept,
    _enrol,
    _ete,
    _metric_answer,
    _metric,
    _assert_problem,
    _received,
    _accepted,
    _active_enrolment,
)

# --- the whole flow ----------------------------------------------------------------------------


async def test_an_accepted_referral_enrolled_at_once_becomes_active_and_its_outcomes_make_the_ete_metric(platform):
    other_referrer = platform.headers("referrer", OTHER_REFERRER_ORG)
    other_provider = platform.headers("provider", OTHER_PROVIDER_ORG)
    # Only an administrator sets programmes up, even the provider who will run one.
    refused = await platform.interventions.post("/v1/programmes", json=_programme_body(), headers=platform.provider)
    assert _assert_problem(refused, 403)["type"].endswith("/insufficient-scope")
    programme = await _programme(platform)
    await platform.settle()  # the referrals service refuses a programme it has not heard of
    start = _today() - timedelta(days=30)

    enrolments: list[dict] = []
    for number, source in zip(NHS_NUMBERS, ["custody", "emergency_department", "school", "custody"], strict=True):
        referral = await platform.referrals.post("/v1/referrals", json=_referral(programme["id"], number, source),
                                                 headers=platform.referrer)
        assert referral.status_code == 201, referral.text
        assert referral.headers["location"] == f"/v1/referrals/{referral.json()['id']}"
        await _accept(platform, referral.json())
        # Straight away: the referral's events may or may not have reached the interventions service.
        enrolment = await _enrol(platform, referral.json()["id"], programme["id"], start)
        expected = {201: {"active"}, 202: {"awaiting_referral", "awaiting_acceptance"}}
        assert enrolment.status_code in expected, enrolment.text
        assert enrolment.json()["status"] in expected[enrolment.status_code]
        enrolments.append(enrolment.json())

    await platform.settle()

    for enrolment in enrolments:
        now_active = (await platform.interventions.get(f"/v1/enrolments/{enrolment['id']}",
                                                       headers=platform.provider)).json()
        assert now_active["status"] == "active"
        assert now_active["started_at"] is not None
        assert now_active["start_date"] == start.isoformat()
        referral = (await platform.referrals.get(f"/v1/referrals/{enrolment['referral_id']}",
                                                 headers=platform.referrer)).json()
        assert referral["status"] == "enrolled"
        assert referral["enrolment_id"] == enrolment["id"]
    assert platform.transport.dead_letters == []

    # Each organisation sees its own records only: to the others they do not exist.
    first = enrolments[0]
    referral_path = f"/v1/referrals/{first['referral_id']}"
    _assert_problem(await platform.referrals.get(referral_path, headers=other_referrer), 404)
    assert (await platform.referrals.get("/v1/referrals", headers=other_referrer)).json()["items"] == []
    assert len((await platform.referrals.get("/v1/referrals", headers=platform.provider)).json()["items"]) == 4
    # Deciding is the programme's provider's: another provider is told of no such referral (not
    # that it is enrolled already), and the referrer lacks the scope.
    _assert_problem(await platform.referrals.post(f"{referral_path}/accept", headers=other_provider), 404)
    _assert_problem(await platform.referrals.post(f"{referral_path}/accept", headers=platform.referrer), 403)
    _assert_problem(await platform.interventions.get(f"/v1/enrolments/{first['id']}", headers=other_provider), 404)
    assert (await platform.interventions.get("/v1/enrolments", headers=other_provider)).json()["items"] == []
    another = await _enrol(platform, first["referral_id"], programme["id"], start, headers=other_provider)
    assert _assert_problem(another, 404)["type"].endswith("/unknown-programme")
    _assert_problem(await platform.interventions.get(f"/v1/enrolments/{first['id']}", headers=platform.referrer),
                    403)

    a, b, _c, d = (e["id"] for e in enrolments)
    records = [
        (a, "baseline", start - timedelta(days=5), "neet"),
        (a, "exit", start + timedelta(days=10), "education"),       # latest in ETE
        (b, "baseline", start - timedelta(days=31), "education"),
        (b, "exit", start + timedelta(days=10), "neet"),            # latest NEET
        (d, "exit", start + timedelta(days=3), "employment"),       # latest in ETE
        # c has no ETE record: in the cohort, not in the denominator.
    ]
    recorded = []
    for enrolment_id, point, observed_on, status in records:
        answer = await _ete(platform, enrolment_id, point, observed_on, status)
        assert answer.status_code == 201, answer.text
        assert (answer.json()["enrolment_known"], answer.json()["validation"]) == (True, "valid")
        recorded.append(answer.json()["id"])
    stranger = await _ete(platform, str(uuid.uuid4()), "exit", start, "training")
    assert stranger.status_code == 202
    assert (stranger.json()["enrolment_known"], stranger.json()["validation"]) == (False, "pending")
    # Another provider can neither record against the enrolment (so nothing of it counts) nor read its records.
    intruder = await _ete(platform, a, "exit", start + timedelta(days=20), "neet", headers=other_provider)
    assert _assert_problem(intruder, 404)["type"].endswith("/unknown-enrolment")
    _assert_problem(await platform.outcomes.get(f"/v1/outcomes/{recorded[0]}", headers=other_provider), 404)

    metric = await _metric(platform, start)
    assert metric["group_by"] == ["programme"]
    (cell,) = metric["cells"]
    assert cell["group"] == {"programme": programme["id"]}
    assert metric["labels"]["programme"] == {programme["id"]: "Mentoring after custody"}
    assert (cell["numerator"], cell["denominator"]) == (2, 3)
    assert cell["rate"] == pytest.approx(2 / 3)
    # Wilson 95% for 2 of 3, by hand: (2/3 + 0.64025 ± 1.95996·sqrt(0.07407 + 0.10671)) / 2.28049
    assert (round(cell["ci95_low"], 4), round(cell["ci95_high"], 4)) == (0.2077, 0.9385)
    # Another provider's metric holds its own programmes only: none.
    assert (await _metric(platform, start, headers=other_provider))["cells"] == []
    # The VRU reads every programme, but never exactly: the internal audience is refused it, and its
    # own audience does not show counts of 1 to 4.
    _assert_problem(await _metric_answer(platform, start, "internal", platform.vru), 403)
    (hidden,) = (await _metric(platform, start, audience="vru", headers=platform.vru))["cells"]
    assert (hidden["numerator"], hidden["denominator"], hidden["suppressed"]) == (None, None, True)
    # A referrer reads no metrics at all.
    _assert_problem(await _metric_answer(platform, start, "public", platform.referrer), 403)


async def test_the_latest_record_by_date_observed_decides_not_the_order_of_recording(platform):
    start = _today() - timedelta(days=20)
    enrolment = await _active_enrolment(platform, start)
    # The later observation is recorded first; the earlier one, recorded afterwards, must not win.
    for observed_on, status in [(start + timedelta(days=9), "employment"), (start + timedelta(days=2), "neet")]:
        answer = await _ete(platform, enrolment["id"], "exit", observed_on, status)
        assert answer.status_code == 201, answer.text
    (cell,) = (await _metric(platform, start))["cells"]
    assert (cell["numerator"], cell["denominator"]) == (1, 1)


async def test_a_programme_whose_members_have_no_outcomes_yet_shows_no_denominator_and_no_rate(platform):
    start = _today() - timedelta(days=5)
    enrolment = await _active_enrolment(platform, start, name="Programme without outcomes")
    metric = await _metric(platform, start)
    assert [(c["group"]["programme"], c["numerator"], c["denominator"], c["rate"], c["ci95_low"])
            for c in metric["cells"]] == [(enrolment["programme_id"], 0, 0, None, None)]
    assert metric["labels"]["programme"] == {enrolment["programme_id"]: "Programme without outcomes"}


async def test_an_enrolment_posted_before_its_referral_arrives_waits_then_starts(start_platform):
    platform = await start_platform("interventions", "outcomes")
    programme = await _programme(platform)
    await platform.settle()
    referral_id = uuid.uuid4()
    start = _today() - timedelta(days=3)

    posted = await _enrol(platform, str(referral_id), programme["id"], start)
    assert posted.status_code == 202, posted.text
    assert posted.json()["status"] == "awaiting_referral"
    assert posted.json()["started_at"] is None
    enrolment_id = posted.json()["id"]
    await platform.settle()
    assert (await platform.interventions.get(f"/v1/enrolments/{enrolment_id}",
                                             headers=platform.provider)).json()["status"] == "awaiting_referral"

    # Now the referral's events arrive, as the referrals service would have published them:
    # first the referral itself, which is not yet enough to start...
    received = _received(referral_id, programme["id"], datetime.now(UTC) - timedelta(days=5), "d" * 64)
    await platform.deliver(received, correlation_id="late-ref-1")
    waiting = (await platform.interventions.get(f"/v1/enrolments/{enrolment_id}", headers=platform.provider)).json()
    assert (waiting["status"], waiting["started_at"]) == ("awaiting_acceptance", None)
    assert [r for r in await platform.outbox("interventions") if r.event_type == EnrolmentStarted.event_type] == []

    # ...then the provider's acceptance.
    await platform.deliver(_accepted(referral_id, programme["id"]), correlation_id="late-ref-2")

    started = (await platform.interventions.get(f"/v1/enrolments/{enrolment_id}", headers=platform.provider)).json()
    assert started["status"] == "active"
    assert started["started_at"] is not None
    assert started["start_date"] == start.isoformat()
    started_rows = [r for r in await platform.outbox("interventions") if r.event_type == EnrolmentStarted.event_type]
    assert len(started_rows) == 1
    envelope = Envelope.model_validate_json(started_rows[0].envelope)
    assert envelope.data["enrolment_id"] == enrolment_id
    assert envelope.data["referral_id"] == str(referral_id)
    assert envelope.data["subject_pseudonym"] == "d" * 64
    assert envelope.data["start_date"] == start.isoformat()
    assert envelope.correlationid == "late-ref-2"  # the id follows the acceptance into the start it caused
    # The outcomes service heard of the start: an outcome of it is recorded against a known enrolment.
    outcome = await _ete(platform, enrolment_id, "exit", _today(), "education")
    assert outcome.status_code == 201, outcome.text
    assert outcome.json()["enrolment_known"] is True
    assert platform.transport.dead_letters == []


async def test_an_early_enrolment_the_late_referral_rules_out_is_rejected_and_can_be_posted_again(start_platform):
    platform = await start_platform("interventions")
    programme = await _programme(platform)
    referral_id = uuid.uuid4()
    too_early = _today() - timedelta(days=10)
    posted = await _enrol(platform, str(referral_id), programme["id"], too_early)
    assert posted.status_code == 202, posted.text

    await platform.deliver(_received(referral_id, programme["id"], datetime.now(UTC) - timedelta(days=5), "e" * 64),
                           _accepted(referral_id, programme["id"]), correlation_id="late-ref-3")

    rejected = (await platform.interventions.get(f"/v1/enrolments/{posted.json()['id']}",
                                                 headers=platform.provider)).json()
    assert rejected["status"] == "rejected"
    assert rejected["rejection_reason"] == "start_date is before the referral was made"
    assert [r.event_type for r in await platform.outbox("interventions")] == ["interventions.programme.created.v1"]
    corrected = await _enrol(platform, str(referral_id), programme["id"], _today())
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["status"] == "active"
    assert corrected.json()["id"] != posted.json()["id"]

"""The three services in process, on SQLite, sharing one in-process bus: what a caller sees over HTTP.

Every call carries an access token from a test issuer the services trust, for the role the call
needs: the administrator sets programmes up, the referrer refers, the provider running the
programme decides, enrols and records outcomes, the VRU reads metrics. Callers of other
organisations see nothing of it."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import select

from vru_interventions.bootstrap import SPEC as INTERVENTIONS
from vru_outcomes.bootstrap import SPEC as OUTCOMES
from vru_referrals.bootstrap import SPEC as REFERRALS
from vru_referrals.domain.subjects import age_band
from vru_referrals.domain.uk_calendar import uk_date
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.memory import InProcessTransport
from vru_shared.contracts.identity import OrganisationRegistered
from vru_shared.contracts.interventions import EnrolmentStarted
from vru_shared.contracts.referrals import ReferralAccepted, ReferralReceived
from vru_shared.events import Envelope
from vru_shared.service import create_app
from vru_shared.settings import SERVICES, ConfigurationError, Mode, Settings

from tests.support.tokens import TestIssuer
from tests.unit.referrals.referrals_support import referral_body

PROBLEM = "application/problem+json"
NHS_NUMBERS = ["9434765919", "9990000018", "9990000026", "9990000034"]
SPECS = {"referrals": REFERRALS, "interventions": INTERVENTIONS, "outcomes": OUTCOMES}
ETE = "/v1/metrics/ete.in_ete_at_latest"

# The organisations the identity service has registered; the provider runs every programme made here.
REFERRER_ORG = uuid.UUID("00000000-0000-4000-8000-0000000f0a01")
OTHER_REFERRER_ORG = uuid.UUID("00000000-0000-4000-8000-0000000f0a02")
PROVIDER_ORG = uuid.UUID("00000000-0000-4000-8000-0000000f0b01")
OTHER_PROVIDER_ORG = uuid.UUID("00000000-0000-4000-8000-0000000f0b02")
VRU_ORG = uuid.UUID("00000000-0000-4000-8000-0000000f0c01")
ADMIN_ORG = uuid.UUID("00000000-0000-4000-8000-0000000f0d01")
ORGANISATIONS = [
    (REFERRER_ORG, "Example Custody Suite", "referrer"),
    (OTHER_REFERRER_ORG, "Example Emergency Department", "referrer"),
    (PROVIDER_ORG, "Youth Trust", "provider"),
    (OTHER_PROVIDER_ORG, "Second Chance Trust", "provider"),
    (VRU_ORG, "Example Violence Reduction Unit", "vru"),
    (ADMIN_ORG, "Platform administrators", "administrator"),
]


def _today() -> date:
    return datetime.now(UTC).date()


@pytest.fixture(autouse=True)
def _no_vru_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("VRU_"):
            monkeypatch.delenv(name)


@dataclass
class Platform:
    transport: InProcessTransport
    apps: dict[str, FastAPI]
    issuer: TestIssuer
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    @property
    def referrals(self) -> httpx.AsyncClient:
        return self.clients["referrals"]

    @property
    def interventions(self) -> httpx.AsyncClient:
        return self.clients["interventions"]

    @property
    def outcomes(self) -> httpx.AsyncClient:
        return self.clients["outcomes"]

    def headers(self, role: str, organisation_id: uuid.UUID) -> dict[str, str]:
        return self.issuer.headers(role, organisation_id)

    @property
    def referrer(self) -> dict[str, str]:
        return self.headers("referrer", REFERRER_ORG)

    @property
    def provider(self) -> dict[str, str]:
        return self.headers("provider", PROVIDER_ORG)

    @property
    def admin(self) -> dict[str, str]:
        return self.headers("administrator", ADMIN_ORG)

    @property
    def vru(self) -> dict[str, str]:
        return self.headers("vru", VRU_ORG)

    async def outbox(self, service: str) -> list:
        runtime = self.apps[service].state.runtime
        table = runtime.spec.messaging.outbox
        async with runtime.sessions() as session:
            return (await session.execute(select(table).order_by(table.c.position))).all()

    async def deliver(self, *events: ReferralReceived | ReferralAccepted, correlation_id: str) -> None:
        """Put events on the bus as the referrals service would have published them, and settle."""
        await self.transport.publish(
            [Envelope.wrap(e, source="/vru/referrals", correlation_id=correlation_id) for e in events]
        )
        await self.settle()

    async def register_organisations(self) -> None:
        """The identity service's registrations, which a programme's provider must be among."""
        await self.transport.publish([
            Envelope.wrap(OrganisationRegistered(organisation_id=organisation_id, name=name, role=role),
                          source="/vru/identity", correlation_id="registrations")
            for organisation_id, name, role in ORGANISATIONS
        ])
        await self.settle()

    async def settle(self) -> None:
        """Publish and deliver until nothing is left: every outbox row published before the last
        full round of deliveries, and no handler adding another row in that round."""
        previous = None
        for _ in range(100):
            await self.transport.drain()
            for app in self.apps.values():
                await app.state.runtime.relay.publish_pending()
            await self.transport.drain()
            rows = [row for service in self.apps for row in await self.outbox(service)]
            state = (len(rows), sum(row.published_at is None for row in rows))
            if state[1] == 0 and state == previous:
                return
            previous = state
        raise AssertionError("the platform did not settle")


StartPlatform = Callable[..., Awaitable[Platform]]


@pytest.fixture
async def start_platform(tmp_path) -> AsyncIterator[StartPlatform]:
    async with AsyncExitStack() as stack:

        async def start(*services: str) -> Platform:
            transport = InProcessTransport(DeliveryPolicy(max_attempts=3, retry_delay_ms=20))
            await transport.start()
            stack.push_async_callback(transport.close)
            settings = Settings(data_dir=tmp_path, relay_poll_interval_s=0.05)
            platform = Platform(transport, {}, TestIssuer())
            for name in services or tuple(SPECS):
                app = create_app(SPECS[name], settings, transport)
                app.state.token_verifier = platform.issuer.verifier()
                # One after another: the services of one process migrate in turn.
                await stack.enter_async_context(app.router.lifespan_context(app))
                client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
                await stack.enter_async_context(client)
                platform.apps[name] = app
                platform.clients[name] = client
            await platform.register_organisations()
            return platform

        yield start


@pytest.fixture
async def platform(start_platform) -> Platform:
    return await start_platform()


def _date_of_birth(age: int = 16) -> str:
    """A birthday `age` years ago at least, whatever today is: the programmes below take 10 to 24."""
    return date(_today().year - age - 1, 1, 1).isoformat()


def _referral(programme_id: str, nhs_number: str = NHS_NUMBERS[0], source: str = "custody", *,
              referred_at: datetime | None = None, **overrides: Any) -> dict[str, Any]:
    body = referral_body(uuid.UUID(programme_id), source,
                         referred_at=referred_at or datetime.now(UTC) - timedelta(days=40),
                         identifiers=[{"type": "nhs_number", "value": nhs_number}], **overrides)
    body["young_person"]["date_of_birth"] = _date_of_birth()
    return body


def _programme_body(name: str = "Mentoring after custody", **overrides: Any) -> dict[str, Any]:
    return {
        "name": name, "provider_organisation_id": str(PROVIDER_ORG), "tier": "tertiary",
        "accepted_sources": ["custody", "emergency_department", "school"], "min_age": 10, "max_age": 24,
        "active_from": (_today() - timedelta(days=400)).isoformat(), **overrides,
    }


async def _programme(platform: Platform, name: str = "Mentoring after custody") -> dict:
    """A programme the administrator created in the interventions service, run by PROVIDER_ORG;
    settle before referring to it."""
    answer = await platform.interventions.post("/v1/programmes", json=_programme_body(name), headers=platform.admin)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _refer(platform: Platform, programme: dict, nhs_number: str = NHS_NUMBERS[0],
                 source: str = "custody", **overrides: Any) -> dict:
    answer = await platform.referrals.post("/v1/referrals", json=_referral(programme["id"], nhs_number, source,
                                                                            **overrides), headers=platform.referrer)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _accept(platform: Platform, referral: dict) -> None:
    answer = await platform.referrals.post(f"/v1/referrals/{referral['id']}/accept", headers=platform.provider)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "accepted"


async def _enrol(platform: Platform, referral_id: str, programme_id: str, start: date,
                 headers: dict[str, str] | None = None) -> httpx.Response:
    """Enrol as the programme's provider, or as the caller whose `headers` are given."""
    return await platform.interventions.post("/v1/enrolments", headers=headers or platform.provider, json={
        "referral_id": referral_id, "programme_id": programme_id, "start_date": start.isoformat()})


async def _ete(platform: Platform, enrolment_id: str, point: str, observed_on: date, status: str,
               headers: dict[str, str] | None = None) -> httpx.Response:
    """Record an ETE outcome as the programme's provider, or as the caller whose `headers` are given."""
    return await platform.outcomes.post("/v1/outcomes", headers=headers or platform.provider, json={
        "enrolment_id": enrolment_id, "domain": "ete", "point": point, "observed_on": observed_on.isoformat(),
        "status": status})


async def _metric_answer(platform: Platform, start: date, audience: str, headers: dict[str, str]) -> httpx.Response:
    return await platform.outcomes.get(ETE, headers=headers, params={
        "audience": audience, "from": f"{start:%Y-%m}", "to": f"{_today():%Y-%m}", "group_by": "programme"})


async def _metric(platform: Platform, start: date, audience: str = "internal",
                  headers: dict[str, str] | None = None) -> dict:
    """The ETE metric by programme over the months from `start` to this one, as the provider sees it
    unless other `headers` are given."""
    answer = await _metric_answer(platform, start, audience, headers or platform.provider)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _pointers(answer: httpx.Response) -> list[str]:
    return [e["pointer"] for e in answer.json().get("errors", [])]


def _assert_problem(answer: httpx.Response, status: int) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    body = answer.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    return body


def _received(referral_id: uuid.UUID, programme_id: str, referred_at: datetime, pseudonym: str) -> ReferralReceived:
    return ReferralReceived(
        referral_id=referral_id, programme_id=uuid.UUID(programme_id), source="school",
        subject_pseudonym=pseudonym, pseudonym_key_version=1, age_band="15-17", sex="female", ethnicity=None,
        ethnicity_group="not_stated", postcode_district=None, referred_at=referred_at,
        index_event_at=referred_at - timedelta(hours=2), received_at=referred_at, risk_factors=[],
        lawful_basis="public_task",
    )


def _accepted(referral_id: uuid.UUID, programme_id: str) -> ReferralAccepted:
    return ReferralAccepted(referral_id=referral_id, programme_id=uuid.UUID(programme_id),
                            decided_at=datetime.now(UTC) - timedelta(days=4))


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


async def _active_enrolment(platform: Platform, start: date, name: str = "Mentoring after custody") -> dict:
    """A referral made and accepted in the referrals service, then enrolled: active and settled."""
    programme = await _programme(platform, name)
    await platform.settle()
    referral = await _refer(platform, programme)
    await _accept(platform, referral)
    await platform.settle()
    answer = await _enrol(platform, referral["id"], programme["id"], start)
    assert answer.status_code == 201, answer.text  # the accepted referral is known here by now
    assert answer.json()["status"] == "active"
    await platform.settle()
    return answer.json()


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


# --- settings ----------------------------------------------------------------------------------

STRONG_KEY = "s" * 32
FULL = dict(
    mode="full",
    amqp_url="amqp://guest:guest@127.0.0.1:5672/",
    pseudonym_key=STRONG_KEY,
    referrals_database_url="postgresql+asyncpg://vru@127.0.0.1/vru_referrals",
    interventions_database_url="postgresql+asyncpg://vru@127.0.0.1/vru_interventions",
    outcomes_database_url="postgresql+asyncpg://vru@127.0.0.1/vru_outcomes",
    identity_database_url="postgresql+asyncpg://vru@127.0.0.1/vru_identity",
    identity_url="http://127.0.0.1:8004",
)


def _full(**changes) -> dict:
    settings = {**FULL, **changes}
    return {k: v for k, v in settings.items() if v is not None}


def test_full_settings_with_every_part_are_accepted(tmp_path):
    settings = Settings(**_full(), data_dir=tmp_path)
    assert settings.mode is Mode.FULL
    assert settings.database_url("referrals") == FULL["referrals_database_url"]
    assert settings.broker_url() == FULL["amqp_url"]
    assert settings.pseudonym_secret() == STRONG_KEY.encode()


@pytest.mark.parametrize("mode", ["full", "embedded"])
def test_a_pseudonym_key_shorter_than_32_characters_is_refused(mode, tmp_path):
    with pytest.raises(ValidationError, match="PSEUDONYM_KEY"):
        Settings(**_full(mode=mode, pseudonym_key="s" * 31), data_dir=tmp_path)


def test_a_short_pseudonym_key_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("VRU_MODE", "full")
    monkeypatch.setenv("VRU_PSEUDONYM_KEY", "too-short")
    with pytest.raises(ValidationError):
        Settings()


def test_full_mode_without_a_broker_url_fails_closed(tmp_path):
    settings = Settings(**_full(amqp_url=None), data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="VRU_AMQP_URL"):
        settings.broker_url()
    # A service asked to start on it refuses rather than run without a broker.
    with pytest.raises(ConfigurationError, match="VRU_AMQP_URL"):
        create_app(INTERVENTIONS, settings)


def test_full_mode_without_a_pseudonym_key_fails_closed(tmp_path):
    settings = Settings(**_full(pseudonym_key=None), data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="VRU_PSEUDONYM_KEY"):
        settings.pseudonym_secret()
    with pytest.raises(ConfigurationError, match="VRU_PSEUDONYM_KEY"):
        create_app(REFERRALS, settings, InProcessTransport())
    assert not (tmp_path / "pseudonym.key").exists()


@pytest.mark.parametrize("service", SERVICES)
def test_full_mode_without_a_database_url_fails_closed(service, tmp_path):
    settings = Settings(**_full(**{f"{service}_database_url": None}), data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match=f"VRU_{service.upper()}_DATABASE_URL"):
        settings.database_url(service)
    assert list(tmp_path.iterdir()) == []  # and no SQLite file appears in its place


def test_full_mode_reads_its_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VRU_MODE", "full")
    monkeypatch.setenv("VRU_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.mode is Mode.FULL
    with pytest.raises(ConfigurationError):
        settings.database_url("outcomes")


def test_embedded_mode_keeps_sqlite_files_and_one_generated_key_in_the_data_folder(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.database_url("outcomes") == f"sqlite+aiosqlite:///{(tmp_path / 'data' / 'outcomes.db').resolve()}"
    key = settings.pseudonym_secret()
    assert len(key) >= 32
    assert Settings(data_dir=tmp_path / "data").pseudonym_secret() == key
    assert (tmp_path / "data" / "pseudonym.key").stat().st_mode & 0o077 == 0

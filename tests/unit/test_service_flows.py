"""The three services in process, on SQLite, sharing one in-process bus: what a caller sees over HTTP."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import func, select

from vru_interventions.bootstrap import SPEC as INTERVENTIONS
from vru_outcomes.bootstrap import SPEC as OUTCOMES
from vru_referrals.bootstrap import SPEC as REFERRALS
from vru_referrals.domain.subjects import age_band
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.memory import InProcessTransport
from vru_shared.contracts.interventions import EnrolmentStarted
from vru_shared.contracts.referrals import ReferralReceived
from vru_shared.events import Envelope
from vru_shared.service import create_app
from vru_shared.settings import ConfigurationError, Mode, Settings

PROBLEM = "application/problem+json"
NHS_NUMBERS = ["9434765919", "9990000018", "9990000026", "9990000034"]
SPECS = {"referrals": REFERRALS, "interventions": INTERVENTIONS, "outcomes": OUTCOMES}


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

    async def outbox(self, service: str) -> list:
        runtime = self.apps[service].state.runtime
        table = runtime.spec.messaging.outbox
        async with runtime.sessions() as session:
            return (await session.execute(select(table).order_by(table.c.position))).all()

    async def count(self, service: str, table) -> int:
        runtime = self.apps[service].state.runtime
        async with runtime.sessions() as session:
            return (await session.execute(select(func.count()).select_from(table))).scalar_one()

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
            platform = Platform(transport, {})
            for name in services or tuple(SPECS):
                app = create_app(SPECS[name], settings, transport)
                # One after another: the services of one process migrate in turn.
                await stack.enter_async_context(app.router.lifespan_context(app))
                client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
                await stack.enter_async_context(client)
                platform.apps[name] = app
                platform.clients[name] = client
            return platform

        yield start


@pytest.fixture
async def platform(start_platform) -> Platform:
    return await start_platform()


def _referral_body(programme_id: str, nhs_number: str = NHS_NUMBERS[0], *, source: str = "custody",
                   referred_at: datetime | None = None, **overrides) -> dict:
    referred_at = referred_at or datetime.now(UTC) - timedelta(days=40)
    body = {
        "programme_id": programme_id,
        "source": source,
        "referred_at": referred_at.isoformat(),
        "subject": {"date_of_birth": "2009-05-01", "identifier": {"type": "nhs_number", "value": nhs_number}},
        "consent": {"given": True, "recorded_by": "Custody liaison officer",
                    "recorded_at": (referred_at + timedelta(minutes=5)).isoformat()},
    }
    body.update(overrides)
    return body


async def _programme(platform: Platform, name: str = "Mentoring after custody") -> dict:
    answer = await platform.interventions.post("/v1/programmes", json={"name": name, "provider": "Youth Trust"})
    assert answer.status_code == 201, answer.text
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


# --- the whole flow ----------------------------------------------------------------------------


async def test_a_referral_enrolled_at_once_becomes_active_and_its_outcomes_make_the_ete_metric(platform):
    programme = await _programme(platform)
    start = _today() - timedelta(days=30)

    enrolments: list[dict] = []
    for number, source in zip(NHS_NUMBERS, ["custody", "emergency_department", "school", "custody"], strict=True):
        referral = await platform.referrals.post("/v1/referrals", json=_referral_body(programme["id"], number,
                                                                                       source=source))
        assert referral.status_code == 201, referral.text
        assert referral.headers["location"] == f"/v1/referrals/{referral.json()['id']}"
        # Straight away: the referral's event may or may not have reached the interventions service.
        enrolment = await platform.interventions.post(
            "/v1/enrolments",
            json={"referral_id": referral.json()["id"], "programme_id": programme["id"],
                  "start_date": start.isoformat()},
        )
        assert enrolment.status_code in (201, 202), enrolment.text
        expected = "active" if enrolment.status_code == 201 else "awaiting_referral"
        assert enrolment.json()["status"] == expected
        enrolments.append(enrolment.json())

    await platform.settle()

    for enrolment in enrolments:
        now_active = (await platform.interventions.get(f"/v1/enrolments/{enrolment['id']}")).json()
        assert now_active["status"] == "active"
        assert now_active["started_at"] is not None
        referral = (await platform.referrals.get(f"/v1/referrals/{enrolment['referral_id']}")).json()
        assert referral["status"] == "enrolled"
        assert referral["enrolment_id"] == enrolment["id"]
    assert platform.transport.dead_letters == []

    a, b, _c, d = (e["id"] for e in enrolments)
    records = [
        (a, "baseline", start - timedelta(days=5), "neet"),
        (a, "exit", start + timedelta(days=10), "education"),       # latest in ETE
        (b, "baseline", start - timedelta(days=31), "education"),
        (b, "exit", start + timedelta(days=10), "neet"),            # latest NEET
        (d, "exit", start + timedelta(days=3), "employment"),       # latest in ETE
        # c has no ETE record: in the cohort, not in the denominator.
    ]
    for enrolment_id, point, observed_on, status in records:
        answer = await platform.outcomes.post("/v1/outcomes", json={
            "enrolment_id": enrolment_id, "domain": "ete", "point": point,
            "observed_on": observed_on.isoformat(), "status": status,
        })
        assert answer.status_code == 201, answer.text
        assert answer.json()["enrolment_known"] is True
    stranger = await platform.outcomes.post("/v1/outcomes", json={
        "enrolment_id": str(uuid.uuid4()), "domain": "ete", "point": "exit",
        "observed_on": start.isoformat(), "status": "training",
    })
    assert stranger.status_code == 202
    assert stranger.json()["enrolment_known"] is False

    metric = await platform.outcomes.get("/v1/metrics/ete-by-programme")
    assert metric.status_code == 200
    rows = metric.json()["rows"]
    assert len(rows) == 1
    row = rows[0]
    assert row["programme_id"] == programme["id"]
    assert row["programme_name"] == "Mentoring after custody"
    assert (row["cohort_size"], row["denominator"], row["numerator"]) == (4, 3, 2)
    assert row["rate"] == pytest.approx(2 / 3)
    assert (round(row["ci95_low"], 4), round(row["ci95_high"], 4)) == (0.2077, 0.9385)


async def test_the_latest_record_by_date_observed_decides_not_the_order_of_recording(platform):
    programme = await _programme(platform)
    start = _today() - timedelta(days=20)
    referral = (await platform.referrals.post("/v1/referrals", json=_referral_body(programme["id"]))).json()
    await platform.settle()
    enrolment = (await platform.interventions.post("/v1/enrolments", json={
        "referral_id": referral["id"], "programme_id": programme["id"], "start_date": start.isoformat()})).json()
    await platform.settle()
    # The later observation is recorded first; the earlier one, recorded afterwards, must not win.
    for observed_on, status in [(start + timedelta(days=9), "employment"), (start + timedelta(days=2), "neet")]:
        answer = await platform.outcomes.post("/v1/outcomes", json={
            "enrolment_id": enrolment["id"], "domain": "ete", "point": "exit",
            "observed_on": observed_on.isoformat(), "status": status})
        assert answer.status_code == 201
    row = (await platform.outcomes.get("/v1/metrics/ete-by-programme")).json()["rows"][0]
    assert (row["cohort_size"], row["denominator"], row["numerator"]) == (1, 1, 1)


async def test_a_programme_without_outcomes_shows_its_cohort_and_no_rate(platform):
    await _programme(platform, "Empty programme")
    await platform.settle()
    rows = (await platform.outcomes.get("/v1/metrics/ete-by-programme")).json()["rows"]
    assert [(r["programme_name"], r["cohort_size"], r["denominator"], r["numerator"], r["rate"], r["ci95_low"])
            for r in rows] == [("Empty programme", 0, 0, 0, None, None)]


async def test_an_enrolment_posted_before_its_referral_arrives_waits_then_starts(start_platform):
    platform = await start_platform("interventions", "outcomes")
    programme = await _programme(platform)
    await platform.settle()
    referral_id = uuid.uuid4()
    start = _today() - timedelta(days=3)

    posted = await platform.interventions.post("/v1/enrolments", json={
        "referral_id": str(referral_id), "programme_id": programme["id"], "start_date": start.isoformat()})
    assert posted.status_code == 202, posted.text
    assert posted.json()["status"] == "awaiting_referral"
    assert posted.json()["started_at"] is None
    enrolment_id = posted.json()["id"]
    await platform.settle()
    assert (await platform.interventions.get(f"/v1/enrolments/{enrolment_id}")).json()["status"] == \
        "awaiting_referral"

    # Now the referral's event arrives, as the referrals service would have published it.
    event = ReferralReceived(
        referral_id=referral_id, programme_id=uuid.UUID(programme["id"]), source="school",
        subject_pseudonym="d" * 64, pseudonym_key_version=1, age_band="10-14",
        referred_at=datetime.now(UTC) - timedelta(days=5), received_on=_today() - timedelta(days=5),
    )
    await platform.transport.publish([Envelope.wrap(event, source="/vru/referrals", correlation_id="late-ref-1")])
    await platform.settle()

    started = (await platform.interventions.get(f"/v1/enrolments/{enrolment_id}")).json()
    assert started["status"] == "active"
    assert started["started_at"] is not None
    started_rows = [r for r in await platform.outbox("interventions") if r.event_type == EnrolmentStarted.event_type]
    assert len(started_rows) == 1
    envelope = Envelope.model_validate_json(started_rows[0].envelope)
    assert envelope.data["enrolment_id"] == enrolment_id
    assert envelope.data["referral_source"] == "school"
    assert envelope.correlationid == "late-ref-1"  # the id follows the referral into the start it caused
    row = (await platform.outcomes.get("/v1/metrics/ete-by-programme")).json()["rows"][0]
    assert row["cohort_size"] == 1
    assert platform.transport.dead_letters == []


async def test_an_early_enrolment_the_late_referral_rules_out_is_rejected_and_can_be_posted_again(start_platform):
    platform = await start_platform("interventions")
    programme = await _programme(platform)
    referral_id = uuid.uuid4()
    too_early = _today() - timedelta(days=10)
    posted = await platform.interventions.post("/v1/enrolments", json={
        "referral_id": str(referral_id), "programme_id": programme["id"], "start_date": too_early.isoformat()})
    assert posted.status_code == 202, posted.text

    event = ReferralReceived(
        referral_id=referral_id, programme_id=uuid.UUID(programme["id"]), source="custody",
        subject_pseudonym="e" * 64, pseudonym_key_version=1, age_band="15-17",
        referred_at=datetime.now(UTC) - timedelta(days=5), received_on=_today() - timedelta(days=5),
    )
    await platform.transport.publish([Envelope.wrap(event, source="/vru/referrals", correlation_id="late-ref-2")])
    await platform.settle()

    rejected = (await platform.interventions.get(f"/v1/enrolments/{posted.json()['id']}")).json()
    assert rejected["status"] == "rejected"
    assert rejected["rejection_reason"] == "start_date is before the referral was made"
    corrected = await platform.interventions.post("/v1/enrolments", json={
        "referral_id": str(referral_id), "programme_id": programme["id"], "start_date": _today().isoformat()})
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["status"] == "active"


# --- errors ------------------------------------------------------------------------------------


async def test_bad_referral_input_is_a_422_problem_naming_the_field_and_stores_nothing(platform):
    programme_id = str(uuid.uuid4())
    cases = [
        (_referral_body(programme_id, source="police"), "/body/source"),
        (_referral_body(programme_id, "9434765918"), "/body/subject/identifier/value"),
        ({**_referral_body(programme_id), "referred_at": "2026-01-01T10:00:00"}, "/body/referred_at"),
        ({**_referral_body(programme_id), "name": "Jo Bloggs"}, "/body/name"),
        ({**_referral_body(programme_id), "programme_id": "not-a-uuid"}, "/body/programme_id"),
    ]
    no_dob = _referral_body(programme_id)
    del no_dob["subject"]["date_of_birth"]
    cases.append((no_dob, "/body/subject/date_of_birth"))

    for body, pointer in cases:
        answer = await platform.referrals.post("/v1/referrals", json=body)
        problem = _assert_problem(answer, 422)
        assert pointer in _pointers(answer), (pointer, problem)
        assert problem["instance"] == "/v1/referrals"

    assert (await platform.referrals.get("/v1/referrals")).json()["items"] == []
    assert await platform.outbox("referrals") == []


async def test_a_referral_the_domain_refuses_is_a_422_problem_and_stores_nothing(platform):
    programme_id = str(uuid.uuid4())
    future = datetime.now(UTC) + timedelta(days=1)
    no_consent = _referral_body(programme_id)
    no_consent["consent"]["given"] = False
    for body, reason in [
        (no_consent, "consent"),
        (_referral_body(programme_id, referred_at=future), "future"),
        ({**_referral_body(programme_id), "subject": {"date_of_birth": _today().isoformat(),
                                                     "identifier": {"type": "local", "value": "X1"}}},
         "date_of_birth"),
    ]:
        answer = await platform.referrals.post("/v1/referrals", json=body)
        problem = _assert_problem(answer, 422)
        assert reason in problem["detail"]
    assert (await platform.referrals.get("/v1/referrals")).json()["items"] == []
    assert await platform.outbox("referrals") == []


async def test_bad_programme_enrolment_and_outcome_input_is_a_422_problem_and_stores_nothing(platform):
    answer = await platform.interventions.post("/v1/programmes", json={"name": "", "provider": "Trust"})
    _assert_problem(answer, 422)
    assert "/body/name" in _pointers(answer)
    assert (await platform.interventions.get("/v1/programmes")).json()["items"] == []

    enrolment = {"referral_id": str(uuid.uuid4()), "programme_id": str(uuid.uuid4()), "start_date": "yesterday"}
    answer = await platform.interventions.post("/v1/enrolments", json=enrolment)
    _assert_problem(answer, 422)
    assert "/body/start_date" in _pointers(answer)

    enrolment["start_date"] = _today().isoformat()
    answer = await platform.interventions.post("/v1/enrolments", json=enrolment)  # no such programme
    assert _assert_problem(answer, 422)["type"].endswith("/unknown-programme")
    assert (await platform.interventions.get("/v1/enrolments")).json()["items"] == []

    outcome = {"enrolment_id": str(uuid.uuid4()), "domain": "ete", "point": "follow_up", "follow_up_months": 0,
               "observed_on": _today().isoformat(), "status": "education"}
    answer = await platform.outcomes.post("/v1/outcomes", json=outcome)
    _assert_problem(answer, 422)
    assert "/body/follow_up_months" in _pointers(answer)
    answer = await platform.outcomes.post("/v1/outcomes", json={**outcome, "domain": "health",
                                                                 "follow_up_months": 6})
    _assert_problem(answer, 422)
    assert "/body/domain" in _pointers(answer)
    answer = await platform.outcomes.post("/v1/outcomes", json={**outcome, "point": "exit", "follow_up_months": 6})
    assert _assert_problem(answer, 422)["type"].endswith("/invalid-outcome")
    assert (await platform.outcomes.get("/v1/outcomes")).json()["items"] == []

    await platform.settle()
    assert [r.event_type for r in await platform.outbox("interventions")] == []


async def test_a_list_limit_out_of_range_is_a_422_problem_naming_the_query_parameter(platform):
    answer = await platform.referrals.get("/v1/referrals", params={"limit": 201})
    _assert_problem(answer, 422)
    assert _pointers(answer) == ["/query/limit"]


async def test_unknown_ids_are_404_problems(platform):
    unknown = uuid.uuid4()
    for client, path in [
        (platform.referrals, f"/v1/referrals/{unknown}"),
        (platform.interventions, f"/v1/programmes/{unknown}"),
        (platform.interventions, f"/v1/enrolments/{unknown}"),
        (platform.outcomes, f"/v1/outcomes/{unknown}"),
    ]:
        problem = _assert_problem(await client.get(path), 404)
        assert str(unknown) in problem["detail"]
        assert problem["instance"] == path
    answer = await platform.interventions.post(f"/v1/enrolments/{unknown}/end",
                                               json={"end_date": _today().isoformat(), "exit_reason": "completed"})
    _assert_problem(answer, 404)


async def test_a_malformed_id_in_the_path_is_a_422_problem_naming_it(platform):
    answer = await platform.referrals.get("/v1/referrals/12345")
    _assert_problem(answer, 422)
    assert _pointers(answer) == ["/path/referral_id"]


async def _active_enrolment(platform: Platform, start: date) -> dict:
    programme = await _programme(platform)
    referral = (await platform.referrals.post("/v1/referrals", json=_referral_body(programme["id"]))).json()
    await platform.settle()
    answer = await platform.interventions.post("/v1/enrolments", json={
        "referral_id": referral["id"], "programme_id": programme["id"], "start_date": start.isoformat()})
    assert answer.status_code == 201, answer.text  # the referral is known here by now
    assert answer.json()["status"] == "active"
    return answer.json()


async def test_ending_an_enrolment_twice_is_a_409_problem(platform):
    start = _today() - timedelta(days=10)
    enrolment = await _active_enrolment(platform, start)
    path = f"/v1/enrolments/{enrolment['id']}/end"

    ended = await platform.interventions.post(path, json={"end_date": _today().isoformat(),
                                                          "exit_reason": "completed"})
    assert ended.status_code == 200, ended.text
    assert (ended.json()["status"], ended.json()["exit_reason"]) == ("ended", "completed")

    again = await platform.interventions.post(path, json={"end_date": _today().isoformat(),
                                                          "exit_reason": "disengaged"})
    assert _assert_problem(again, 409)["type"].endswith("/illegal-transition")
    assert (await platform.interventions.get(f"/v1/enrolments/{enrolment['id']}")).json()["exit_reason"] == \
        "completed"
    await platform.settle()
    assert platform.transport.dead_letters == []


async def test_ending_before_the_start_is_a_422_problem_and_leaves_the_enrolment_active(platform):
    start = _today() - timedelta(days=10)
    enrolment = await _active_enrolment(platform, start)
    answer = await platform.interventions.post(f"/v1/enrolments/{enrolment['id']}/end", json={
        "end_date": (start - timedelta(days=1)).isoformat(), "exit_reason": "completed"})
    _assert_problem(answer, 422)
    assert (await platform.interventions.get(f"/v1/enrolments/{enrolment['id']}")).json()["status"] == "active"


async def test_a_second_enrolment_for_one_referral_is_a_409_problem(platform):
    enrolment = await _active_enrolment(platform, _today() - timedelta(days=2))
    answer = await platform.interventions.post("/v1/enrolments", json={
        "referral_id": enrolment["referral_id"], "programme_id": enrolment["programme_id"],
        "start_date": _today().isoformat()})
    _assert_problem(answer, 409)
    assert len((await platform.interventions.get("/v1/enrolments")).json()["items"]) == 1


async def test_a_second_programme_with_one_name_is_a_409_problem(platform):
    await _programme(platform, "Same name")
    answer = await platform.interventions.post("/v1/programmes", json={"name": "Same name", "provider": "Other"})
    _assert_problem(answer, 409)
    assert len((await platform.interventions.get("/v1/programmes")).json()["items"]) == 1


# --- the outbox and the correlation id ---------------------------------------------------------


async def test_a_referral_and_its_outbox_row_are_written_together(platform):
    programme_id = str(uuid.uuid4())
    answer = await platform.referrals.post("/v1/referrals", json=_referral_body(programme_id),
                                           headers={"X-Correlation-ID": "req-outbox-1"})
    assert answer.status_code == 201
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
    # What leaves the service is pseudonymous: no identifier, no date of birth.
    assert NHS_NUMBERS[0] not in rows[0].envelope
    assert "2009-05-01" not in rows[0].envelope

    await platform.settle()
    (row,) = await platform.outbox("referrals")
    assert row.published_at is not None


async def test_the_same_person_referred_twice_gets_one_pseudonym_however_the_number_is_written(platform):
    programme_id = str(uuid.uuid4())
    first = (await platform.referrals.post("/v1/referrals", json=_referral_body(programme_id, "943 476 5919"))).json()
    second = (await platform.referrals.post("/v1/referrals", json=_referral_body(programme_id, "943-476-5919"))).json()
    assert first["subject"]["identifier"] == second["subject"]["identifier"] == "9434765919"
    assert first["subject"]["pseudonym"] == second["subject"]["pseudonym"]
    referred_on = datetime.fromisoformat(first["referred_at"]).date()
    assert first["subject"]["age_band"] == age_band(date(2009, 5, 1), referred_on)


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


@pytest.mark.parametrize("service", ["referrals", "interventions", "outcomes"])
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

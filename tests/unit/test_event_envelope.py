"""The event envelope (CloudEvents attributes, a round trip through JSON) and the contract registry."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import ClassVar

import pytest

from vru_shared.contracts.interventions import (
    ContactRecorded,
    EnrolmentEnded,
    EnrolmentStarted,
    ProgrammeCreated,
    ProgrammeUpdated,
)
from vru_shared.contracts.referrals import (
    ReferralAccepted,
    ReferralClosed,
    ReferralDeclined,
    ReferralEnrolled,
    ReferralReceived,
    ReferralWithdrawn,
)
from vru_shared.events import (
    Envelope,
    IntegrationEvent,
    UnknownEventType,
    contract,
    decode,
    registered_contracts,
)

from tests.unit.integration_event_builders import referral_received, wrap


def test_an_envelope_survives_a_round_trip_through_json_and_decodes_to_the_same_event():
    event = referral_received()
    envelope = wrap(event, "req-42")

    received = Envelope.model_validate_json(envelope.model_dump_json().encode())

    assert received == envelope
    decoded = decode(received)
    assert isinstance(decoded, ReferralReceived)
    assert decoded == event
    assert decoded.referred_at.tzinfo is not None


def test_an_envelope_carries_the_cloudevents_attributes_and_the_correlation_id():
    event = referral_received()
    body = json.loads(wrap(event, "req-42").model_dump_json())

    assert body["specversion"] == "1.0"
    assert body["datacontenttype"] == "application/json"
    assert body["correlationid"] == "req-42"
    assert body["type"] == "referrals.referral.received.v1"
    assert body["source"] == "/vru/tests"
    assert uuid.UUID(body["id"])
    assert datetime.fromisoformat(body["time"]).tzinfo is not None
    assert body["data"]["referral_id"] == str(event.referral_id)
    assert set(body) == {"specversion", "id", "source", "type", "time", "datacontenttype", "correlationid", "data"}


def test_each_wrapped_event_gets_its_own_id():
    event = referral_received()
    assert wrap(event).id != wrap(event).id


def test_an_envelope_of_another_cloudevents_version_is_not_read():
    body = json.loads(wrap(referral_received()).model_dump_json())
    body["specversion"] = "0.3"
    with pytest.raises(ValueError):
        Envelope.model_validate_json(json.dumps(body))


def test_decoding_an_unknown_event_type_raises_unknown_event_type():
    envelope = Envelope(source="/vru/tests", type="nobody.thing.happened.v1", correlationid="c", data={})
    with pytest.raises(UnknownEventType):
        decode(envelope)


def test_decoding_data_that_breaks_the_contract_raises():
    data = referral_received().model_dump(mode="json")
    data["date_of_birth"] = "2010-01-01"  # contracts forbid extra fields: nothing identifying slips through
    envelope = Envelope(source="/vru/tests", type=ReferralReceived.event_type, correlationid="c", data=data)
    with pytest.raises(ValueError):
        decode(envelope)


def test_the_published_contracts_are_registered_under_their_versioned_names():
    contracts = registered_contracts()
    assert contracts["referrals.referral.received.v1"] is ReferralReceived
    assert contracts["referrals.referral.accepted.v1"] is ReferralAccepted
    assert contracts["referrals.referral.declined.v1"] is ReferralDeclined
    assert contracts["referrals.referral.withdrawn.v1"] is ReferralWithdrawn
    assert contracts["referrals.referral.enrolled.v1"] is ReferralEnrolled
    assert contracts["referrals.referral.closed.v1"] is ReferralClosed
    assert contracts["interventions.programme.created.v1"] is ProgrammeCreated
    assert contracts["interventions.programme.updated.v1"] is ProgrammeUpdated
    assert contracts["interventions.enrolment.started.v1"] is EnrolmentStarted
    assert contracts["interventions.contact.recorded.v1"] is ContactRecorded
    assert contracts["interventions.enrolment.ended.v1"] is EnrolmentEnded


def test_two_contracts_may_not_claim_one_event_type():
    @contract
    class First(IntegrationEvent):
        event_type: ClassVar[str] = "tests.unit.claimed-once.v1"

    class Second(IntegrationEvent):
        event_type: ClassVar[str] = "tests.unit.claimed-once.v1"

    assert contract(First) is First  # registering the same class again is harmless
    with pytest.raises(ValueError, match="claimed twice"):
        contract(Second)
    assert registered_contracts()["tests.unit.claimed-once.v1"] is First

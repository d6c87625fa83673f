"""The identity domain on its own: scopes by role, secret checks in time, the keyring's hand-overs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from vru_identity.domain.clients import ApiClient
from vru_identity.domain.errors import IllegalTransition, InvalidInput
from vru_identity.domain.organisations import Organisation, OrganisationRole
from vru_identity.domain.scopes import InvalidScope, grant
from vru_identity.domain.signing_keys import KeyState, Keyring, SigningKey

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def key(kid: str, activated_at: datetime) -> SigningKey:
    return SigningKey(kid=kid, algorithm="EdDSA", private_key_encrypted=b"sealed", public_jwk={"kid": kid},
                      created_at=activated_at, activated_at=activated_at)


def client(secret_hash: str = "a" * 64) -> ApiClient:
    return ApiClient.issue(client_id="vru_" + "0" * 24, organisation_id=uuid.uuid4(), name="Case system",
                           secret_hash=secret_hash, now=T0)


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (OrganisationRole.REFERRER, "referrals:read referrals:write programmes:read"),
        (OrganisationRole.PROVIDER, "referrals:read referrals:decide programmes:read enrolments:read "
                                    "enrolments:write outcomes:read outcomes:write metrics:read"),
        (OrganisationRole.VRU, "metrics:read programmes:read"),
        (OrganisationRole.ADMINISTRATOR, "admin programmes:read programmes:write audit:read metrics:read subjects:erase"),
    ],
)
def test_each_role_is_granted_its_agreed_scopes_when_none_are_asked_for(role, scope):
    assert " ".join(grant(role, None)) == scope


def test_asking_for_a_scope_twice_grants_it_once():
    assert grant(OrganisationRole.VRU, "metrics:read metrics:read") == ("metrics:read",)


def test_a_vru_cannot_ask_for_a_providers_scope():
    with pytest.raises(InvalidScope, match="enrolments:write"):
        grant(OrganisationRole.VRU, "metrics:read enrolments:write")


def test_the_previous_secret_is_accepted_up_to_but_not_at_the_end_of_its_grace():
    api_client = client("a" * 64)
    api_client.rotate_secret("b" * 64, T0, timedelta(hours=1))

    assert api_client.accepts("a" * 64, T0 + timedelta(minutes=59, seconds=59))
    assert not api_client.accepts("a" * 64, T0 + timedelta(hours=1))
    assert api_client.accepts("b" * 64, T0 + timedelta(days=400))
    assert not api_client.accepts("c" * 64, T0)


def test_a_revoked_client_accepts_no_secret_and_refuses_a_rotation():
    api_client = client("a" * 64)
    api_client.revoke(T0)

    assert not api_client.accepts("a" * 64, T0)
    with pytest.raises(IllegalTransition):
        api_client.rotate_secret("b" * 64, T0)


def test_a_negative_grace_is_refused():
    with pytest.raises(InvalidInput):
        client().rotate_secret("b" * 64, T0, timedelta(seconds=-1))


def test_an_organisation_records_its_registration_and_deactivation_once():
    organisation = Organisation.register(organisation_id=uuid.uuid4(), name="Example VRU",
                                         role=OrganisationRole.VRU, now=T0)
    organisation.deactivate(T0 + timedelta(days=1))

    with pytest.raises(IllegalTransition):
        organisation.deactivate(T0 + timedelta(days=2))
    assert [e.event_type for e in organisation.events] == [
        "identity.organisation.registered.v1", "identity.organisation.deactivated.v1"
    ]


def test_the_keyring_hands_signing_over_when_the_new_key_activates():
    old = key("old", T0)
    keyring = Keyring([old])

    keyring.rotate_to(key("new", T0 + timedelta(seconds=60)))

    assert keyring.signing_key(T0 + timedelta(seconds=59)).kid == "old"
    assert keyring.signing_key(T0 + timedelta(seconds=60)).kid == "new"
    assert old.retired_at == T0 + timedelta(seconds=60)
    assert [k.state(T0 + timedelta(seconds=1)) for k in keyring.keys] == [KeyState.ACTIVE, KeyState.PENDING]


def test_a_retired_key_is_published_until_ttl_and_five_minutes_have_passed():
    old = key("old", T0)
    Keyring([old]).rotate_to(key("new", T0))
    ttl = timedelta(minutes=5)

    assert old.is_published(T0 + timedelta(minutes=9, seconds=59), ttl)
    assert not old.is_published(T0 + timedelta(minutes=10), ttl)

"""Client secrets: shown once, kept only as a keyed hash, rotated with a grace period, never logged."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import text
from structlog.testing import capture_logs


async def _rotate(identity, client_id: str, **body) -> dict:
    answer = await identity.http.post(f"/v1/clients/{client_id}/rotate-secret", json=body or None)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_after_a_rotation_the_old_secret_works_until_its_grace_period_ends(identity):
    client_id, old = await identity.provider_client()
    rotated_at = identity.clock.now

    rotated = await _rotate(identity, client_id, grace_hours=2)
    new = rotated["client_secret"]

    assert new != old
    assert datetime.fromisoformat(rotated["previous_secret_expires_at"]) == rotated_at + timedelta(hours=2)
    identity.clock.advance(hours=1, minutes=59, seconds=59)
    assert (await identity.token(client_id, old)).status_code == 200
    assert (await identity.token(client_id, new)).status_code == 200
    identity.clock.advance(seconds=1)
    assert (await identity.token(client_id, old)).json()["error"] == "invalid_client"
    assert (await identity.token(client_id, new)).status_code == 200


async def test_without_a_grace_period_given_the_old_secret_works_for_24_hours(identity):
    client_id, old = await identity.provider_client()

    answer = await identity.http.post(f"/v1/clients/{client_id}/rotate-secret")

    assert answer.status_code == 200
    identity.clock.advance(hours=23, minutes=59)
    assert (await identity.token(client_id, old)).status_code == 200
    identity.clock.advance(minutes=1)
    assert (await identity.token(client_id, old)).status_code == 401


async def test_a_rotation_with_no_grace_stops_the_old_secret_at_once(identity):
    client_id, old = await identity.provider_client()

    new = (await _rotate(identity, client_id, grace_hours=0))["client_secret"]

    assert (await identity.token(client_id, old)).status_code == 401
    assert (await identity.token(client_id, new)).status_code == 200


async def test_a_second_rotation_ends_the_grace_of_the_first_secret(identity):
    # Only one earlier secret is kept: the one the latest rotation replaced.
    client_id, first = await identity.provider_client()
    second = (await _rotate(identity, client_id))["client_secret"]

    third = (await _rotate(identity, client_id))["client_secret"]

    assert (await identity.token(client_id, first)).status_code == 401
    assert (await identity.token(client_id, second)).status_code == 200
    assert (await identity.token(client_id, third)).status_code == 200


async def test_a_revoked_client_cannot_rotate_and_cannot_be_revoked_twice(identity):
    client_id, _ = await identity.provider_client()
    await identity.http.post(f"/v1/clients/{client_id}/revoke")

    rotate = await identity.http.post(f"/v1/clients/{client_id}/rotate-secret")
    revoke = await identity.http.post(f"/v1/clients/{client_id}/revoke")

    assert rotate.status_code == 409
    assert revoke.status_code == 409
    assert rotate.headers["content-type"] == "application/problem+json"


async def test_revoking_during_a_grace_period_stops_both_secrets(identity):
    client_id, old = await identity.provider_client()
    new = (await _rotate(identity, client_id))["client_secret"]

    await identity.http.post(f"/v1/clients/{client_id}/revoke")

    assert (await identity.token(client_id, old)).status_code == 401
    assert (await identity.token(client_id, new)).status_code == 401


async def test_an_unknown_client_cannot_be_rotated_or_revoked(identity):
    assert (await identity.http.post("/v1/clients/vru_nobody/rotate-secret")).status_code == 404
    assert (await identity.http.post("/v1/clients/vru_nobody/revoke")).status_code == 404


async def test_a_grace_period_beyond_30_days_is_refused_with_a_pointer_to_it(identity):
    client_id, old = await identity.provider_client()

    answer = await identity.http.post(f"/v1/clients/{client_id}/rotate-secret", json={"grace_hours": 721})

    assert answer.status_code == 422
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/body/grace_hours"]
    assert (await identity.token(client_id, old)).status_code == 200


async def test_a_secret_is_stored_only_as_its_hmac_under_a_pepper_derived_from_the_key_encryption_secret(identity):
    client_id, secret = await identity.provider_client()

    async with identity.app.state.runtime.engine.connect() as connection:
        row = (await connection.execute(text("SELECT * FROM api_clients WHERE client_id = :c"), {"c": client_id})).one()

    assert all(secret not in str(value) for value in row)
    pepper = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"vru-identity/client-secret-pepper/v1"
    ).derive(identity.settings.key_encryption_secret())
    assert row.secret_hash == hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()
    assert row.secret_hash != hashlib.sha256(secret.encode()).hexdigest()


async def test_secrets_are_long_random_tokens_and_client_ids_are_public_names(identity):
    client_id, secret = await identity.provider_client()

    assert client_id.startswith("vru_") and len(client_id) == 28
    # token_urlsafe(32): 32 random bytes, 43 base64url characters.
    assert len(secret) == 43


async def test_listing_clients_never_shows_a_secret_or_its_hash(identity):
    organisation = await identity.organisation()
    client_id, secret = await identity.client(organisation["id"])
    rotated = await _rotate(identity, client_id)

    answer = await identity.http.get(f"/v1/organisations/{organisation['id']}/clients")

    [listed] = answer.json()["items"]
    assert set(listed) == {
        "client_id", "organisation_id", "name", "created_at", "secret_rotated_at", "previous_secret_expires_at",
        "revoked_at",
    }
    assert secret not in answer.text and rotated["client_secret"] not in answer.text
    assert "hash" not in answer.text


async def test_listing_the_clients_of_an_unknown_organisation_is_404(identity):
    answer = await identity.http.get("/v1/organisations/00000000-0000-4000-8000-000000000000/clients")

    assert answer.status_code == 404


async def test_no_secret_or_token_ever_reaches_the_logs(identity, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    with capture_logs() as structured:
        client_id, secret = await identity.provider_client()
        token = (await identity.token(client_id, secret)).json()["access_token"]
        await identity.token(client_id, "wrong-" + secret)
        # A secret pasted into the client id field is not logged either.
        await identity.token(secret, secret)
        rotated = (await _rotate(identity, client_id))["client_secret"]
        await identity.http.post("/v1/auth/token", data={"grant_type": "client_credentials"},
                                 auth=(client_id, rotated))

    logged = repr(structured) + caplog.text + "".join(capsys.readouterr())
    assert any(entry.get("event") == "token issued" for entry in structured)
    assert any(entry.get("error") == "invalid_client" for entry in structured)
    for leaked in (secret, rotated, token):
        assert leaked not in logged


async def test_answers_that_carry_a_secret_may_be_kept_by_no_cache(identity):
    organisation = await identity.organisation()
    created = await identity.http.post(f"/v1/organisations/{organisation['id']}/clients", json={"name": "Case system"})
    rotated = await identity.http.post(f"/v1/clients/{created.json()['client_id']}/rotate-secret", json={})
    assert created.headers["cache-control"] == "no-store"
    assert rotated.headers["cache-control"] == "no-store"

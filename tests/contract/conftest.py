"""The platform the contract test fuzzes: `vru up` as a real process, with one organisation of each role."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.contract.known_records import IDENTIFIERS
from tests.support import bodies
from tests.support.actors import Cast, embedded_administrator
from tests.support.processes import free_port_block, poll, start_platform


@pytest.fixture(scope="package")
def fuzzed_platform(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("contract")
    port = free_port_block()
    # Hundreds of requests a minute per client are the point here; the limits have tests of their own.
    env = {"VRU_RATE_LIMIT": "100000/minute", "VRU_RATE_LIMIT_ANONYMOUS": "100000/minute"}
    platform = start_platform(["up", "--port", str(port), "--data-dir", str(data_dir)], env,
                              data_dir / "platform.log", port)
    platform.data_dir = data_dir
    try:
        platform.cast = Cast.assemble(embedded_administrator(data_dir, platform.url))
        yield platform
    finally:
        code = platform.stop()
    assert code == 0, f"the platform did not stop cleanly:\n{platform.log()[-3000:]}"


@pytest.fixture(scope="package")
def active_enrolment(fuzzed_platform) -> dict:
    """A programme of the cast's provider with one active enrolment, from a custody referral."""
    cast = fuzzed_platform.cast
    with cast.administrator.client() as admin, cast.referrer.client() as referrer, cast.provider.client() as api:
        programme = poll(lambda: admin.post("/v1/programmes", json=bodies.programme(
            provider_organisation_id=cast.provider.organisation_id)), lambda a: a.status_code != 422).json()
        referral = poll(lambda: referrer.post("/v1/referrals", json=bodies.referral(
            programme["id"], "custody", IDENTIFIERS["custody"])), lambda a: a.status_code != 422).json()
        assert api.post(f"/v1/referrals/{referral['id']}/accept").status_code == 200
        enrolment = api.post("/v1/enrolments", json={"referral_id": referral["id"], "programme_id": programme["id"],
                                                     "start_date": (date.today() - timedelta(days=10)).isoformat()})
        assert enrolment.status_code in (201, 202), enrolment.text
        poll(lambda: api.get(f"/v1/enrolments/{enrolment.json()['id']}").json(), lambda e: e["status"] == "active")
    return {"programme": programme, "referral": referral, "enrolment": enrolment.json()}

"""The demo loader waiting for the platform: it retries what has not yet reached a service and what the
rate limit holds back, and stops with a clear error when waiting will not help."""

from __future__ import annotations

import httpx
import pytest

from vru_deploy.demo import DemoLoadError, Patience, load_demo

from tests.unit.demo_fake_platform import ADMIN, QUICK, FakePlatform, load_into


async def test_a_programme_whose_provider_is_not_yet_known_to_the_interventions_service_is_retried():
    platform = FakePlatform(unregistered_for=3)
    await load_into(platform, referrals=10)
    assert len(platform.programmes) == 5
    assert set(platform.unregistered.values()) == {3}


async def test_a_provider_that_never_reaches_the_interventions_service_stops_the_loader():
    patience = Patience(retry_delay_s=0.0, organisation_known_within_s=0.0)
    with pytest.raises(DemoLoadError, match=r"POST /v1/programmes answered 422.*unknown-organisation"):
        await load_into(FakePlatform(unregistered_for=1000), referrals=5, patience=patience)


async def test_a_referral_to_a_programme_not_yet_known_to_the_referrals_service_is_retried():
    platform = FakePlatform(unknown_for=3)
    summary = await load_into(platform, referrals=30)
    assert summary.referrals == len(platform.referrals) == 30
    assert all(n == 3 for n in platform.refusals.values())


async def test_a_programme_that_never_reaches_the_referrals_service_stops_the_loader():
    patience = Patience(retry_delay_s=0.0, programme_known_within_s=0.0)
    with pytest.raises(DemoLoadError, match=r"POST /v1/referrals answered 422.*unknown-programme"):
        await load_into(FakePlatform(unknown_for=1000), referrals=5, patience=patience)


async def test_over_the_gateways_rate_limit_the_loader_waits_as_told_and_carries_on():
    # Every retry spent on the first request: it gets through on the last.
    platform = FakePlatform(rate_limited=QUICK.rate_limited_retries)
    summary = await load_into(platform, referrals=20)
    assert platform.rate_limited == 0
    assert summary.referrals == len(platform.referrals) == 20


async def test_a_rate_limit_that_never_lifts_stops_the_loader():
    with pytest.raises(DemoLoadError, match=r"POST /v1/auth/token answered 429"):
        await load_into(FakePlatform(rate_limited=10_000), referrals=5)


async def test_an_enrolment_that_is_rejected_stops_the_loader_with_the_reason():
    with pytest.raises(DemoLoadError, match=r"did not start: the referral was withdrawn"):
        await load_into(FakePlatform(reject=True), referrals=20)


async def test_an_unexpected_status_stops_the_loader_with_a_clear_error():
    with pytest.raises(DemoLoadError, match=r"POST /v1/referrals answered 500, expected 201 \(acting as "
                                            r"[^)]+ \(referrer\)\)"):
        await load_into(FakePlatform(fail="/v1/referrals"))


async def test_a_platform_that_does_not_answer_stops_the_loader_saying_so():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(DemoLoadError, match=r"no answer from the platform at http://gateway.test.*is it running"):
        async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
            await load_demo("http://gateway.test", ADMIN, referrals=5, client=client, patience=QUICK)

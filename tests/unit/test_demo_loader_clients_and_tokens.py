"""The demo loader's clients and access tokens: a fresh client per acting organisation, revoked at the
end; tokens kept while they last and renewed before or when they expire."""

from __future__ import annotations

import httpx
import pytest

from vru_deploy.demo import ClientCredentials, DemoLoadError
from vru_deploy.demo.actors import Actor
from vru_deploy.demo.gateway import Gateway

from tests.unit.demo_fake_platform import ADMIN, QUICK, FakePlatform, load_into


async def test_each_acting_organisation_gets_a_fresh_client_revoked_at_the_end():
    platform = FakePlatform()
    await load_into(platform, referrals=20)
    await load_into(platform, referrals=20)
    clients = platform.demo_clients()
    # Five providers and seven referrers act; the VRU only reads, so it gets no client.
    assert len(clients) == 2 * 12
    assert all(c["revoked"] for c in clients)
    assert not platform.clients[ADMIN.client_id]["revoked"]
    vru = platform.named("Exampleshire Violence Reduction Unit")
    assert all(c["organisation_id"] != vru["id"] for c in clients)


async def test_the_clients_are_revoked_when_the_load_fails_too():
    platform = FakePlatform(fail="/v1/enrolments")
    with pytest.raises(DemoLoadError):
        await load_into(platform, referrals=20)
    assert len(platform.demo_clients()) == 12 and all(c["revoked"] for c in platform.demo_clients())


async def test_a_token_is_kept_while_it_lasts():
    platform = FakePlatform(token_lifetime=300)
    await load_into(platform, referrals=40)
    assert set(platform.issued.values()) == {1}
    assert len(platform.issued) == 13


async def test_a_token_is_renewed_once_four_fifths_of_its_life_have_passed():
    platform, now = FakePlatform(token_lifetime=100), [1000.0]
    async with httpx.AsyncClient(transport=httpx.MockTransport(platform)) as client:
        admin = Actor(Gateway(client, "http://gateway.test", QUICK), "the administrator", ADMIN,
                      clock=lambda: now[0])
        issued = []
        for moment in (1000.0, 1079.9, 1080.0, 1159.9, 1160.0):
            now[0] = moment
            await admin.call("GET", "/v1/organisations?limit=200&offset=0", (200,))
            issued.append(platform.issued[ADMIN.client_id])
    # 80 s of a 100 s token: renewed at 1080, and again 80 s after that.
    assert issued == [1, 1, 2, 2, 3]


async def test_a_token_refused_as_expired_is_renewed_and_the_request_sent_again():
    platform = FakePlatform(lasts_for=60)
    summary = await load_into(platform, referrals=60)
    assert summary.referrals == len(platform.referrals) == 60
    assert platform.issued[ADMIN.client_id] > 1
    # Requests that find the same token expired at once renew it once between them: a client's
    # token is renewed at most once in every 60 requests let in.
    assert max(platform.issued.values()) <= sum(platform.authorised.values()) // 60 + 1


async def test_credentials_the_platform_refuses_stop_the_loader_saying_where_they_come_from():
    wrong = ClientCredentials(ADMIN.client_id, "not-the-secret")
    with pytest.raises(DemoLoadError, match=r"no access token for the administrator.*invalid_client.*--credentials"):
        await load_into(FakePlatform(), credentials=wrong)

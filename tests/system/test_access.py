"""Who may see what, through the gateway and around it; and the trail it leaves."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.processes import poll
from tests.support.tokens import TestIssuer
from tests.system.test_platform_flow import create_programme, refer

pytestmark = pytest.mark.system


def test_each_organisation_sees_only_what_is_its_own_and_others_get_a_404(platform):
    cast = platform.cast
    programme = create_programme(cast)
    with cast.referrer.client() as referrer:
        referral = refer(referrer, programme["id"], "custody")
    path = f"/v1/referrals/{referral['id']}"
    with httpx.Client(base_url=platform.url, timeout=15) as anonymous, cast.provider.client() as provider, \
            cast.other_provider.client() as other, cast.vru.client() as vru, cast.referrer.client() as referrer:
        assert anonymous.get(path).status_code == 401
        assert referrer.get(path).status_code == 200
        assert provider.get(path).json()["young_person"]["family_name"] == "Example"
        assert other.get(path).status_code == 404
        assert other.post(f"{path}/accept").status_code == 404
        assert vru.get(path).status_code == 403  # the VRU sees aggregates, never a record
        assert referrer.post(f"{path}/accept").status_code == 403  # deciding is the provider's
        assert referral["id"] not in {r["id"] for r in other.get("/v1/referrals").json()["items"]}

    with cast.administrator.client() as admin:
        def trail():
            return admin.get("/v1/audit/referrals", params={"resource_id": referral["id"]}).json()["items"]

        entries = poll(trail, lambda items: any(e["outcome"] == "not_found" for e in items))
    by_organisation = {(e["organisation_id"], e["outcome"]) for e in entries}
    assert (cast.provider.organisation_id, "allowed") in by_organisation
    assert (cast.other_provider.organisation_id, "not_found") in by_organisation


def test_a_caller_who_reaches_a_service_directly_cannot_assert_an_identity(platform):
    cast = platform.cast
    referrals_port = int(platform.url.rsplit(":", 1)[1]) + 1
    direct = f"http://127.0.0.1:{referrals_port}"
    forged = TestIssuer().token("provider", uuid.UUID(cast.provider.organisation_id))
    with httpx.Client(base_url=direct, timeout=15) as service:
        unsigned = service.get("/v1/referrals")
        made_up = service.get("/v1/referrals", headers={"Authorization": f"Bearer {forged}"})
        spoofed = service.get("/v1/referrals", headers={"X-Organisation-Id": cast.provider.organisation_id,
                                                        "X-Role": "provider"})
        real = service.get("/v1/referrals", headers={"Authorization": f"Bearer {cast.provider.token()}"})
    assert (unsigned.status_code, made_up.status_code, spoofed.status_code) == (401, 401, 401)
    assert real.status_code == 200  # the service verifies the token itself; the gateway is not trusted blindly

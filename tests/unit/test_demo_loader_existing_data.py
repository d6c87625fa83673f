"""The demo loader on a platform that already holds organisations and programmes: it reuses what fits
and stops, before any referral, at what does not."""

from __future__ import annotations

import uuid

import pytest

from vru_deploy.demo import DemoLoadError

from tests.unit.demo_fake_platform import FakePlatform, demo_organisations, existing_programmes, load_into


async def test_organisations_already_registered_are_reused_by_name_ignoring_case_and_spacing():
    existing = demo_organisations()
    existing[0]["name"] = "  " + existing[0]["name"].upper().replace(" ", "  ")
    platform = FakePlatform(organisations=existing)
    await load_into(platform, referrals=20)
    assert len(platform.organisations) == 14
    assert platform.posted["organisations"] == 0


async def test_an_organisation_of_the_same_name_but_another_role_stops_the_loader_before_any_referral():
    existing = [{"id": str(uuid.uuid4()), "name": "HMP Exampleton", "role": "provider", "active": True}]
    platform = FakePlatform(organisations=existing)
    with pytest.raises(DemoLoadError, match=r"'HMP Exampleton' exists as a provider organisation.*needs a referrer"):
        await load_into(platform)
    assert platform.referrals == {} and platform.demo_clients() == []


async def test_the_loader_reuses_programmes_that_already_exist():
    organisations = demo_organisations()
    platform = FakePlatform(existing_programmes(organisations), organisations=organisations)
    await load_into(platform, referrals=20)
    assert platform.posted["programmes"] == 0


async def test_an_existing_programme_run_by_another_organisation_stops_the_loader_before_any_referral():
    organisations = demo_organisations()
    programmes = existing_programmes(organisations)
    programmes[1]["provider_organisation_id"] = str(uuid.uuid4())
    platform = FakePlatform(programmes, organisations=organisations)
    with pytest.raises(DemoLoadError, match=r"programme 'A&E Youth Navigators' exists, run by organisation"):
        await load_into(platform)
    assert platform.referrals == {}


async def test_an_existing_programme_the_referrals_do_not_fit_stops_the_loader_before_any_referral():
    organisations = demo_organisations()
    programmes = existing_programmes(organisations)
    programmes[0]["accepted_sources"] = ["custody"]
    platform = FakePlatform(programmes, organisations=organisations)
    with pytest.raises(DemoLoadError, match=r"programme 'Custody Mentoring' exists with terms"):
        await load_into(platform)
    assert platform.referrals == {}

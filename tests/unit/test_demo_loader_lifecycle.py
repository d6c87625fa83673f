"""The demo loader against a fake platform: it follows the lifecycle, acting as the organisation each
call belongs to, and fills a programme up to its capacity."""

from __future__ import annotations

from collections import Counter

from vru_deploy.demo.programmes import PROGRAMMES

from tests.unit.demo_data_support import REFERRER_OF
from tests.unit.demo_fake_platform import FakePlatform, load_into


async def test_the_loader_follows_the_lifecycle_and_summarises_what_it_made():
    platform = FakePlatform()
    summary = await load_into(platform)
    assert summary.organisations == 13 == len(platform.organisations) - 1
    assert summary.programmes == len(PROGRAMMES) == len(platform.programmes)
    assert summary.referrals == len(platform.referrals) == 120
    statuses = Counter(r["status"] for r in platform.referrals.values())
    assert summary.declined == statuses["declined"] and summary.closed == statuses["closed"]
    assert summary.accepted == platform.posted["referrals/accept"]
    assert summary.withdrawn == statuses["withdrawn"]
    enrolments = Counter(e["status"] for e in platform.enrolments.values())
    assert summary.enrolments == enrolments["active"] + enrolments["ended"]
    assert summary.ended == enrolments["ended"] == platform.posted["enrolments/end"]
    assert summary.waitlisted == enrolments["waitlisted"]
    assert summary.contacts == sum(platform.contacts.values()) > summary.enrolments
    assert summary.outcomes == platform.posted["outcomes"]


async def test_the_organisations_are_registered_with_their_roles():
    platform = FakePlatform()
    await load_into(platform, referrals=10)
    roles = {o["name"]: o["role"] for o in platform.organisations.values()}
    assert {name: roles[name] for name in REFERRER_OF.values()} == dict.fromkeys(REFERRER_OF.values(), "referrer")
    assert roles["Larkfield Youth Trust"] == roles["Willowmere Learning Mentors"] == "provider"
    assert roles["Exampleshire Violence Reduction Unit"] == "vru"


async def test_every_call_is_made_as_the_organisation_it_belongs_to():
    platform = FakePlatform()
    await load_into(platform, referrals=200)
    for referral in platform.referrals.values():
        assert referral["referrer_name"] == REFERRER_OF[referral["source"]]
    acted_as = {}
    for (action, name), _ in platform.acted.items():
        acted_as.setdefault(action, set()).add(name)
    # The fake answers 404 to any other organisation, so the load would have failed; and the right ones acted.
    assert acted_as["withdraw"] <= set(REFERRER_OF.values())
    providers = {spec.provider for spec in PROGRAMMES}
    for action in ("accept", "decline", "close", "enrolments", "contacts", "end", "outcomes", "read"):
        assert acted_as[action] <= providers, action
    assert acted_as["enrolments"] == providers


async def test_the_programmes_are_created_run_by_their_provider_organisations_with_their_full_terms():
    platform = FakePlatform()
    await load_into(platform, referrals=10)
    made = platform.programmes["Targeted Youth Outreach"]
    assert made["provider_organisation_id"] == platform.named("Kestrel Street Outreach")["id"]
    assert made["accepted_sources"] == ["community", "school", "self"]
    assert (made["tier"], made["min_age"], made["max_age"], made["capacity"]) == ("secondary", 10, 21, 12)


async def test_a_full_programme_waitlists_the_open_enrolments_past_its_capacity_and_they_get_no_history():
    outreach = next(s for s in PROGRAMMES if s.name == "Targeted Youth Outreach")
    platform = FakePlatform()
    summary = await load_into(platform, referrals=400)
    programme_id = platform.programmes[outreach.name]["id"]
    waiting = [e for e in platform.enrolments.values() if e["status"] == "waitlisted"]
    assert summary.waitlisted == len(waiting) > 0
    assert platform._active(programme_id) == outreach.capacity
    assert all(platform.contacts[e["id"]] == 0 for e in waiting)

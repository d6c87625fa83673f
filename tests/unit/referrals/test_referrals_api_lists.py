"""Reading lists over HTTP: the referral list and its filters, and the code lists with their versions."""

from __future__ import annotations

from tests.unit.referrals.referrals_api_support import PROBLEM, refer


async def test_the_list_filters_by_source_status_and_programme_and_shows_no_identifying_details(service):
    programme = await service.programme()
    other = await service.programme(name="Prison leavers")
    custody = await refer(service, programme.programme_id, "custody")
    school = await refer(service, programme.programme_id, "school",
                         identifiers=[{"type": "nhs_number", "value": "9990000018"}])
    prison = await refer(service, other.programme_id, "prison",
                         identifiers=[{"type": "nhs_number", "value": "9990000026"}])
    await service.provider.post(f"/v1/referrals/{school['id']}/accept")

    async def ids(**params):
        answer = await service.provider.get("/v1/referrals", params=params)
        assert answer.status_code == 200
        return {r["id"] for r in answer.json()["items"]}

    assert await ids() == {custody["id"], school["id"], prison["id"]}
    assert await ids(source="custody") == {custody["id"]}
    assert await ids(status="accepted") == {school["id"]}
    assert await ids(programme_id=str(other.programme_id)) == {prison["id"]}
    assert await ids(possible_duplicate="false") == {custody["id"], school["id"], prison["id"]}
    assert len(await ids(limit=1)) == 1
    page = (await service.provider.get("/v1/referrals")).json()["items"]
    listed = repr(page)
    assert "Alex" not in listed and "9434765919" not in listed and "young_person" not in listed
    assert (await service.provider.get("/v1/referrals", params={"limit": 201})).status_code == 422
    assert (await service.provider.get("/v1/referrals", params={"status": "lost"})).status_code == 422


async def test_the_code_lists_say_their_names_and_versions(service):
    index = (await service.provider.get("/v1/code-lists")).json()["items"]
    by_name = {item["name"]: item for item in index}
    assert {"risk_factors", "dfe_exclusion_reasons", "ethnicities", "nhs_ethnic_categories_2001",
            "decline_reasons", "withdrawal_reasons", "closure_reasons", "offence_categories"} <= set(by_name)
    reasons = by_name["dfe_exclusion_reasons"]
    assert reasons["versioned"] is True and reasons["current_version"] == "2020-21"
    assert [(v["version"], v["valid_from"]) for v in reasons["versions"]] == [("2006-07", "2006-09-01"),
                                                                              ("2020-21", "2020-09-01")]
    assert by_name["risk_factors"]["versioned"] is False


async def test_a_code_list_gives_its_entries_with_their_versions(service):
    answer = (await service.provider.get("/v1/code-lists/dfe_exclusion_reasons")).json()
    entries = {(e["version"], e["code"]): e["label"] for e in answer["entries"]}
    assert entries[("2006-07", "OT")] == "Other"
    assert entries[("2020-21", "OW")] == "Use or threat of use of an offensive weapon or prohibited item"
    only = (await service.provider.get("/v1/code-lists/dfe_exclusion_reasons", params={"version": "2006-07"})).json()
    assert {e["version"] for e in only["entries"]} == {"2006-07"}
    letters = (await service.provider.get("/v1/code-lists/nhs_ethnic_categories_2001")).json()["entries"]
    assert letters[0] == {"code": "A", "label": "White - British",
                          "attributes": {"ons_2021_category": "white_british", "ons_2021_group": "white",
                                         "exact": True}}
    risk = (await service.provider.get("/v1/code-lists/risk_factors")).json()["entries"]
    assert risk[0] == {"code": "weapon_carrying", "label": "Carrying a weapon"}


async def test_an_unknown_code_list_or_version_is_not_found(service):
    assert (await service.provider.get("/v1/code-lists/favourite_colours")).status_code == 404
    answer = await service.provider.get("/v1/code-lists/dfe_exclusion_reasons", params={"version": "1999-00"})
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM

"""Programmes over HTTP: their terms, checked as a whole on create and on PATCH, the provider
organisation that runs each, the events they publish and the list's filters."""

from __future__ import annotations

import uuid

from test_interventions_harness import (  # noqa: F401
    OTHER_PROVIDER_ORG,
    PROVIDER_ORG,
    REFERRER_ORG,
    days_ago,
    deactivated,
    pointers,
    problem,
    programme_body,
    registered,
    service,
)

from vru_shared.contracts.interventions import ProgrammeCreated, ProgrammeUpdated

TERMS = ("name", "provider_organisation_id", "provider", "tier", "accepted_sources", "min_age", "max_age",
         "capacity", "active_from", "active_to")


async def test_a_created_programme_is_answered_whole_and_published_with_every_term(service):
    answer = await service.admin.post("/v1/programmes", json=programme_body(
        name="  Knife crime workshop ", accepted_sources=["school", "custody", "school"], capacity=12,
        active_to=days_ago(-30).isoformat()))

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert answer.headers["location"] == f"/v1/programmes/{body['id']}"
    # Names are trimmed; sources are kept once each, in the contract's order.
    assert {t: body[t] for t in TERMS} == {
        "name": "Knife crime workshop", "provider_organisation_id": str(PROVIDER_ORG), "provider": "Youth Trust",
        "tier": "tertiary",
        "accepted_sources": ["custody", "school"], "min_age": 10, "max_age": 17, "capacity": 12,
        "active_from": days_ago(100).isoformat(), "active_to": days_ago(-30).isoformat(),
    }
    assert (body["active_enrolments"], body["waitlisted_enrolments"], body["updated_at"]) == (0, 0, None)
    [created] = await service.outbox(ProgrammeCreated.event_type)
    assert created.data == {"programme_id": body["id"], **{t: body[t] for t in TERMS}, "revision": 1}


async def test_a_programme_needs_no_capacity_or_end_and_then_takes_anyone_for_ever(service):
    body = programme_body()
    del body["capacity"], body["active_to"]
    answer = await service.admin.post("/v1/programmes", json=body)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["capacity"], answer.json()["active_to"]) == (None, None)


async def test_terms_that_break_a_rule_are_a_422_problem_naming_each_term_and_nothing_is_kept(service):
    cases = [
        (programme_body(min_age=7), ["/body/min_age"]),
        (programme_body(max_age=31), ["/body/max_age"]),
        (programme_body(min_age=12.5), ["/body/min_age"]),
        (programme_body(min_age="12"), ["/body/min_age"]),
        (programme_body(min_age=18, max_age=16), ["/body/max_age"]),
        (programme_body(accepted_sources=[]), ["/body/accepted_sources"]),
        (programme_body(accepted_sources=["custody", "police"]), ["/body/accepted_sources/1"]),
        (programme_body(capacity=0), ["/body/capacity"]),
        (programme_body(tier="quaternary"), ["/body/tier"]),
        (programme_body(active_to=days_ago(101).isoformat()), ["/body/active_to"]),
        (programme_body(name=" "), ["/body/name"]),
        (programme_body(min_age=20, max_age=19, capacity=-1), ["/body/capacity"]),
    ]
    no_tier = programme_body()
    del no_tier["tier"]
    cases.append((no_tier, ["/body/tier"]))

    for body, expected in cases:
        answer = await service.admin.post("/v1/programmes", json=body)
        problem(answer, 422)
        assert pointers(answer) == expected, (body, answer.json())

    assert (await service.provider.get("/v1/programmes")).json()["items"] == []
    assert await service.outbox() == []


async def test_both_cross_term_rules_are_named_in_one_answer(service):
    answer = await service.admin.post("/v1/programmes", json=programme_body(
        min_age=18, max_age=16, active_to=days_ago(200).isoformat()))
    body = problem(answer, 422)
    assert body["type"].endswith("/invalid-programme")
    assert pointers(answer) == ["/body/max_age", "/body/active_to"]


async def test_a_second_programme_of_the_same_name_is_a_409(service):
    await service.programme(name="Navigators")
    answer = await service.admin.post("/v1/programmes", json=programme_body(
        name="Navigators", provider_organisation_id=str(OTHER_PROVIDER_ORG)))
    assert problem(answer, 409)["type"].endswith("/duplicate-programme")
    assert len(await service.outbox(ProgrammeCreated.event_type)) == 1


async def test_a_patch_changes_only_the_terms_sent_and_publishes_the_whole_new_state(service):
    programme = await service.programme(capacity=5)
    answer = await service.admin.patch(f"/v1/programmes/{programme['id']}",
                                        json={"max_age": 24, "capacity": None, "accepted_sources": ["self"]})

    assert answer.status_code == 200, answer.text
    revised = answer.json()
    assert {t: revised[t] for t in TERMS} == {
        **{t: programme[t] for t in TERMS}, "max_age": 24, "capacity": None, "accepted_sources": ["self"]}
    assert revised["updated_at"] is not None
    [updated] = await service.outbox(ProgrammeUpdated.event_type)
    assert updated.data == {"programme_id": programme["id"], **{t: revised[t] for t in TERMS}, "revision": 2}
    assert (await service.provider.get(f"/v1/programmes/{programme['id']}")).json() == revised


async def test_a_patch_is_checked_against_the_terms_it_leaves_alone(service):
    programme = await service.programme(min_age=10, max_age=17, active_from=days_ago(50).isoformat(),
                                        active_to=days_ago(10).isoformat())
    url = f"/v1/programmes/{programme['id']}"

    for change, pointer in [
        ({"min_age": 18}, "/body/min_age"),
        ({"max_age": 9}, "/body/max_age"),
        ({"active_from": days_ago(5).isoformat()}, "/body/active_from"),
        ({"active_to": days_ago(51).isoformat()}, "/body/active_to"),
    ]:
        answer = await service.admin.patch(url, json=change)
        problem(answer, 422)
        assert pointers(answer) == [pointer], (change, answer.json())

    assert {t: (await service.provider.get(url)).json()[t] for t in TERMS} == {t: programme[t] for t in TERMS}
    assert await service.outbox(ProgrammeUpdated.event_type) == []


async def test_a_patch_may_not_set_a_required_term_to_null_nor_send_an_unknown_one(service):
    programme = await service.programme()
    url = f"/v1/programmes/{programme['id']}"
    for change, pointer in [({"name": None}, "/body/name"), ({"tier": None}, "/body/tier"),
                            ({"active_from": None}, "/body/active_from"), ({"colour": "red"}, "/body/colour")]:
        answer = await service.admin.patch(url, json=change)
        problem(answer, 422)
        assert pointer in pointers(answer)
    assert await service.outbox(ProgrammeUpdated.event_type) == []


async def test_a_patch_that_changes_nothing_publishes_nothing(service):
    programme = await service.programme()
    answer = await service.admin.patch(f"/v1/programmes/{programme['id']}",
                                        json={"name": programme["name"], "min_age": programme["min_age"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["updated_at"] is None
    assert await service.outbox(ProgrammeUpdated.event_type) == []


async def test_renaming_to_another_programmes_name_is_a_409_and_an_unknown_programme_a_404(service):
    await service.programme(name="First")
    second = await service.programme(name="Second")
    answer = await service.admin.patch(f"/v1/programmes/{second['id']}", json={"name": "First"})
    problem(answer, 409)
    assert (await service.provider.get(f"/v1/programmes/{second['id']}")).json()["name"] == "Second"

    problem(await service.admin.patch(f"/v1/programmes/{uuid.uuid4()}", json={"capacity": 3}), 404)
    problem(await service.provider.get(f"/v1/programmes/{uuid.uuid4()}"), 404)


async def test_the_list_filters_by_tier_provider_and_the_day_a_programme_runs(service):
    one, two = str(PROVIDER_ORG), str(OTHER_PROVIDER_ORG)
    await service.programme(name="A", tier="primary", provider_organisation_id=one,
                            active_from=days_ago(30).isoformat(), active_to=days_ago(10).isoformat())
    await service.programme(name="B", tier="secondary", provider_organisation_id=one,
                            active_from=days_ago(5).isoformat())
    await service.programme(name="C", tier="secondary", provider_organisation_id=two,
                            active_from=days_ago(20).isoformat(), active_to=days_ago(10).isoformat())

    async def names(**params) -> list[str]:
        answer = await service.provider.get("/v1/programmes", params=params)
        assert answer.status_code == 200, answer.text
        return [p["name"] for p in answer.json()["items"]]

    assert await names() == ["A", "B", "C"]
    assert await names(tier="secondary") == ["B", "C"]
    assert await names(provider="Youth Trust") == ["A", "B"]
    assert await names(provider_organisation_id=two) == ["C"]
    assert await names(active_on=days_ago(10).isoformat()) == ["A", "C"]
    assert await names(active_on=days_ago(30).isoformat()) == ["A"]
    assert await names(active_on=days_ago(9).isoformat()) == []
    assert await names(active_on=days_ago(0).isoformat(), tier="secondary") == ["B"]
    assert await names(tier="secondary", provider="Second Chance Trust", active_on=days_ago(15).isoformat()) == ["C"]
    problem(await service.provider.get("/v1/programmes", params={"tier": "fourth"}), 422)

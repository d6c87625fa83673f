"""Metrics by role: which audiences each may ask for, and a provider's figures over its own
programmes only (another's programme answers as one that does not exist: with no data)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from outcomes_harness import OTHER_PROVIDER, PROBLEM, PROVIDER, World, pointers, world  # noqa: F401

Q3 = dict(from_="2024/25 Q3", to="2024/25 Q3")


@pytest.mark.parametrize(("role", "asked", "status", "answered"), [
    ("provider", None, 200, "internal"),
    ("provider", "internal", 200, "internal"),
    ("provider", "vru", 200, "vru"),
    ("provider", "public", 200, "public"),
    ("vru", None, 200, "vru"),
    ("vru", "internal", 403, None),
    ("vru", "vru", 200, "vru"),
    ("vru", "public", 200, "public"),
    ("administrator", None, 200, "vru"),
    ("administrator", "internal", 403, None),
    ("administrator", "vru", 200, "vru"),
    ("administrator", "public", 200, "public"),
])
async def test_each_role_has_a_default_audience_and_may_ask_only_for_its_own(world, role, asked, status, answered):
    answer = await world.metric_answer("funnel.accepted", audience=asked, headers=world.headers(role))
    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.json()["audience"] == answered
    else:
        assert answer.headers["content-type"] == PROBLEM
        body = answer.json()
        assert body["type"].endswith("/audience-not-allowed")
        assert "may ask for: vru, public" in body["detail"]
        assert pointers(answer) == ["/query/audience"]


async def test_an_audience_that_does_not_exist_is_invalid_input_for_every_role(world):
    for role in ("provider", "vru"):
        answer = await world.metric_answer("funnel.accepted", audience="press", headers=world.headers(role))
        assert (answer.status_code, pointers(answer)) == (422, ["/query/audience"])


@pytest.fixture
async def programmes(world: World) -> dict[str, str]:
    """In 2024/25 Q3, PROVIDER runs A (12 of 20 in ETE at the latest record) and B (6 of 11);
    OTHER_PROVIDER runs C (9 of 15). Every member was referred on 30 September, in Q2."""
    ids = {}
    for name, organisation, members, in_ete in (("A", PROVIDER, 20, 12), ("B", PROVIDER, 11, 6),
                                                ("C", OTHER_PROVIDER, 15, 9)):
        programme = await world.programme(f"Programme {name}", f"Provider {name}", organisation=organisation)
        ids[name] = str(programme)
        headers = world.headers("provider", organisation)
        for number, enrolment in enumerate(await world.members(programme, date(2024, 10, 1), members)):
            answer = await world.outcome(enrolment, "ete", status="education" if number < in_ete else "neet",
                                         observed_on="2024-11-01", point="exit", headers=headers)
            assert answer.status_code == 201, answer.text
    return ids


def _cells(answer: dict, ids: dict) -> dict:
    names = {v: k for k, v in ids.items()}
    return {names[c["group"]["programme"]]: (c["numerator"], c["denominator"]) for c in answer["cells"]}


def _total(answer: dict) -> tuple:
    return answer["total"]["numerator"], answer["total"]["denominator"]


async def test_a_provider_sees_its_own_programmes_only_and_totals_over_them(world, programmes):
    mine = await world.metric("ete.in_ete_at_latest", group_by="programme", **Q3)
    assert _cells(mine, programmes) == {"A": (12, 20), "B": (6, 11)}
    assert _total(mine) == (18, 31)
    assert set(mine["labels"]["programme"]) == {programmes["A"], programmes["B"]}
    theirs = await world.metric("ete.in_ete_at_latest", group_by="programme",
                                headers=world.headers("provider", OTHER_PROVIDER), **Q3)
    assert _cells(theirs, programmes) == {"C": (9, 15)}


async def test_the_vru_and_administrators_see_every_programme(world, programmes):
    for role in ("vru", "administrator"):
        answer = await world.metric("ete.in_ete_at_latest", group_by="programme", headers=world.headers(role), **Q3)
        # Every count and its complement is 5 or more: nothing is suppressed at the vru audience.
        assert _cells(answer, programmes) == {"A": (12, 20), "B": (6, 11), "C": (9, 15)}
        assert _total(answer) == (27, 46)


async def test_a_provider_naming_anothers_programme_gets_what_a_programme_that_does_not_exist_gets(
        world, programmes):
    theirs = await world.metric("ete.in_ete_at_latest", group_by="programme", programme_id=programmes["C"], **Q3)
    nowhere = await world.metric("ete.in_ete_at_latest", group_by="programme", programme_id=str(uuid.uuid4()), **Q3)
    assert (theirs["cells"], _total(theirs)) == ([], (0, 0))
    assert (nowhere["cells"], _total(nowhere)) == ([], (0, 0))
    mixed = await world.metric("ete.in_ete_at_latest", group_by="programme",
                               programme_id=f"{programmes['A']},{programmes['C']}", **Q3)
    assert _cells(mixed, programmes) == {"A": (12, 20)}
    assert _total(mixed) == (12, 20)


async def test_a_provider_sees_only_its_own_referrals_in_the_funnel(world, programmes):
    funnel = await world.metric("funnel.enrolled", from_="2024/25 Q2", to="2024/25 Q2", group_by="")
    assert _total(funnel) == (31, 31)
    everyone = await world.metric("funnel.enrolled", from_="2024/25 Q2", to="2024/25 Q2", group_by="",
                                  headers=world.headers("vru"))
    assert _total(everyone) == (46, 46)


async def test_a_provider_with_no_programmes_sees_no_data(world, programmes):
    stranger = world.headers("provider", uuid.uuid4())
    answer = await world.metric("ete.in_ete_at_latest", group_by="programme", headers=stranger, **Q3)
    assert (answer["cells"], _total(answer)) == ([], (0, 0))


async def test_a_provider_csv_holds_only_its_own_programmes(world, programmes):
    answer = await world.client.get("/v1/metrics/ete.in_ete_at_latest", params={
        "from": "2024/25 Q3", "to": "2024/25 Q3", "group_by": "programme", "format": "csv"})
    assert answer.status_code == 200
    assert programmes["C"] not in answer.text and "Programme C" not in answer.text
    assert programmes["A"] in answer.text and programmes["B"] in answer.text

"""The projections are kept by events alone, and take them in any order."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select

from outcomes_harness import (  # noqa: F401
    World,
    accepted,
    at,
    closed,
    contact,
    declined,
    enrolled,
    programme_event,
    received,
    withdrawn,
    world,
)
from vru_outcomes.adapters.orm import cohort as cohort_table
from vru_outcomes.adapters.orm import programmes as programmes_table
from vru_outcomes.adapters.orm import referrals as referrals_table
from vru_outcomes.bootstrap import SPEC
from vru_shared.contracts import interventions, referrals
from vru_shared.contracts.interventions import EnrolmentEnded, EnrolmentStarted, ProgrammeCreated, ProgrammeUpdated
from vru_shared.events import IntegrationEvent

FY = dict(from_="2024/25", to="2024/25", audience="internal")


async def _row(world: World, table, column, value):
    runtime = world.app.state.runtime
    async with runtime.sessions() as session:
        return (await session.execute(select(table).where(column == value))).one_or_none()


def test_every_referral_and_interventions_event_has_a_handler_here():
    contracts = {
        cls for module in (referrals, interventions) for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, IntegrationEvent) and hasattr(cls, "event_type")
        and cls.__module__ == module.__name__
    }
    assert contracts and contracts <= set(SPEC.subscriptions)


async def test_a_referral_keeps_its_attributes_and_the_moment_and_reason_of_each_transition(world):
    programme = await world.programme()
    event = received(programme, datetime(2024, 6, 1, 12, tzinfo=UTC), source="school", age_band="10-14",
                     sex="female", ethnicity="black_african", ethnicity_group="black", postcode_district="E1")
    r = event.referral_id
    await world.publish(event, accepted(r, programme, datetime(2024, 6, 2, tzinfo=UTC)))
    await world.publish(withdrawn(r, programme, datetime(2024, 6, 9, tzinfo=UTC), "family_moved"),
                        closed(r, programme, datetime(2024, 6, 10, tzinfo=UTC), "withdrawn"))
    row = await _row(world, referrals_table, referrals_table.c.referral_id, r)
    assert (row.source, row.age_band, row.sex, row.ethnicity, row.ethnicity_group, row.postcode_district) == (
        "school", "10-14", "female", "black_african", "black", "E1")
    assert row.referred_at == datetime(2024, 6, 1, 12, tzinfo=UTC) and row.referred_on == date(2024, 6, 1)
    assert row.index_event_at == datetime(2024, 6, 1, 6, tzinfo=UTC)
    assert row.accepted_at == datetime(2024, 6, 2, tzinfo=UTC)
    assert (row.withdraw_reason, row.close_reason, row.status) == ("family_moved", "withdrawn", "closed")


async def test_a_decision_that_arrives_before_the_referral_is_kept_and_joined_to_it(world):
    programme = await world.programme()
    event = received(programme, datetime(2024, 6, 1, 12, tzinfo=UTC))
    await world.publish(declined(event.referral_id, programme, datetime(2024, 6, 1, 18, tzinfo=UTC), "no_capacity"))
    placeholder = await _row(world, referrals_table, referrals_table.c.referral_id, event.referral_id)
    assert (placeholder.status, placeholder.source, placeholder.referred_on) == ("declined", None, None)
    # Until the referral itself arrives it is in no period: nothing counts it.
    assert (await world.metric("funnel.accepted", group_by="", **FY))["total"]["denominator"] == 0
    await world.publish(event)
    row = await _row(world, referrals_table, referrals_table.c.referral_id, event.referral_id)
    assert (row.status, row.source, row.decline_reason) == ("declined", "custody", "no_capacity")
    decision = await world.metric("timings.referral_to_decision", group_by="", **FY)
    assert (decision["total"]["n"], decision["total"]["median"]) == (1, 6.0)
    reasons = await world.metric("funnel.decline_reasons", **FY)
    assert [(c["group"]["reason"], c["numerator"]) for c in reasons["cells"]] == [("no_capacity", 1)]


async def test_the_status_follows_the_transitions_timestamps_not_the_order_they_arrived_in(world):
    programme = await world.programme()
    event = received(programme, datetime(2024, 6, 1, 12, tzinfo=UTC))
    enrolment = uuid.uuid4()
    await world.publish(enrolled(event.referral_id, programme, enrolment, datetime(2024, 6, 3, tzinfo=UTC)),
                        accepted(event.referral_id, programme, datetime(2024, 6, 2, tzinfo=UTC)), event)
    row = await _row(world, referrals_table, referrals_table.c.referral_id, event.referral_id)
    assert (row.status, row.enrolment_id) == ("enrolled", enrolment)


async def test_an_enrolment_that_ends_before_it_is_seen_to_start_is_retried_until_it_has(world):
    programme = await world.programme()
    referral = await world.referral(programme, at(date(2024, 5, 1)))
    enrolment = uuid.uuid4()
    ended = EnrolmentEnded(enrolment_id=enrolment, referral_id=referral, programme_id=programme,
                           end_date=date(2024, 9, 1), exit_reason="moved_away")
    started = EnrolmentStarted(enrolment_id=enrolment, referral_id=referral, programme_id=programme,
                               subject_pseudonym="d" * 64, start_date=date(2024, 5, 2), started_at=at(date(2024, 5, 2)))
    await world.publish(ended, contact(enrolment, at(date(2024, 5, 3), 12)), drain=False)
    await world.publish(started)
    assert world.transport.dead_letters == []
    row = await _row(world, cohort_table, cohort_table.c.enrolment_id, enrolment)
    assert (row.end_date, row.exit_reason) == (date(2024, 9, 1), "moved_away")
    assert row.first_contact_at == at(date(2024, 5, 3), 12)
    exits = await world.metric("funnel.exit_reasons", **FY)
    assert [(c["group"]["reason"], c["numerator"], c["denominator"]) for c in exits["cells"]] == [("moved_away", 1, 1)]


async def test_an_enrolment_seen_before_its_referral_counts_with_unknown_attributes_until_the_referral_arrives(
        world):
    programme = await world.programme()
    referral = received(programme, at(date(2024, 5, 1)), source="emergency_department")
    enrolment = await world.enrol(referral.referral_id, programme, date(2024, 5, 2))
    await world.ete(enrolment, "education", date(2024, 6, 1))
    before = await world.metric("ete.in_ete_at_latest", group_by="source", **FY)
    assert [(c["group"]["source"], c["numerator"], c["denominator"]) for c in before["cells"]] == [("unknown", 1, 1)]
    unknown_only = await world.metric("ete.in_ete_at_latest", group_by="", source="unknown", **FY)
    assert unknown_only["total"]["denominator"] == 1
    await world.publish(referral)
    after = await world.metric("ete.in_ete_at_latest", group_by="source", **FY)
    assert [(c["group"]["source"], c["numerator"], c["denominator"]) for c in after["cells"]] == [
        ("emergency_department", 1, 1)]


async def test_a_late_programme_created_does_not_undo_an_update_that_overtook_it(world):
    programme = uuid.uuid4()
    await world.publish(programme_event(ProgrammeUpdated, programme, "Navigators 2", "New Provider", "secondary"))
    await world.publish(programme_event(ProgrammeCreated, programme, "Navigators", "Old Provider", "tertiary"))
    row = await _row(world, programmes_table, programmes_table.c.id, programme)
    assert (row.name, row.provider, row.tier) == ("Navigators 2", "New Provider", "secondary")
    await world.publish(programme_event(ProgrammeUpdated, programme, "Navigators 3", "New Provider", "secondary"))
    row = await _row(world, programmes_table, programmes_table.c.id, programme)
    assert row.name == "Navigators 3"


async def test_an_older_programme_state_arriving_after_a_newer_one_does_not_replace_it(world):
    programme = uuid.uuid4()

    def state(revision: int, provider: str) -> ProgrammeUpdated:
        event = programme_event(ProgrammeUpdated, programme, "Navigators", provider)
        return event.model_copy(update={"revision": revision})

    # Revision 2 was retried, and revision 3 overtook it.
    await world.publish(programme_event(ProgrammeCreated, programme, "Navigators", "First Provider"))
    await world.publish(state(3, "Third Provider"))
    await world.publish(state(2, "Second Provider"))
    row = await _row(world, programmes_table, programmes_table.c.id, programme)
    assert (row.provider, row.revision) == ("Third Provider", 3)
    await world.publish(state(4, "Fourth Provider"))
    row = await _row(world, programmes_table, programmes_table.c.id, programme)
    assert (row.provider, row.revision) == ("Fourth Provider", 4)


async def test_an_enrolment_on_a_programme_not_seen_yet_has_an_unknown_provider_until_it_is(world):
    programme = uuid.uuid4()
    enrolment = await world.member(programme, date(2024, 5, 2))
    await world.end(enrolment, date(2024, 6, 1), "moved_away")
    vru = world.headers("vru")
    fy = dict(FY, audience="vru")
    before = await world.metric("funnel.exit_reasons", group_by="provider", headers=vru, **fy)
    assert [c["group"]["provider"] for c in before["cells"]] == ["unknown"]
    await world.programme("Mentoring", "Youth Trust", programme_id=programme)
    after = await world.metric("funnel.exit_reasons", group_by="provider", headers=vru, **fy)
    assert [c["group"]["provider"] for c in after["cells"]] == ["Youth Trust"]


async def test_an_outcome_on_a_programme_not_seen_yet_waits_and_is_checked_when_the_programme_arrives(world):
    programme = uuid.uuid4()
    enrolment = await world.member(programme, date(2024, 5, 2))
    fits = await world.outcome(enrolment, "ete", point="exit", observed_on="2024-06-01", status="neet")
    too_early = await world.outcome(enrolment, "ete", point="exit", observed_on="2024-05-01", status="neet")
    # Who provides the programme is not known yet, so neither whether the poster may record here.
    assert (fits.status_code, too_early.status_code) == (202, 202)
    assert (fits.json()["enrolment_known"], fits.json()["validation"]) == (True, "pending")
    await world.programme("Mentoring", "Youth Trust", programme_id=programme)
    fits_now = (await world.client.get(f"/v1/outcomes/{fits.json()['id']}")).json()
    too_early_now = (await world.client.get(f"/v1/outcomes/{too_early.json()['id']}")).json()
    assert (fits_now["validation"], too_early_now["validation"]) == ("valid", "invalid")
    answer = await world.metric("ete.in_ete_at_latest", group_by="", **FY)
    assert (answer["total"]["numerator"], answer["total"]["denominator"]) == (0, 1)


async def test_the_first_contact_is_the_earliest_whatever_order_contacts_arrive_in(world):
    programme = await world.programme()
    enrolment = await world.member(programme, date(2024, 5, 2))
    moments = [at(date(2024, 5, 9)), at(date(2024, 5, 4), 8), at(date(2024, 5, 6))]
    await world.publish(*(contact(enrolment, m) for m in moments))
    row = await _row(world, cohort_table, cohort_table.c.enrolment_id, enrolment)
    assert row.first_contact_at == at(date(2024, 5, 4), 8)

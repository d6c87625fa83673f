"""The interventions domain's programmes: their terms, revisions, provider organisation, dates and
places; and the organisations projection that says who may run a programme."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from vru_interventions.domain.model import InvalidProgramme, Organisation, OrganisationRole, Programme
from vru_shared.contracts.interventions import ProgrammeCreated, ProgrammeUpdated

from tests.unit.enrolment_domain_support import (
    NOW,
    OTHER_PROVIDER,
    PROVIDER,
    PUBLISHED,
    TERMS,
    make_programme,
)


def test_creating_a_programme_records_programme_created_with_every_term():
    programme = Programme.create(**TERMS | {"capacity": 8, "accepted_sources": ["youth_justice", "custody"]},
                                 now=NOW)
    assert programme.created_at == NOW
    assert programme.accepted_sources == ["custody", "youth_justice"]  # the contract's order
    assert programme.events == [
        ProgrammeCreated(programme_id=programme.id, revision=1, **PUBLISHED | {"capacity": 8})
    ]


@pytest.mark.parametrize(("overrides", "problems"), [
    ({"min_age": 7}, {"min_age": "must be a whole number of years from 8 to 30"}),
    ({"max_age": 31}, {"max_age": "must be a whole number of years from 8 to 30"}),
    ({"min_age": True}, {"min_age": "must be a whole number of years from 8 to 30"}),
    ({"min_age": 18}, {"max_age": "must not be below min_age"}),
    ({"accepted_sources": []}, {"accepted_sources": "must name at least one referral source"}),
    ({"accepted_sources": ["custody", "police"]}, {"accepted_sources": "unknown referral source 'police'"}),
    ({"capacity": 0}, {"capacity": "must be a positive whole number, or null for no limit"}),
    ({"tier": "quaternary"}, {"tier": "must be one of primary, secondary, tertiary"}),
    ({"active_to": date(2025, 12, 31)}, {"active_to": "must not be before active_from"}),
    ({"name": "  "}, {"name": "must not be empty"}),
    ({"provider": Organisation.registered(organisation_id=uuid.uuid4(), name="Example Custody Suite",
                                          role="referrer")},
     {"provider_organisation_id": "the organisation is a referrer organisation, not a provider"}),
    ({"provider": Organisation(id=uuid.uuid4(), name="Closed Trust", role=OrganisationRole.PROVIDER, active=False)},
     {"provider_organisation_id": "the organisation has been deactivated"}),
    ({"provider": Organisation.heard_of_deactivation(uuid.uuid4()), "min_age": 7},
     {"provider_organisation_id": "the organisation has been deactivated",
      "min_age": "must be a whole number of years from 8 to 30"}),
])
def test_a_programme_that_breaks_a_rule_is_refused_naming_each_term(overrides, problems):
    with pytest.raises(InvalidProgramme) as raised:
        Programme.create(**TERMS | overrides, now=NOW)
    assert raised.value.problems == problems


def test_the_age_range_may_be_one_year_and_its_bounds_are_8_and_30():
    assert (make_programme(min_age=8, max_age=8).min_age, make_programme(min_age=30, max_age=30).max_age) == (8, 30)


def test_a_revision_is_checked_as_a_whole_and_blames_the_term_that_changed():
    programme = make_programme(active_to=date(2026, 6, 30))
    with pytest.raises(InvalidProgramme) as raised:
        programme.revise({"min_age": 18})
    assert raised.value.problems == {"min_age": "must not be above max_age"}
    with pytest.raises(InvalidProgramme) as raised:
        programme.revise({"active_from": date(2026, 7, 1)})
    assert raised.value.problems == {"active_from": "must not be after active_to"}
    assert (programme.min_age, programme.active_from, programme.events) == (10, date(2026, 1, 1), [])


def test_a_revision_records_programme_updated_with_the_whole_new_state():
    programme = make_programme(capacity=3)
    later = NOW + timedelta(days=1)
    assert programme.revise({"capacity": None, "max_age": 21}, now=later) is True
    assert (programme.capacity, programme.max_age, programme.updated_at) == (None, 21, later)
    assert programme.events == [
        ProgrammeUpdated(programme_id=programme.id, revision=2, **PUBLISHED | {"capacity": None, "max_age": 21})
    ]


def test_a_revision_that_changes_nothing_records_nothing():
    programme = make_programme()
    assert programme.revise({"name": " Mentoring after custody ", "tier": "tertiary"}) is False
    assert (programme.updated_at, programme.events, programme.revision) == (None, [], 1)


def test_each_change_counts_one_more_revision_and_its_event_carries_it():
    programme = make_programme()
    for max_age in (16, 15, 14):
        programme.revise({"max_age": max_age})
    assert [event.revision for event in programme.events] == [2, 3, 4] and programme.revision == 4


def test_a_revision_may_hand_the_programme_to_another_provider_organisation_and_publishes_its_name():
    programme = make_programme()
    assert (programme.is_run_by(PROVIDER.id), programme.is_run_by(OTHER_PROVIDER.id)) == (True, False)

    assert programme.revise({"capacity": 4}, provider=OTHER_PROVIDER) is True

    assert (programme.provider_organisation_id, programme.provider) == (OTHER_PROVIDER.id, "Second Chance Trust")
    assert (programme.is_run_by(PROVIDER.id), programme.is_run_by(OTHER_PROVIDER.id)) == (False, True)
    assert programme.events == [ProgrammeUpdated(programme_id=programme.id, revision=2, **PUBLISHED | {
        "provider_organisation_id": OTHER_PROVIDER.id, "provider": "Second Chance Trust", "capacity": 4})]
    assert programme.revise({}, provider=OTHER_PROVIDER) is False


def test_a_revision_to_an_organisation_that_cannot_run_programmes_is_refused_and_changes_nothing():
    programme = make_programme()
    referrer = Organisation.registered(organisation_id=uuid.uuid4(), name="Example School", role="referrer")
    with pytest.raises(InvalidProgramme) as raised:
        programme.revise({"capacity": 4}, provider=referrer)
    assert raised.value.problems == {
        "provider_organisation_id": "the organisation is a referrer organisation, not a provider"}
    assert (programme.provider_organisation_id, programme.capacity, programme.events) == (PROVIDER.id, None, [])
    with pytest.raises(TypeError):
        programme.revise({"provider": "Free text"})


def test_a_programme_made_before_providers_were_organisations_must_be_given_one_before_it_changes():
    programme = make_programme()
    programme.provider_organisation_id = None
    assert programme.is_run_by(PROVIDER.id) is False
    with pytest.raises(InvalidProgramme) as raised:
        programme.revise({"capacity": 4})
    assert raised.value.problems == {
        "provider_organisation_id": "must name the provider organisation that runs the programme"}
    assert programme.revise({"capacity": 4}, provider=PROVIDER) is True
    assert programme.is_run_by(PROVIDER.id) is True


def test_a_programme_runs_from_its_first_to_its_last_day_and_has_places_up_to_its_capacity():
    programme = make_programme(active_from=date(2026, 1, 1), active_to=date(2026, 1, 31), capacity=2)
    assert [programme.is_active_on(d) for d in (date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 31),
                                                date(2026, 2, 1))] == [False, True, True, False]
    assert [programme.has_place(n) for n in (0, 1, 2, 3)] == [True, True, False, False]
    assert make_programme(capacity=None).has_place(10_000) is True


# --- the organisations projection ---------------------------------------------------------------


def test_an_organisation_deactivated_before_its_registration_arrives_stays_deactivated():
    organisation = Organisation.heard_of_deactivation(PROVIDER.id)
    assert organisation.why_it_cannot_run_programmes() == "the organisation has been deactivated"
    organisation.details_arrived(name="Youth Trust", role="provider")
    assert (organisation.name, organisation.role, organisation.active) == \
        ("Youth Trust", OrganisationRole.PROVIDER, False)
    assert organisation.why_it_cannot_run_programmes() == "the organisation has been deactivated"


def test_only_an_active_provider_organisation_may_run_programmes():
    provider = Organisation.registered(organisation_id=uuid.uuid4(), name="Youth Trust", role="provider")
    assert provider.why_it_cannot_run_programmes() is None
    for role in ("referrer", "vru", "administrator"):
        other = Organisation.registered(organisation_id=uuid.uuid4(), name="Example", role=role)
        assert other.why_it_cannot_run_programmes() == f"the organisation is a {role} organisation, not a provider"
    provider.deactivate()
    assert provider.why_it_cannot_run_programmes() == "the organisation has been deactivated"

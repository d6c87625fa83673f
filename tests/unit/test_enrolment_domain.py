"""The interventions domain: the organisations projection, programmes' terms and provider, the
referral projection, the Enrolment aggregate's lifecycle (waiting, waitlist, start, contacts,
end), and what an erasure leaves."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from vru_interventions.domain.model import (
    ERASED,
    ContactKind,
    Enrolment,
    EnrolmentStatus,
    ExitReason,
    IllegalTransition,
    InvalidEnrolment,
    InvalidProgramme,
    KnownReferral,
    Organisation,
    OrganisationRole,
    PreventionTier,
    Programme,
    ReferralStatus,
)
from vru_shared.contracts.interventions import (
    ContactRecorded,
    EnrolmentEnded,
    EnrolmentStarted,
    ProgrammeCreated,
    ProgrammeUpdated,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
REFERRED_AT = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)
PSEUDONYM = "a" * 64
PROVIDER = Organisation.registered(organisation_id=uuid.UUID("5c7d3a58-0000-4000-8000-000000000001"),
                                   name="Youth Trust", role="provider")
OTHER_PROVIDER = Organisation.registered(organisation_id=uuid.UUID("5c7d3a58-0000-4000-8000-000000000002"),
                                         name="Second Chance Trust", role="provider")

TERMS = {
    "name": "Mentoring after custody",
    "provider": PROVIDER,
    "tier": PreventionTier.TERTIARY,
    "accepted_sources": ["custody", "youth_justice"],
    "min_age": 10,
    "max_age": 17,
    "capacity": None,
    "active_from": date(2026, 1, 1),
    "active_to": None,
}
# The terms as published: the provider organisation by its id and its name.
PUBLISHED = TERMS | {"provider_organisation_id": PROVIDER.id, "provider": "Youth Trust"}


def _programme(**overrides) -> Programme:
    programme = Programme.create(**(TERMS | overrides), now=NOW)
    programme.events.clear()
    return programme


def _referral(programme: Programme, *, status: ReferralStatus = ReferralStatus.ACCEPTED,
              referral_id: uuid.UUID | None = None, programme_id: uuid.UUID | None = None) -> KnownReferral:
    referral = KnownReferral.received(referral_id=referral_id or uuid.uuid4(),
                                      programme_id=programme_id or programme.id,
                                      subject_pseudonym=PSEUDONYM, referred_at=REFERRED_AT)
    referral.advance(status, "a reason")
    return referral


def _request(programme: Programme, referral: KnownReferral | None, *, start_date: date = date(2026, 2, 10),
             place_free: bool = True, referral_id: uuid.UUID | None = None) -> Enrolment:
    return Enrolment.request(programme=programme, start_date=start_date, referral=referral, place_free=place_free,
                             referral_id=referral_id or (referral.referral_id if referral else uuid.uuid4()), now=NOW)


def _active(programme: Programme, start_date: date = date(2026, 2, 10)) -> Enrolment:
    enrolment = _request(programme, _referral(programme), start_date=start_date)
    enrolment.events.clear()
    return enrolment


def _waitlisted(programme: Programme) -> tuple[Enrolment, KnownReferral]:
    referral = _referral(programme)
    enrolment = _request(programme, referral, place_free=False)
    return enrolment, referral


# --- programmes ---------------------------------------------------------------------------------


def test_creating_a_programme_records_programme_created_with_every_term():
    programme = Programme.create(**TERMS | {"capacity": 8, "accepted_sources": ["youth_justice", "custody"]},
                                 now=NOW)
    assert programme.created_at == NOW
    assert programme.accepted_sources == ["custody", "youth_justice"]  # the contract's order
    assert programme.events == [
        ProgrammeCreated(programme_id=programme.id, **PUBLISHED | {"capacity": 8})
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
    assert (_programme(min_age=8, max_age=8).min_age, _programme(min_age=30, max_age=30).max_age) == (8, 30)


def test_a_revision_is_checked_as_a_whole_and_blames_the_term_that_changed():
    programme = _programme(active_to=date(2026, 6, 30))
    with pytest.raises(InvalidProgramme) as raised:
        programme.revise({"min_age": 18})
    assert raised.value.problems == {"min_age": "must not be above max_age"}
    with pytest.raises(InvalidProgramme) as raised:
        programme.revise({"active_from": date(2026, 7, 1)})
    assert raised.value.problems == {"active_from": "must not be after active_to"}
    assert (programme.min_age, programme.active_from, programme.events) == (10, date(2026, 1, 1), [])


def test_a_revision_records_programme_updated_with_the_whole_new_state():
    programme = _programme(capacity=3)
    later = NOW + timedelta(days=1)
    assert programme.revise({"capacity": None, "max_age": 21}, now=later) is True
    assert (programme.capacity, programme.max_age, programme.updated_at) == (None, 21, later)
    assert programme.events == [
        ProgrammeUpdated(programme_id=programme.id, **PUBLISHED | {"capacity": None, "max_age": 21})
    ]


def test_a_revision_that_changes_nothing_records_nothing():
    programme = _programme()
    assert programme.revise({"name": " Mentoring after custody ", "tier": "tertiary"}) is False
    assert (programme.updated_at, programme.events) == (None, [])


def test_a_revision_may_hand_the_programme_to_another_provider_organisation_and_publishes_its_name():
    programme = _programme()
    assert (programme.is_run_by(PROVIDER.id), programme.is_run_by(OTHER_PROVIDER.id)) == (True, False)

    assert programme.revise({"capacity": 4}, provider=OTHER_PROVIDER) is True

    assert (programme.provider_organisation_id, programme.provider) == (OTHER_PROVIDER.id, "Second Chance Trust")
    assert (programme.is_run_by(PROVIDER.id), programme.is_run_by(OTHER_PROVIDER.id)) == (False, True)
    assert programme.events == [ProgrammeUpdated(programme_id=programme.id, **PUBLISHED | {
        "provider_organisation_id": OTHER_PROVIDER.id, "provider": "Second Chance Trust", "capacity": 4})]
    assert programme.revise({}, provider=OTHER_PROVIDER) is False


def test_a_revision_to_an_organisation_that_cannot_run_programmes_is_refused_and_changes_nothing():
    programme = _programme()
    referrer = Organisation.registered(organisation_id=uuid.uuid4(), name="Example School", role="referrer")
    with pytest.raises(InvalidProgramme) as raised:
        programme.revise({"capacity": 4}, provider=referrer)
    assert raised.value.problems == {
        "provider_organisation_id": "the organisation is a referrer organisation, not a provider"}
    assert (programme.provider_organisation_id, programme.capacity, programme.events) == (PROVIDER.id, None, [])
    with pytest.raises(TypeError):
        programme.revise({"provider": "Free text"})


def test_a_programme_made_before_providers_were_organisations_must_be_given_one_before_it_changes():
    programme = _programme()
    programme.provider_organisation_id = None
    assert programme.is_run_by(PROVIDER.id) is False
    with pytest.raises(InvalidProgramme) as raised:
        programme.revise({"capacity": 4})
    assert raised.value.problems == {
        "provider_organisation_id": "must name the provider organisation that runs the programme"}
    assert programme.revise({"capacity": 4}, provider=PROVIDER) is True
    assert programme.is_run_by(PROVIDER.id) is True


def test_a_programme_runs_from_its_first_to_its_last_day_and_has_places_up_to_its_capacity():
    programme = _programme(active_from=date(2026, 1, 1), active_to=date(2026, 1, 31), capacity=2)
    assert [programme.is_active_on(d) for d in (date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 31),
                                                date(2026, 2, 1))] == [False, True, True, False]
    assert [programme.has_place(n) for n in (0, 1, 2, 3)] == [True, True, False, False]
    assert _programme(capacity=None).has_place(10_000) is True


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


# --- the referral projection -------------------------------------------------------------------


def test_the_referral_projection_only_moves_forward():
    referral = KnownReferral.heard_of(referral_id=uuid.uuid4(), programme_id=uuid.uuid4(),
                                      status=ReferralStatus.ACCEPTED)
    assert (referral.status, referral.is_detailed) == (ReferralStatus.ACCEPTED, False)
    assert referral.advance(ReferralStatus.RECEIVED) is False
    referral.details_arrived(subject_pseudonym=PSEUDONYM, referred_at=REFERRED_AT)
    assert (referral.status, referral.is_detailed, referral.is_accepted) == (ReferralStatus.ACCEPTED, True, True)
    assert referral.advance(ReferralStatus.WITHDRAWN, "consent withdrawn") is True
    # One ending is final: a later close does not replace the withdrawal or its reason.
    assert referral.advance(ReferralStatus.CLOSED, "no contact") is False
    assert referral.why_stopped() == "the referral was withdrawn: consent withdrawn"


# --- enrolment: request and waiting -------------------------------------------------------------


def test_an_enrolment_for_an_accepted_referral_starts_at_once_and_records_enrolment_started():
    programme = _programme()
    referral = _referral(programme)
    enrolment = _request(programme, referral)

    assert (enrolment.status, enrolment.started_at, enrolment.requested_at) == (EnrolmentStatus.ACTIVE, NOW, NOW)
    assert enrolment.events == [
        EnrolmentStarted(enrolment_id=enrolment.id, referral_id=referral.referral_id, programme_id=programme.id,
                         subject_pseudonym=PSEUDONYM, start_date=date(2026, 2, 10), started_at=NOW)
    ]


def test_an_enrolment_may_start_on_the_day_of_the_referral_and_on_the_programmes_first_and_last_days():
    assert _active(_programme(), start_date=REFERRED_AT.date()).status is EnrolmentStatus.ACTIVE
    programme = _programme(active_from=date(2026, 2, 1), active_to=date(2026, 2, 20))
    assert _active(programme, start_date=date(2026, 2, 1)).status is EnrolmentStatus.ACTIVE
    assert _active(programme, start_date=date(2026, 2, 20)).status is EnrolmentStatus.ACTIVE


def test_an_enrolment_for_a_referral_not_yet_heard_of_awaits_it_and_records_nothing():
    enrolment = _request(_programme(), None)
    assert (enrolment.status, enrolment.started_at, enrolment.events) == \
        (EnrolmentStatus.AWAITING_REFERRAL, None, [])


def test_an_enrolment_for_a_referral_not_yet_accepted_awaits_the_acceptance():
    programme = _programme()
    enrolment = _request(programme, _referral(programme, status=ReferralStatus.RECEIVED))
    assert (enrolment.status, enrolment.events) == (EnrolmentStatus.AWAITING_ACCEPTANCE, [])


def test_a_waiting_enrolment_moves_on_as_the_referral_arrives_then_is_accepted():
    programme = _programme()
    referral_id = uuid.uuid4()
    enrolment = _request(programme, None, referral_id=referral_id)
    referral = _referral(programme, referral_id=referral_id, status=ReferralStatus.RECEIVED)

    enrolment.referral_changed(referral, programme=programme, place_free=True, now=NOW)
    assert (enrolment.status, enrolment.events) == (EnrolmentStatus.AWAITING_ACCEPTANCE, [])

    later = NOW + timedelta(minutes=5)
    referral.advance(ReferralStatus.ACCEPTED)
    enrolment.referral_changed(referral, programme=programme, place_free=True, now=later)
    assert (enrolment.status, enrolment.started_at, enrolment.start_date) == \
        (EnrolmentStatus.ACTIVE, later, date(2026, 2, 10))
    assert [(type(e), e.started_at) for e in enrolment.events] == [(EnrolmentStarted, later)]


def test_an_acceptance_heard_of_before_the_referral_itself_leaves_the_enrolment_awaiting_the_referral():
    programme = _programme()
    referral = KnownReferral.heard_of(referral_id=uuid.uuid4(), programme_id=programme.id,
                                      status=ReferralStatus.ACCEPTED)
    enrolment = _request(programme, referral)
    assert enrolment.status is EnrolmentStatus.AWAITING_REFERRAL
    referral.details_arrived(subject_pseudonym=PSEUDONYM, referred_at=REFERRED_AT)
    enrolment.referral_changed(referral, programme=programme, place_free=True, now=NOW)
    assert enrolment.status is EnrolmentStatus.ACTIVE


def test_the_referral_changing_again_does_not_start_an_active_enrolment_twice():
    programme = _programme()
    referral = _referral(programme)
    enrolment = _request(programme, referral)
    referral.advance(ReferralStatus.ENROLLED)
    enrolment.referral_changed(referral, programme=programme, place_free=True, now=NOW + timedelta(hours=1))
    assert (len(enrolment.events), enrolment.started_at) == (1, NOW)


@pytest.mark.parametrize("status", [ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN, ReferralStatus.CLOSED])
def test_a_referral_that_stopped_is_refused_at_once(status):
    programme = _programme()
    with pytest.raises(InvalidEnrolment, match=f"the referral was {status}: a reason") as raised:
        _request(programme, _referral(programme, status=status))
    assert raised.value.term == "referral_id"


@pytest.mark.parametrize("status", [ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN, ReferralStatus.CLOSED])
def test_a_referral_that_stops_later_rejects_a_waiting_or_waitlisted_enrolment(status):
    programme = _programme()
    referral = _referral(programme, status=ReferralStatus.RECEIVED)
    awaiting = _request(programme, referral)
    waitlisted, its_referral = _waitlisted(programme)
    for enrolment, ref in ((awaiting, referral), (waitlisted, its_referral)):
        ref.advance(status, "moved away")
        enrolment.referral_changed(ref, programme=programme, place_free=True, now=NOW)
        assert (enrolment.status, enrolment.rejection_reason) == \
            (EnrolmentStatus.REJECTED, f"the referral was {status}: moved away")
        assert enrolment.events == []


def test_a_known_referral_to_another_programme_is_refused():
    programme = _programme()
    with pytest.raises(InvalidEnrolment, match="another programme"):
        _request(programme, _referral(programme, programme_id=uuid.uuid4()))


def test_a_referral_to_another_programme_arriving_later_rejects_the_waiting_enrolment_for_good():
    programme = _programme()
    referral_id = uuid.uuid4()
    enrolment = _request(programme, None, referral_id=referral_id)
    enrolment.referral_changed(_referral(programme, referral_id=referral_id, programme_id=uuid.uuid4()),
                               programme=programme, place_free=True, now=NOW)
    assert (enrolment.status, enrolment.rejection_reason) == \
        (EnrolmentStatus.REJECTED, "the referral is to another programme")
    enrolment.referral_changed(_referral(programme, referral_id=referral_id), programme=programme,
                               place_free=True, now=NOW)
    assert (enrolment.status, enrolment.events) == (EnrolmentStatus.REJECTED, [])


def test_a_start_date_before_a_known_referral_is_refused_at_once_and_before_a_late_one_rejects():
    programme = _programme()
    day_before = REFERRED_AT.date() - timedelta(days=1)
    with pytest.raises(InvalidEnrolment, match="start_date is before the referral was made"):
        _request(programme, _referral(programme), start_date=day_before)
    referral_id = uuid.uuid4()
    enrolment = _request(programme, None, referral_id=referral_id, start_date=day_before)
    enrolment.referral_changed(_referral(programme, referral_id=referral_id), programme=programme,
                               place_free=True, now=NOW)
    assert (enrolment.status, enrolment.rejection_reason) == \
        (EnrolmentStatus.REJECTED, "start_date is before the referral was made")


@pytest.mark.parametrize(("start_date", "message"), [
    (TODAY + timedelta(days=1), "start_date is in the future"),
    (date(2025, 12, 31), "start_date is before the programme begins on 2026-01-01"),
    (date(2026, 2, 21), "start_date is after the programme ended on 2026-02-20"),
])
def test_a_start_date_the_programme_rules_out_is_refused_whatever_is_known_of_the_referral(start_date, message):
    programme = _programme(active_from=date(2026, 1, 1), active_to=date(2026, 2, 20))
    with pytest.raises(InvalidEnrolment) as raised:
        _request(programme, None, start_date=start_date)
    assert (str(raised.value), raised.value.term) == (message, "start_date")


def test_a_programme_whose_dates_were_revised_while_the_enrolment_waited_rejects_it_at_the_start():
    programme = _programme()
    referral = _referral(programme, status=ReferralStatus.RECEIVED)
    enrolment = _request(programme, referral, start_date=date(2026, 2, 10))
    programme.revise({"active_to": date(2026, 2, 9)})
    referral.advance(ReferralStatus.ACCEPTED)
    enrolment.referral_changed(referral, programme=programme, place_free=True, now=NOW)
    assert (enrolment.status, enrolment.rejection_reason) == \
        (EnrolmentStatus.REJECTED, "the programme is not active on start_date")


# --- enrolment: the waitlist ---------------------------------------------------------------------


def test_an_enrolment_with_no_place_free_is_waitlisted_and_records_nothing():
    enrolment, _ = _waitlisted(_programme(capacity=1))
    assert (enrolment.status, enrolment.waitlisted_at, enrolment.started_at, enrolment.events) == \
        (EnrolmentStatus.WAITLISTED, NOW, None, [])


def test_an_acceptance_with_no_place_free_waitlists_the_waiting_enrolment():
    programme = _programme(capacity=1)
    referral = _referral(programme, status=ReferralStatus.RECEIVED)
    enrolment = _request(programme, referral)
    referral.advance(ReferralStatus.ACCEPTED)
    enrolment.referral_changed(referral, programme=programme, place_free=False, now=NOW)
    assert (enrolment.status, enrolment.waitlisted_at) == (EnrolmentStatus.WAITLISTED, NOW)


def test_a_waitlisted_enrolment_that_takes_a_free_place_starts_that_day():
    programme = _programme(capacity=1)
    enrolment, referral = _waitlisted(programme)
    later = datetime(2026, 3, 14, 8, 0, tzinfo=UTC)
    enrolment.take_free_place(referral, now=later)
    assert (enrolment.status, enrolment.start_date, enrolment.started_at) == \
        (EnrolmentStatus.ACTIVE, date(2026, 3, 14), later)
    assert enrolment.events == [
        EnrolmentStarted(enrolment_id=enrolment.id, referral_id=referral.referral_id, programme_id=programme.id,
                         subject_pseudonym=PSEUDONYM, start_date=date(2026, 3, 14), started_at=later)
    ]


def test_only_a_waitlisted_enrolment_can_take_a_free_place():
    programme = _programme()
    referral = _referral(programme)
    enrolment = _request(programme, referral)
    with pytest.raises(IllegalTransition):
        enrolment.take_free_place(referral, now=NOW)


def test_a_waitlisted_enrolment_ends_without_an_event_and_only_as_declined_or_other():
    enrolment, _ = _waitlisted(_programme(capacity=1))
    with pytest.raises(InvalidEnrolment, match="declined_support or other") as raised:
        enrolment.end(end_date=TODAY, exit_reason=ExitReason.COMPLETED, now=NOW)
    assert (raised.value.term, enrolment.status) == ("exit_reason", EnrolmentStatus.WAITLISTED)

    enrolment.end(end_date=TODAY, exit_reason=ExitReason.DECLINED_SUPPORT, note="Chose another service", now=NOW)
    assert (enrolment.status, enrolment.exit_reason, enrolment.note, enrolment.started_at) == \
        (EnrolmentStatus.ENDED, ExitReason.DECLINED_SUPPORT, "Chose another service", None)
    assert enrolment.events == []


# --- enrolment: contacts and the end ------------------------------------------------------------


def test_a_contact_on_an_active_enrolment_is_kept_in_utc_and_records_contact_recorded():
    programme = _programme()
    enrolment = _active(programme, start_date=date(2026, 2, 10))
    at = datetime(2026, 2, 10, 0, 30, tzinfo=UTC)
    contact = enrolment.record_contact(contact_at=at, kind=ContactKind.VIDEO, duration_minutes=600, now=NOW)
    assert (contact.enrolment_id, contact.contact_at, contact.recorded_at) == (enrolment.id, at, NOW)
    assert enrolment.events == [
        ContactRecorded(contact_id=contact.id, enrolment_id=enrolment.id, referral_id=enrolment.referral_id,
                        programme_id=programme.id, contact_at=at, kind="video", duration_minutes=600)
    ]


@pytest.mark.parametrize(("contact_at", "minutes", "message"), [
    (datetime(2026, 2, 9, 23, 59, tzinfo=UTC), 30, "contact_at is before start_date"),
    (NOW + timedelta(seconds=1), 30, "contact_at is in the future"),
    (datetime(2026, 3, 1, 10, 0), 30, "contact_at needs a time zone"),
    (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), 0, "duration_minutes must be from 1 to 600"),
    (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), 601, "duration_minutes must be from 1 to 600"),
])
def test_a_contact_that_breaks_a_rule_is_refused_and_records_nothing(contact_at, minutes, message):
    enrolment = _active(_programme(), start_date=date(2026, 2, 10))
    with pytest.raises(InvalidEnrolment, match=message):
        enrolment.record_contact(contact_at=contact_at, kind=ContactKind.PHONE, duration_minutes=minutes, now=NOW)
    assert enrolment.events == []


def test_contacts_are_refused_unless_the_enrolment_is_active():
    programme = _programme(capacity=1)
    waiting, _ = _waitlisted(programme)
    ended = _active(programme)
    ended.end(end_date=TODAY, exit_reason=ExitReason.COMPLETED, now=NOW)
    for enrolment in (waiting, ended, _request(programme, None)):
        with pytest.raises(IllegalTransition):
            enrolment.record_contact(contact_at=NOW, kind=ContactKind.PHONE, duration_minutes=10, now=NOW)


def test_ending_an_active_enrolment_records_enrolment_ended_with_its_referral():
    programme = _programme()
    enrolment = _active(programme)
    enrolment.end(end_date=TODAY, exit_reason=ExitReason.COMPLETED, now=NOW)
    assert (enrolment.status, enrolment.end_date, enrolment.exit_reason) == \
        (EnrolmentStatus.ENDED, TODAY, ExitReason.COMPLETED)
    assert enrolment.events == [
        EnrolmentEnded(enrolment_id=enrolment.id, referral_id=enrolment.referral_id, programme_id=programme.id,
                       end_date=TODAY, exit_reason="completed")
    ]


def test_an_enrolment_may_end_on_the_day_it_started():
    enrolment = _active(_programme(), start_date=date(2026, 2, 10))
    enrolment.end(end_date=date(2026, 2, 10), exit_reason=ExitReason.DECLINED_SUPPORT, now=NOW)
    assert enrolment.status is EnrolmentStatus.ENDED


@pytest.mark.parametrize(("end_date", "message"), [
    (date(2026, 2, 9), "end_date is before start_date"),
    (TODAY + timedelta(days=1), "end_date is in the future"),
])
def test_an_end_before_the_start_or_in_the_future_is_refused_and_changes_nothing(end_date, message):
    enrolment = _active(_programme(), start_date=date(2026, 2, 10))
    with pytest.raises(InvalidEnrolment, match=message) as raised:
        enrolment.end(end_date=end_date, exit_reason=ExitReason.DISENGAGED, now=NOW)
    assert (raised.value.term, enrolment.status, enrolment.end_date, enrolment.events) == \
        ("end_date", EnrolmentStatus.ACTIVE, None, [])


def test_an_ended_enrolment_cannot_be_ended_again():
    enrolment = _active(_programme())
    enrolment.end(end_date=TODAY, exit_reason=ExitReason.COMPLETED, now=NOW)
    enrolment.events.clear()
    with pytest.raises(IllegalTransition):
        enrolment.end(end_date=TODAY, exit_reason=ExitReason.OTHER, now=NOW)
    assert (enrolment.exit_reason, enrolment.events) == (ExitReason.COMPLETED, [])


@pytest.mark.parametrize("status", [EnrolmentStatus.AWAITING_REFERRAL, EnrolmentStatus.AWAITING_ACCEPTANCE,
                                    EnrolmentStatus.REJECTED])
def test_a_waiting_or_rejected_enrolment_cannot_be_ended(status):
    programme = _programme()
    referral = _referral(programme, status=ReferralStatus.RECEIVED)
    enrolment = _request(programme, referral if status is not EnrolmentStatus.AWAITING_REFERRAL else None)
    if status is EnrolmentStatus.REJECTED:
        referral.advance(ReferralStatus.DECLINED)
        enrolment.referral_changed(referral, programme=programme, place_free=True, now=NOW)
    assert enrolment.status is status
    with pytest.raises(IllegalTransition):
        enrolment.end(end_date=TODAY, exit_reason=ExitReason.OTHER, now=NOW)


# --- erasure ------------------------------------------------------------------------------------


def test_an_erased_referral_forgets_its_subject_for_good_and_keeps_its_status_and_dates():
    referral = _referral(_programme(), status=ReferralStatus.ACCEPTED)
    referral.erase()
    assert (referral.subject_pseudonym, referral.is_erased) == (ERASED, True)
    assert (referral.status, referral.referred_at) == (ReferralStatus.ACCEPTED, REFERRED_AT)
    # A ReferralReceived delivered again does not link it to the person again.
    referral.details_arrived(subject_pseudonym=PSEUDONYM, referred_at=REFERRED_AT)
    assert referral.subject_pseudonym == ERASED


def test_an_erasure_clears_an_ended_enrolments_note_and_keeps_the_facts_the_aggregates_need():
    enrolment = _active(_programme())
    enrolment.end(end_date=date(2026, 3, 1), exit_reason=ExitReason.MOVED_AWAY, note="Moved to live with an aunt",
                  now=NOW)
    enrolment.events.clear()
    enrolment.subject_erased()
    assert enrolment.note is None
    assert (enrolment.status, enrolment.start_date, enrolment.end_date, enrolment.exit_reason) == \
        (EnrolmentStatus.ENDED, date(2026, 2, 10), date(2026, 3, 1), ExitReason.MOVED_AWAY)
    assert enrolment.events == []


def test_an_erasure_leaves_an_active_enrolment_active_and_rejects_one_still_waiting():
    programme = _programme()
    active = _active(programme)
    waitlisted, _referral_of_waitlisted = _waitlisted(programme)
    awaiting = _request(programme, _referral(programme, status=ReferralStatus.RECEIVED))
    for enrolment in (active, waitlisted, awaiting):
        enrolment.subject_erased()
    assert active.status is EnrolmentStatus.ACTIVE
    for enrolment in (waitlisted, awaiting):
        assert (enrolment.status, enrolment.rejection_reason) == \
            (EnrolmentStatus.REJECTED, "the young person's data was erased")


def test_no_enrolment_starts_for_an_erased_referral():
    programme = _programme()
    referral = _referral(programme, status=ReferralStatus.RECEIVED)
    waiting = _request(programme, referral)
    referral.erase()
    with pytest.raises(InvalidEnrolment, match="the young person's data was erased") as raised:
        _request(programme, referral, referral_id=uuid.uuid4())
    assert raised.value.term == "referral_id"
    referral.advance(ReferralStatus.ACCEPTED)
    waiting.referral_changed(referral, programme=programme, place_free=True, now=NOW)
    assert (waiting.status, waiting.events) == (EnrolmentStatus.REJECTED, [])

"""The demo plan's enrolments, contacts and outcomes: who is enrolled, how enrolments end, when contacts
happen, and outcomes that pass the outcomes service's checks and differ between programmes."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC
from statistics import mean

from vru_deploy.demo.plan import Step
from vru_deploy.demo.programmes import PROGRAMMES
from vru_interventions.entrypoints.schemas import ContactIn, EnrolmentEndIn
from vru_outcomes.domain.model import OutcomeRecord
from vru_outcomes.domain.projections import CohortMember

from tests.unit.demo_data_support import LAST, OUTCOME_IN, demo_plan, uk_day, with_enrolment


def test_only_referrals_accepted_and_not_withdrawn_or_closed_are_enrolled():
    for p in demo_plan():
        assert (p.enrolment is not None) == (p.steps == (Step("accept"),))


def test_about_half_of_the_enrolments_end_mostly_as_completed_and_all_on_past_days():
    enrolled = with_enrolment(demo_plan())
    ended = [p.enrolment for p in enrolled if p.enrolment.end is not None]
    assert 0.35 < len(ended) / len(enrolled) < 0.6
    assert Counter(e.end[1] for e in ended).most_common(1)[0][0] == "completed"
    for p in enrolled:
        e = p.enrolment
        assert uk_day(p.referred_at) <= e.start_date <= LAST
        if e.end is not None:
            assert e.start_date <= e.end[0] <= LAST
            EnrolmentEndIn(end_date=e.end[0], exit_reason=e.end[1])


def test_contacts_start_hours_or_days_after_the_referral_and_stay_within_the_enrolment():
    enrolled = with_enrolment(demo_plan())
    waits = []
    for p in enrolled:
        e = p.enrolment
        moments = [ContactIn.model_validate(c).contact_at for c in e.contacts]
        assert moments == sorted(moments)
        for moment in moments:
            assert e.start_date <= moment.astimezone(UTC).date() <= (e.end[0] if e.end else LAST)
        if moments:
            waits.append((moments[0] - p.referred_at).total_seconds() / 3600)
    assert min(waits) >= 2
    assert sorted(waits)[len(waits) // 2] < 24 * 7
    assert sum(bool(p.enrolment.contacts) for p in enrolled) / len(enrolled) > 0.9


def test_every_planned_outcome_passes_the_outcomes_services_checks_against_the_enrolment_start():
    for p in with_enrolment(demo_plan()):
        member = CohortMember(enrolment_id=uuid.uuid4(), referral_id=uuid.uuid4(), programme_id=uuid.uuid4(),
                              subject_pseudonym="p", start_date=p.enrolment.start_date)
        for body in p.enrolment.outcomes:
            o = OUTCOME_IN.validate_python({"enrolment_id": str(member.enrolment_id), **body})
            assert (o.proven_date if o.domain == "reoffending" else o.observed_on) <= LAST
            if o.domain == "reoffending":
                record = OutcomeRecord.record_reoffence(
                    enrolment_id=o.enrolment_id, offence_date=o.offence_date, proven_date=o.proven_date,
                    disposal=o.disposal, offence_category=o.offence_category, member=member)
            elif o.domain == "wellbeing":
                record = OutcomeRecord.record_wellbeing(
                    enrolment_id=o.enrolment_id, point=o.point, follow_up_months=o.follow_up_months,
                    observed_on=o.observed_on, scale=o.scale, score=o.score, member=member)
            else:
                record = OutcomeRecord.record_ete(
                    enrolment_id=o.enrolment_id, point=o.point, follow_up_months=o.follow_up_months,
                    observed_on=o.observed_on, status="neet", member=member)
            assert record.validation == "valid"


def test_every_enrolment_has_a_baseline_ete_record_and_every_ended_one_an_exit_ete_record():
    for p in with_enrolment(demo_plan()):
        ete = [o["point"] for o in p.enrolment.outcomes if o["domain"] == "ete"]
        assert ete[0] == "baseline"
        assert ("exit" in ete) == (p.enrolment.end is not None)


def test_outcomes_cover_every_domain_with_follow_ups_and_some_proven_reoffences():
    outcomes = [o for p in with_enrolment(demo_plan()) for o in p.enrolment.outcomes]
    assert {o["domain"] for o in outcomes} == {"ete", "wellbeing", "accommodation", "substance_misuse",
                                               "reoffending"}
    assert {o["follow_up_months"] for o in outcomes if o.get("point") == "follow_up"} == {6, 12}
    assert 20 < sum(o["domain"] == "reoffending" for o in outcomes) < 150


def _rate(plan, name, keep) -> float:
    chosen = [p for p in with_enrolment(plan) if p.programme == name]
    return sum(keep(p.enrolment) for p in chosen) / len(chosen)


def test_programmes_reach_different_ete_and_reoffending_rates():
    plan = demo_plan(3000)
    in_ete_at_exit = {spec.name: _rate([p for p in plan if p.enrolment and p.enrolment.end], spec.name,
                                       lambda e: any(o.get("point") == "exit" and o["domain"] == "ete"
                                                     and o["status"] != "neet" for o in e.outcomes))
                      for spec in PROGRAMMES}
    assert max(in_ete_at_exit.values()) - min(in_ete_at_exit.values()) > 0.2
    reoffended = {spec.name: _rate(plan, spec.name, lambda e: any(o["domain"] == "reoffending" for o in e.outcomes))
                  for spec in PROGRAMMES}
    assert max(reoffended, key=reoffended.get) == "Through the Gate Prison Mentoring"
    assert min(reoffended, key=reoffended.get) == "School Inclusion Mentoring"


def test_wellbeing_scores_are_swemwbs_totals_and_rise_from_baseline_to_exit():
    scores: dict[str, list[int]] = {"baseline": [], "exit": []}
    for p in with_enrolment(demo_plan(2000)):
        for o in p.enrolment.outcomes:
            if o["domain"] == "wellbeing":
                assert o["scale"] == "swemwbs" and 7 <= o["score"] <= 35
                scores.setdefault(o["point"], []).append(o["score"])
    assert mean(scores["exit"]) > mean(scores["baseline"]) + 1

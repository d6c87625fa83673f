"""The access rules of the outcomes domain, without a database: audiences by role, a query kept
to some programmes, and what an erasure covers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from vru_outcomes.domain.catalogue import CATALOGUE
from vru_outcomes.domain.metric_access import AudienceNotAllowed, access_for, audience_for
from vru_outcomes.domain.metric_query import AUDIENCES, PROGRAMME, parse_query
from vru_outcomes.domain.projections import CohortMember, Erasure, subject_digest
from vru_shared.auth import Role

A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))


def _query(**filters):
    return parse_query(CATALOGUE["funnel.accepted"], today=date(2025, 6, 1), filters=filters)


def test_a_referrer_may_ask_for_no_audience_at_all():
    with pytest.raises(AudienceNotAllowed, match="may ask for: none"):
        audience_for(Role.REFERRER, None, AUDIENCES)
    assert access_for(Role.REFERRER).own_programmes_only


def test_an_audience_nobody_knows_is_passed_on_to_be_refused_as_invalid_input():
    assert audience_for(Role.VRU, "press", AUDIENCES) == "press"


def test_the_vru_is_told_which_audiences_it_may_ask_for():
    with pytest.raises(AudienceNotAllowed) as refused:
        audience_for(Role.VRU, "internal", AUDIENCES)
    assert refused.value.allowed == ("vru", "public")
    assert str(refused.value) == ("a vru organisation may not ask for the internal audience; "
                                  "the audiences it may ask for: vru, public")


def test_without_a_programme_filter_a_query_is_kept_to_the_programmes_given():
    kept = _query().within_programmes([B, A])
    assert kept.filters[PROGRAMME] == tuple(sorted((str(A), str(B))))


def test_a_programme_filter_keeps_only_the_programmes_given():
    kept = _query(programme_id=[f"{A},{C}"]).within_programmes([A, B])
    assert kept.filters[PROGRAMME] == (str(A),)


def test_a_query_kept_to_no_programmes_matches_nothing():
    assert _query(programme_id=[str(C)]).within_programmes([A]).filters[PROGRAMME] == ()
    assert _query().within_programmes([]).filters[PROGRAMME] == ()


def test_other_filters_survive_the_programme_restriction():
    kept = _query(source=["custody"]).within_programmes([A])
    assert kept.filters["source"] == ("custody",)


def _member(started_at: datetime | None) -> CohortMember:
    return CohortMember(enrolment_id=A, referral_id=B, programme_id=C, subject_pseudonym="f" * 64,
                        start_date=date(2025, 1, 1), started_at=started_at)


def test_an_erasure_covers_enrolments_started_up_to_it_and_those_of_unknown_start():
    erasure = Erasure(subject_digest("f" * 64), datetime(2025, 3, 1, tzinfo=UTC), "retention")
    assert erasure.covers(_member(datetime(2025, 3, 1, tzinfo=UTC)))
    assert erasure.covers(_member(None))
    assert not erasure.covers(_member(datetime(2025, 3, 1, 0, 1, tzinfo=UTC)))


def test_a_forgotten_member_keeps_everything_but_its_subject():
    member = _member(datetime(2025, 1, 1, tzinfo=UTC))
    member.forget_subject()
    assert (member.subject_pseudonym, member.erased) == (f"erased:{A.hex}", True)
    assert (member.programme_id, member.start_date) == (C, date(2025, 1, 1))


def test_the_digest_kept_of_a_pseudonym_is_not_the_pseudonym():
    digest = subject_digest("f" * 64)
    assert len(digest) == 64 and digest != "f" * 64 and digest == subject_digest("f" * 64)

"""The demo's programmes and organisations: valid programmes, a provider for each, seven referrers and a
VRU, and each referral made and decided by the right one."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from vru_deploy.demo.loader import PIPELINES
from vru_deploy.demo.organisations import ORGANISATIONS
from vru_deploy.demo.programmes import PROGRAMMES
from vru_interventions.entrypoints.schemas import ProgrammeIn

from tests.unit.demo_data_support import ALL_SOURCES, REFERRER_OF, SPECS, TODAY, demo_plan


def test_the_programmes_are_valid_running_for_over_two_years_and_some_have_a_place_limit():
    for spec in PROGRAMMES:
        body = ProgrammeIn.model_validate(spec.body(TODAY, str(uuid.uuid4())))
        assert body.active_from <= TODAY - timedelta(days=731)
    assert {s for spec in PROGRAMMES for s in spec.sources} == ALL_SOURCES
    assert any(spec.capacity for spec in PROGRAMMES)
    assert all(spec.capacity is None or spec.capacity > PIPELINES for spec in PROGRAMMES)


def test_every_referral_is_made_by_the_referrer_of_its_source_and_decided_by_its_programmes_provider():
    for p in demo_plan():
        assert p.referrer == REFERRER_OF[p.source]
        assert p.provider == SPECS[p.programme].provider


def test_the_demo_has_a_provider_per_programme_seven_referrers_and_a_vru_all_with_distinct_names():
    roles = Counter(o.role for o in ORGANISATIONS)
    assert roles == {"provider": 5, "referrer": 7, "vru": 1}
    assert len({o.name.casefold() for o in ORGANISATIONS}) == 13
    assert {o.name for o in ORGANISATIONS if o.role == "provider"} == {s.provider for s in PROGRAMMES}

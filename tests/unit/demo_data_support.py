"""The demo plan as the tests of its shape see it: a fixed day, the services' own request checks, and
who refers from each source, written out by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter

from vru_deploy.demo import plan_demo
from vru_deploy.demo.programmes import PROGRAMMES
from vru_outcomes.entrypoints.schemas import OutcomeIn
from vru_referrals.entrypoints.requests import ReferralIn


TODAY = date(2026, 5, 1)
LAST = TODAY - timedelta(days=1)
UK = ZoneInfo("Europe/London")
REFERRAL_IN = TypeAdapter(ReferralIn)
OUTCOME_IN = TypeAdapter(OutcomeIn)
SPECS = {p.name: p for p in PROGRAMMES}
ALL_SOURCES = {"custody", "emergency_department", "school", "community", "youth_justice", "probation", "prison",
               "self"}


def demo_plan(referrals: int = 600, seed: int = 2026, salt: int = 0):
    return plan_demo(referrals, seed=seed, today=TODAY, salt=salt)


def uk_day(moment: datetime) -> date:
    return moment.astimezone(UK).date()


def with_enrolment(plan):
    return [p for p in plan if p.enrolment is not None]


# Who refers from each source, written out by hand: the loader must act as exactly these.
REFERRER_OF = {
    "custody": "Exampleshire Police Custody and Investigation Command",
    "emergency_department": "Exampleton Hospitals NHS Trust Emergency Department",
    "school": "Northmere Learning Trust",
    "youth_justice": "Exampleshire Youth Justice Service",
    "probation": "Exampleshire Probation Delivery Unit",
    "prison": "HMP Exampleton",
    "community": "Southby Community Hub",
    "self": "Southby Community Hub",
}

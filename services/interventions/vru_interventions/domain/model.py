"""The interventions domain in one import: organisations, programmes, known referrals, enrolments and contacts."""

from vru_interventions.domain.enrolments import (
    NEVER_STARTED_EXITS,
    WAITING,
    Contact,
    ContactKind,
    Enrolment,
    EnrolmentStatus,
    ExitReason,
    IllegalTransition,
    InvalidEnrolment,
)
from vru_interventions.domain.organisations import Organisation, OrganisationRole
from vru_interventions.domain.programmes import REFERRAL_SOURCES, InvalidProgramme, PreventionTier, Programme
from vru_interventions.domain.referrals import ERASED, KnownReferral, ReferralStatus

__all__ = [
    "ERASED",
    "NEVER_STARTED_EXITS",
    "REFERRAL_SOURCES",
    "WAITING",
    "Contact",
    "ContactKind",
    "Enrolment",
    "EnrolmentStatus",
    "ExitReason",
    "IllegalTransition",
    "InvalidEnrolment",
    "InvalidProgramme",
    "KnownReferral",
    "Organisation",
    "OrganisationRole",
    "PreventionTier",
    "Programme",
    "ReferralStatus",
]

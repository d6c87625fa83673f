"""Valid synthetic request bodies for the public API, shared by the system and fault tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

SOURCE_DETAILS = {
    "custody": lambda at: {"custody_suite": "Example Custody Suite", "arrested_at": at.isoformat(),
                           "offence_category": "possession_of_weapons"},
    "emergency_department": lambda at: {"site_code": "RXX01", "arrived_at": (at + timedelta(minutes=40)).isoformat(),
                                        "assault_at": at.isoformat(), "assault_method": "knife_or_sharp_object",
                                        "assault_location_type": "street_or_public_place"},
    "school": lambda at: {"school_urn": "100000", "exclusion_type": "suspension", "exclusion_reasons": ["OW"]},
}


def programme(name: str | None = None, *, provider_organisation_id: str, capacity: int | None = None) -> dict[str, Any]:
    return {
        "name": name or f"Custody and A&E mentoring {uuid.uuid4().hex[:8]}",
        "provider_organisation_id": provider_organisation_id,
        "tier": "tertiary",
        "accepted_sources": ["custody", "emergency_department", "school"],
        "min_age": 10,
        "max_age": 24,
        "capacity": capacity,
        "active_from": (date.today() - timedelta(days=730)).isoformat(),
    }


def referral(programme_id: str, source: str, identifiers: list[dict[str, str]], *,
             given_name: str = "Alex", family_name: str = "Example") -> dict[str, Any]:
    referred_at = datetime.now(UTC) - timedelta(days=30)
    index_event_at = referred_at - timedelta(hours=5)
    return {
        "programme_id": programme_id,
        "source": source,
        "referred_at": referred_at.isoformat(),
        "index_event_at": index_event_at.isoformat(),
        "source_details": SOURCE_DETAILS[source](index_event_at),
        "young_person": {
            "given_name": given_name,
            "family_name": family_name,
            "date_of_birth": "2009-06-15",
            "sex": "female",
            "ethnicity": {"coding": "nhs_2001", "code": "M"},
            "contact": {"phone": "07700 900123", "address": {"lines": ["1 Example Street"], "postcode": "EX1 1AA"}},
        },
        "identifiers": identifiers,
        "risk_factors": ["weapon_carrying"],
        "lawful_basis": {"basis": "consent", "given": True, "recorded_by": "Referrer (synthetic)",
                         "recorded_at": referred_at.isoformat()},
    }


def ete(enrolment_id: str, point: str, observed_on: date, status: str) -> dict[str, Any]:
    return {"enrolment_id": enrolment_id, "domain": "ete", "point": point,
            "observed_on": observed_on.isoformat(), "status": status}

"""The rules a request the document calls valid may still break: those no JSON Schema can state.

Schemathesis's positive_data_acceptance takes a schema-valid request refused with 422 as a gap in the
schema. A gap it is, when the refused rule is one a schema can say (a pattern, a code list, one field
needing another): those are in the document, and a request breaking them is a failure here. What a
schema cannot say is a value against today (not in the future), against another field (not after
referred_at), against a record the platform holds (an unknown programme, a date before the enrolment
started) or a count after whitespace is tidied; RFC 9110 (15.5.21) gives such well-formed but
unprocessable requests 422. Each is listed here, by operation and the field the problem names, with the
rule, and a 422 passes only when every field it names is listed for its operation.
"""

from __future__ import annotations

import re

# A time in the first or last hours of the calendar has no UTC form (vru_shared.instants); `date-time`
# cannot say so.
NO_UTC_FORM = "is outside the range of dates this platform can hold"

_REFERRAL_MOMENTS = {
    "/body/referred_at": "not in the future",
    "/body/index_event_at": "not after referred_at",
    "/body/young_person/date_of_birth": "before the day of the index event; the programme's age range",
    "/body/source_details/(arrested_at|assault_at)": "equals index_event_at",
    "/body/source_details/arrived_at": "between the assault and referred_at",
    "/body/lawful_basis/recorded_at": "not in the future",
}
_PROGRAMME_TERMS = {
    "/body/provider_organisation_id": "an active provider organisation the interventions service has heard of",
    "/body/(min_age|max_age)": "min_age not above max_age",
    "/body/(active_from|active_to)": "active_to not before active_from",
}

RULES: dict[str, dict[str, str]] = {
    "POST /v1/referrals": {
        **_REFERRAL_MOMENTS,
        "/body/programme_id": "a programme this service has heard of, active, taking the source and the age",
        "/body/source": "a source the programme takes",
        "/body/identifiers/[0-9]+": "one identifier of each national type",
        "/body/source_details/(exclusion_reasons(/[0-9]+)?|code_list_version)":
            "codes of the DfE list version in force on the day of the index event",
        "/body/lawful_basis/justification": "10 characters once whitespace runs count as one (a pattern would need "
                                            "look-ahead)",
    },
    "POST /v1/programmes": _PROGRAMME_TERMS,
    "PATCH /v1/programmes/{programme_id}": _PROGRAMME_TERMS,
    "POST /v1/enrolments": {
        "/body/start_date": "not in the future, and a day the programme runs",
        "/body/referral_id": "a referral still open, of a young person not erased, for this programme",
    },
    "POST /v1/enrolments/{enrolment_id}/contacts": {"/body/contact_at": "not before the start, not in the future"},
    "POST /v1/enrolments/{enrolment_id}/end": {
        "/body/end_date": "not before the start, not in the future",
        "/body/exit_reason": "declined_support or other, for a waitlisted enrolment (it never started)",
    },
    "POST /v1/outcomes": {
        "/body/observed_on": "not in the future; not long before the enrolment started, or its follow-up",
        "/body/proven_date": "not before offence_date, not in the future",
    },
    "GET /v1/metrics/{metric_id}": {
        "/query/from": "not after to",
        "/query/group_by": "reason only for a breakdown metric",
        "/query/as_of": "not in the future",
    },
}


def _errors(body: object) -> list[dict[str, str]]:
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return []
    return [e for e in body["errors"] if isinstance(e, dict)]


def broken_rules(label: str, status: int, body: object) -> list[str] | None:
    """The listed rules a refusal names, or None when it names anything else (or nothing)."""
    errors = _errors(body)
    if status != 422 or not errors:
        return None
    rules = RULES.get(label, {})
    named = []
    for error in errors:
        pointer, detail = str(error.get("pointer")), str(error.get("detail"))
        if NO_UTC_FORM in detail:
            named.append(f"{pointer}: {NO_UTC_FORM}")
            continue
        rule = next((why for field, why in rules.items() if re.fullmatch(field, pointer)), None)
        if rule is None:
            return None
        named.append(f"{pointer}: {rule}")
    return named

"""Which refusals of a schema-valid request the contract test lets pass: only 422s whose every named
field is listed for the operation with a rule no schema can state."""

from __future__ import annotations

from tests.contract.rules_beyond_the_schema import NO_UTC_FORM, broken_rules


def _problem(*errors: tuple[str, str]) -> dict:
    return {"type": "https://vru-platform.example/problems/validation-error", "status": 422,
            "errors": [{"pointer": pointer, "detail": detail} for pointer, detail in errors]}


def test_a_refusal_naming_only_listed_rules_is_the_api_working():
    rules = broken_rules("POST /v1/referrals", 422, _problem(
        ("/body/referred_at", "referred_at is in the future"),
        ("/body/source_details/arrested_at", "arrested_at must equal index_event_at")))

    assert rules == ["/body/referred_at: not in the future", "/body/source_details/arrested_at: equals index_event_at"]


def test_a_refusal_naming_a_field_whose_rules_the_schema_states_is_a_gap_in_the_document():
    assert broken_rules("POST /v1/referrals", 422, _problem(
        ("/body/referred_at", "referred_at is in the future"),
        ("/body/young_person/contact/phone", "'' is not a phone number"))) is None


def test_a_rule_listed_for_one_operation_excuses_nothing_in_another():
    assert broken_rules("POST /v1/enrolments/{enrolment_id}/end", 422, _problem(
        ("/body/referred_at", "referred_at is in the future"))) is None


def test_a_listed_field_deeper_than_its_rule_is_not_excused():
    # identifiers/0 is "one of each national type"; identifiers/0/value is a pattern and format's to state.
    assert broken_rules("POST /v1/referrals", 422, _problem(("/body/identifiers/0/value", "check digit"))) is None


def test_an_instant_with_no_utc_form_is_excused_on_any_field():
    assert broken_rules("POST /v1/enrolments/{enrolment_id}/contacts", 422,
                        _problem(("/body/contact_at", NO_UTC_FORM))) == [f"/body/contact_at: {NO_UTC_FORM}"]


def test_a_refusal_that_is_not_a_422_naming_fields_is_never_excused():
    assert broken_rules("POST /v1/referrals", 400, _problem(("/body/referred_at", "in the future"))) is None
    assert broken_rules("POST /v1/referrals", 422, {"type": "x", "status": 422}) is None

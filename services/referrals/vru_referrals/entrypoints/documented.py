"""What the referrals document says of the fields the domain checks: patterns, formats and code lists.

The domain's checks (vru_referrals.domain) stay the ones that refuse, with their own messages; these
only write the same rules into the OpenAPI document, so that what it calls valid passes them and what
it calls invalid does not. tests/contract/test_documented_patterns.py holds each pattern to its check.
What a pattern cannot say (a check digit) is a named format; what no schema can say (a time against
today, one field against another) stays in the descriptions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from vru_shared.request_fields import NON_BLANK, WHITESPACE

from vru_referrals.domain.check_digits import UPN_LETTERS
from vru_referrals.domain.code_lists import catalogue

Schema = dict[str, Any]

_SPACE = f"[{WHITESPACE}]*"  # what strip() takes off either end


def _spaced(tokens: Iterable[str], gap: str) -> str:
    """The tokens in order, with any run of the separators the check removes before, between and after."""
    return gap + gap.join(tokens) + gap


def _either_case(letters: str) -> str:
    return letters + letters.lower()


# --- contact details (vru_referrals.domain.people) --------------------------------------------

_PHONE_GAP = r"[ \t().-]*"


def _digits(first: str, more: str) -> str:
    return f"{first}(?:{_PHONE_GAP}[0-9]){more}"


# A UK number from 0, +44 and the same, or another country's +code (not 44) with 7 to 15 digits.
PHONE = (
    f"^{_PHONE_GAP}(?:"
    f"0{_PHONE_GAP}{_digits('[1-9]', '{8,9}')}"
    f"|\\+{_PHONE_GAP}4{_PHONE_GAP}4{_PHONE_GAP}{_digits('[1-9]', '{8,9}')}"
    f"|\\+{_PHONE_GAP}(?:{_digits('[1-35-9]', '{6,14}')}|4{_PHONE_GAP}{_digits('[0-35-9]', '{5,13}')})"
    f"){_PHONE_GAP}$"
)
EMAIL = f"^{_SPACE}[^@{WHITESPACE}]+@[^@{WHITESPACE}]+\\.[^@{WHITESPACE}]+{_SPACE}$"

_POSTCODE_GAP = r"[ \t]*"
_AREA = f"[{_either_case('A-PR-UWYZ')}]"
_DISTRICT_LETTER = f"[{_either_case('A-HK-Y')}]"
_UNIT = f"[{_either_case('ABD-HJLNP-UW-Z')}]"


def _postcode() -> str:
    g = _POSTCODE_GAP
    digit = "[0-9]"
    district = f"{digit}(?:{g}{digit})?"
    outward = "|".join([
        f"{_AREA}{g}{district}",
        f"{_AREA}{g}{_DISTRICT_LETTER}{g}{district}",
        f"{_AREA}{g}{digit}{g}[{_either_case('A-HJKPSTUW')}]",
        f"{_AREA}{g}{_DISTRICT_LETTER}{g}{digit}{g}[{_either_case('ABEHMNPRVWXY')}]",
    ])
    girobank = _spaced(["[Gg]", "[Ii]", "[Rr]", "0", "[Aa]", "[Aa]"], g)
    return f"^(?:{g}(?:{outward}){g}{digit}{g}{_UNIT}{g}{_UNIT}{g}|{girobank})$"


POSTCODE = _postcode()

# --- source details (vru_referrals.domain.source_details) -------------------------------------

ODS_SITE_CODE = f"^{_SPACE}[A-Za-z][A-Za-z0-9]{{4}}{_SPACE}$"
# Partition 00 or 10 in the two digits before the check digit; the check digit is the format's.
SNOMED_CONCEPT = f"^{_SPACE}[1-9][0-9]{{2,14}}[01]0[0-9]{_SPACE}$"

# --- identifiers (vru_referrals.domain.identifiers) -------------------------------------------

_ID_GAP = r"[ \t]*"
_UPN_LETTER = f"[{_either_case(''.join(UPN_LETTERS))}]"
IDENTIFIER_SHAPES: dict[str, Schema] = {
    "nhs_number": {
        "pattern": r"^[ \t-]*(?:[0-9][ \t-]*){10}$",
        "format": "nhs-number",
        "description": "10 digits (spaces or hyphens between them are ignored), the last its modulus 11 "
                       "check digit.",
    },
    "pnc_id": {
        "pattern": "^" + _spaced(["[0-9]", "[0-9]", "(?:[0-9]", "[0-9])?", "/", "[0-9]",
                                  "(?:[0-9]" + _ID_GAP + "){0,6}" + f"[{_either_case('A-Z')}]"], _ID_GAP) + "$",
        "format": "pnc-id",
        "description": "YY/NNNNNNNC: a 2- or 4-digit year, a serial of up to 7 digits and its modulus 23 check "
                       "character.",
    },
    "upn": {
        "pattern": "^" + _spaced([_UPN_LETTER, "(?:[0-9]" + _ID_GAP + "){11}" + f"(?:[0-9]|{_UPN_LETTER})"],
                                 _ID_GAP) + "$",
        "format": "upn",
        "description": "A check letter, 11 digits and a final digit or letter (never I, O or S); the first "
                       "letter is the modulus 23 check of the rest.",
    },
    "local": {"pattern": NON_BLANK, "description": "As the issuer assigned it."},
}


def identifier_schema(schema: Schema) -> None:
    """One shape per identifier type: its value's pattern and format, and an issuer for a local id alone."""
    national = {"anyOf": [{"type": "null"}], "description": "Only a local id has an issuer."}
    variants = []
    for kind, shape in IDENTIFIER_SHAPES.items():
        issuer = {"type": "string", "maxLength": 200, "pattern": NON_BLANK} if kind == "local" else national
        variants.append({
            "properties": {"type": {"const": kind}, "value": shape, "issuer": issuer},
            **({"required": ["issuer"]} if kind == "local" else {}),
        })
    schema["oneOf"] = variants


# --- codes (vru_referrals.domain.code_lists) --------------------------------------------------


def codes_of(list_name: str, *, chosen_by_provider: bool = False) -> list[str]:
    """The codes of a list: of every version, for a versioned one (which applies is a rule of the
    referral's own dates), and only those a provider may give, when `chosen_by_provider`."""
    entries = [entry for version in catalogue()[list_name].versions for entry in version.entries]
    if chosen_by_provider:
        entries = [e for e in entries if e.attributes.get("provider_may_choose", True)]
    return list(dict.fromkeys(e.code for e in entries))


def enum_of(list_name: str, *, chosen_by_provider: bool = False) -> Callable[[Schema], None]:
    """Filled in when the document is made, so a list changed in its file is documented as it is."""

    def document(schema: Schema) -> None:
        schema["enum"] = codes_of(list_name, chosen_by_provider=chosen_by_provider)

    return document


def versions_of(list_name: str) -> Callable[[Schema], None]:
    def document(schema: Schema) -> None:
        # The field is nullable: an enum beside the anyOf would refuse null, so the string branch gets it.
        versions = [v.version for v in catalogue()[list_name].versions]
        for branch in schema.get("anyOf", [schema]):
            if branch.get("type") == "string":
                branch["enum"] = versions

    return document


def nhs_ethnic_category() -> str:
    """A letter of the NHS 2001 list, in either case (it is upper-cased before the look-up)."""
    letters = "|".join(f"[{code}{code.lower()}]" for code in codes_of("nhs_ethnic_categories_2001"))
    return f"^{_SPACE}(?:{letters}){_SPACE}$"


def ethnicity_schema(schema: Schema) -> None:
    schema["oneOf"] = [
        {"properties": {"coding": {"const": "ons_2021"}, "code": {"enum": codes_of("ethnicities")}}},
        {"properties": {"coding": {"const": "nhs_2001"}, "code": {"pattern": nhs_ethnic_category()}}},
    ]


# --- rules across fields that a schema can state ----------------------------------------------


def one_of_present(*names: str) -> Callable[[Schema], None]:
    """At least one of the fields given, and not as null."""

    def document(schema: Schema) -> None:
        schema["anyOf"] = [{"required": [name], "properties": {name: {"not": {"type": "null"}}}} for name in names]

    return document


def note_when_other(schema: Schema) -> None:
    """A reason of other needs a note that is not blank."""
    schema["anyOf"] = [
        {"properties": {"reason": {"not": {"const": "other"}}}},
        {"required": ["note"], "properties": {"note": {"type": "string", "pattern": NON_BLANK}}},
    ]

"""The code lists the demo picks from, each with the weight of its codes, and the synthetic names
and places it uses. Names are made up, phone numbers are in Ofcom's drama range (07700 900xxx),
email addresses at example.org and postcodes in a made-up area (ZX)."""

from __future__ import annotations

import random
from datetime import date

Weighted = tuple[tuple[str, float], ...]


def weighted(rng: random.Random, pairs: Weighted) -> str:
    """One code, drawn by its weight."""
    return rng.choices([k for k, _ in pairs], [w for _, w in pairs])[0]


# --- referral sources ---------------------------------------------------------------------------

SOURCES: Weighted = (("custody", 22), ("emergency_department", 20), ("school", 20), ("community", 12),
                     ("youth_justice", 8), ("prison", 7), ("probation", 5), ("self", 6))
# Age at referral by source (first age, weights from it); a programme's range then cuts it.
AGES = {
    "custody": (12, (1, 2, 4, 6, 8, 9, 8, 6, 4, 3, 2, 1, 1)),
    "youth_justice": (10, (1, 1, 3, 5, 8, 9, 8, 6)),
    "emergency_department": (10, (1, 1, 2, 3, 6, 8, 9, 8, 6, 4, 3, 2, 1, 1, 1)),
    "school": (10, (1, 2, 4, 7, 9, 8, 5, 2)),
    "community": (10, (1, 2, 3, 5, 7, 8, 7, 5, 3, 2, 1, 1)),
    "self": (13, (2, 4, 6, 7, 7, 6, 4, 3, 2, 1, 1, 1)),
    "prison": (18, (8, 8, 7, 5, 4, 3, 2)),
    "probation": (18, (6, 7, 7, 6, 5, 4, 3)),
}
# Hours from the index event (arrest, assault, exclusion...) to the referral.
INDEX_TO_REFERRAL_HOURS = {"custody": (2, 30), "emergency_department": (1, 10), "school": (2, 240),
                           "community": (4, 336), "youth_justice": (24, 720), "probation": (24, 720),
                           "prison": (24, 1440), "self": (2, 168)}
RECORDED_BY = {
    "custody": "Custody youth worker (synthetic)", "emergency_department": "A&E youth navigator (synthetic)",
    "school": "Designated safeguarding lead (synthetic)", "community": "Outreach worker (synthetic)",
    "youth_justice": "YJS case manager (synthetic)", "probation": "Probation practitioner (synthetic)",
    "prison": "Prison resettlement officer (synthetic)", "self": "Outreach duty worker (synthetic)",
}
STATUTORY = {
    "youth_justice": "Youth justice service's statutory duty to prevent offending by children (synthetic record).",
    "probation": "Probation service's public task of supervising people on licence (synthetic record).",
    "prison": "Prison resettlement duties under the offender management model (synthetic record).",
}
RISK_FACTORS: dict[str, Weighted] = {
    "custody": (("weapon_carrying", 6), ("criminal_exploitation", 4), ("county_lines", 4), ("gang_association", 4),
                ("substance_misuse", 3), ("missing_episodes", 2), ("school_exclusion", 2)),
    "emergency_department": (("victim_of_violence", 9), ("weapon_carrying", 3), ("gang_association", 2),
                             ("mental_health", 3), ("substance_misuse", 2), ("domestic_abuse", 2)),
    "school": (("school_exclusion", 8), ("send", 5), ("weapon_carrying", 2), ("criminal_exploitation", 2),
               ("domestic_abuse", 2), ("mental_health", 2), ("bereavement", 1), ("care_experienced", 1)),
    "community": (("gang_association", 4), ("criminal_exploitation", 3), ("missing_episodes", 3),
                  ("weapon_carrying", 3), ("substance_misuse", 2), ("care_experienced", 2), ("bereavement", 1)),
    "youth_justice": (("criminal_exploitation", 5), ("county_lines", 4), ("weapon_carrying", 4),
                      ("care_experienced", 3), ("send", 2), ("substance_misuse", 2)),
    "prison": (("gang_association", 5), ("substance_misuse", 5), ("weapon_carrying", 3), ("mental_health", 3),
               ("care_experienced", 2)),
    "probation": (("substance_misuse", 5), ("gang_association", 4), ("weapon_carrying", 3), ("mental_health", 3),
                  ("domestic_abuse", 2)),
    "self": (("mental_health", 4), ("victim_of_violence", 4), ("bereavement", 3), ("substance_misuse", 2),
             ("domestic_abuse", 2)),
}
OFFENCES: Weighted = (("violence_against_the_person", 30), ("possession_of_weapons", 22), ("robbery", 12),
                      ("drug_offences", 14), ("public_order_offences", 8), ("theft_offences", 7),
                      ("criminal_damage_and_arson", 5), ("miscellaneous_crimes_against_society", 2))
ASSAULT_METHODS: Weighted = (("knife_or_sharp_object", 38), ("body_part", 34), ("blunt_object", 20),
                             ("firearm", 2), ("other", 6))
ASSAULT_PLACES: Weighted = (("street_or_public_place", 50), ("home", 15), ("pub_or_club", 8),
                            ("school_or_college", 10), ("public_transport", 7), ("workplace", 2), ("other", 8))
# SNOMED CT 52684005 |Assault (event)|, sent with about half of the A&E referrals.
ASSAULT_CONCEPT = "52684005"
EXCLUSION_TYPES: Weighted = (("suspension", 60), ("at_risk_of_exclusion", 22), ("permanent_exclusion", 12),
                             ("managed_move", 6))
# DfE exclusion reason codes by the first day of the version that introduced them: a reason is
# only valid from its version on, so an exclusion picks from the version in force that day.
DFE_VERSIONS = (
    (date(2006, 9, 1), ("PP", "PA", "VP", "VA", "BU", "RA", "SM", "DA", "DM", "TH", "PD")),
    (date(2020, 9, 1), ("PP", "PA", "VP", "VA", "OW", "BU", "RA", "SM", "DA", "DM", "TH", "PD", "MT")),
)
DFE_WEIGHTS = {"PD": 30, "PP": 15, "VA": 12, "PA": 8, "VP": 8, "OW": 8, "DA": 8, "BU": 4, "DM": 4, "TH": 3,
               "MT": 3, "SM": 2, "RA": 2}
SELF_CHANNELS: Weighted = (("phone", 4), ("online", 3), ("in_person", 3))
PLACES = {
    "custody_suite": ("Exampleton Central Custody Suite (synthetic)", "Northmere Custody Suite (synthetic)"),
    "site_code": ("RZX01", "RZX02"),
    "school_urn": ("999101", "999102", "999103", "999104", "999105", "999106"),
    "organisation": ("Exampleton Youth Club (synthetic)", "Northmere Boxing Academy (synthetic)",
                     "Southby Community Hub (synthetic)"),
    "youth_justice_service": ("Exampleshire Youth Justice Service (synthetic)",),
    "probation_delivery_unit": ("Exampleshire Probation Delivery Unit (synthetic)",),
    "establishment_code": ("ZXA", "ZXB"),
}

# --- the young person ---------------------------------------------------------------------------

GIVEN_NAMES = {
    "male": ("Alex", "Jordan", "Riley", "Kai", "Tyler", "Reece", "Jayden", "Callum", "Mason", "Leon"),
    "female": ("Alex", "Jordan", "Riley", "Keira", "Chloe", "Amara", "Jess", "Leah", "Nia", "Maya"),
    "other": ("Alex", "Jordan", "Riley", "Sam", "Charlie"),
}
FAMILY_NAMES = ("Example", "Sample", "Testwood", "Demoford", "Mockridge", "Fabricant", "Placeholder",
                "Synthwell", "Madeupson", "Pretendley")
STREETS = ("Example Street", "Sample Road", "Test Lane", "Placeholder Close", "Demo Avenue")
# Outward codes of a made-up postcode area (ZX), in the real format, with their weights.
DISTRICTS: Weighted = (("ZX1", 18), ("ZX2", 14), ("ZX3", 12), ("ZX4", 10), ("ZX5", 9), ("ZX7", 8), ("ZX9", 6),
                       ("ZX10", 5))
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
SEXES: Weighted = (("male", 74), ("female", 24), ("not_known", 1), ("not_specified", 1))
ETHNICITIES: Weighted = (
    ("white_british", 40), ("black_caribbean", 8), ("black_african", 8), ("black_other", 3),
    ("mixed_white_black_caribbean", 7), ("mixed_white_black_african", 2), ("mixed_white_asian", 2),
    ("mixed_other", 3), ("asian_pakistani", 6), ("asian_bangladeshi", 3), ("asian_indian", 2),
    ("asian_other", 2), ("asian_chinese", 1), ("white_other", 5), ("white_irish", 1),
    ("white_gypsy_or_irish_traveller", 1), ("white_roma", 1), ("other_arab", 1), ("other_any", 2),
)
# The NHS 2001 letter an NHS system would send for each ONS 2021 category.
NHS_2001 = {"white_british": "A", "white_irish": "B", "white_other": "C", "white_gypsy_or_irish_traveller": "C",
            "white_roma": "C", "mixed_white_black_caribbean": "D", "mixed_white_black_african": "E",
            "mixed_white_asian": "F", "mixed_other": "G", "asian_indian": "H", "asian_pakistani": "J",
            "asian_bangladeshi": "K", "asian_other": "L", "black_caribbean": "M", "black_african": "N",
            "black_other": "P", "asian_chinese": "R", "other_arab": "S", "other_any": "S", "not_stated": "Z"}
# Share of referrals with no ethnicity at all, by source; another 5% are stated as not stated.
ETHNICITY_MISSING = {"emergency_department": 0.14, "custody": 0.06, "school": 0.04}

# --- decisions and enrolments -------------------------------------------------------------------

DECLINE_REASONS: Weighted = (("no_capacity", 6), ("not_eligible", 3), ("declined_by_young_person", 5),
                             ("unable_to_contact", 4), ("already_supported", 3), ("risk_too_high", 1))
WITHDRAWAL_REASONS: Weighted = (("young_person_declined", 4), ("moved_away", 2), ("entered_custody", 2),
                                ("referred_elsewhere", 2), ("no_longer_needed", 2))
CLOSURE_REASONS: Weighted = (("no_engagement", 3), ("unable_to_contact", 2))
EXIT_REASONS: Weighted = (("disengaged", 14), ("moved_away", 7), ("entered_custody", 6), ("declined_support", 8))
CONTACT_KINDS: Weighted = (("face_to_face", 50), ("phone", 22), ("message", 10), ("video", 6),
                           ("group_session", 12))
CONTACT_MINUTES = {"face_to_face": (30, 120), "phone": (5, 30), "message": (1, 5), "video": (15, 60),
                   "group_session": (60, 180)}
MAX_CONTACTS = 10

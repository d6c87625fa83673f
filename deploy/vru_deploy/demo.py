"""A synthetic demo data set, planned from a seed and loaded through the gateway's public API.

`plan_demo` is pure: every referral, decision, enrolment, contact and outcome as request bodies.
`load_demo` posts the plan, checking every answer. Nothing here is about a real person: names
are made up, NHS numbers are in the 999 test range, phone numbers in Ofcom's drama range
(07700 900xxx), email addresses at example.org and postcodes in a made-up area (ZX).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time as clock, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from dateutil.relativedelta import relativedelta

UK = ZoneInfo("Europe/London")
HISTORY_DAYS = 548
CONCURRENCY = 16
# Enrolments that will end are run start-to-end at most this many at once per programme, so they
# never fill a programme with a place limit: those left open at the end are the ones to queue.
PIPELINES = 6
PROGRAMME_KNOWN_WITHIN_S = 30.0
RETRY_DELAY_S = 0.1
# The gateway limits requests per client and says, with Retry-After, when to come back.
RATE_LIMITED_RETRIES = 10
LONGEST_RATE_LIMIT_WAIT_S = 60.0
ACTIVE_WITHIN_S = 30.0
AWAITING = ("awaiting_referral", "awaiting_acceptance")


# --- programmes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeSpec:
    """A demo programme's terms, and the outcomes its participants tend to reach."""

    name: str
    provider: str
    tier: str
    sources: tuple[str, ...]
    min_age: int
    max_age: int
    capacity: int | None
    years_running: int
    accept_rate: float
    ete_at_baseline: float
    ete_gain: float
    wellbeing_gain: float
    reoffence_rate: float
    completion: int

    def body(self, today: date) -> dict[str, Any]:
        # 1 April, at least three years back: every programme has run for well over two years.
        return {"name": self.name, "provider": self.provider, "tier": self.tier, "accepted_sources": list(self.sources),
                "min_age": self.min_age, "max_age": self.max_age, "capacity": self.capacity,
                "active_from": date(today.year - self.years_running, 4, 1).isoformat(), "active_to": None}


PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec("Custody Mentoring", "Larkfield Youth Trust", "tertiary", ("custody", "youth_justice"), 12, 24,
                  None, 4, 0.82, 0.25, 0.38, 3.0, 0.20, 66),
    ProgrammeSpec("A&E Youth Navigators", "Amberline Navigators CIC", "secondary", ("emergency_department",), 10, 24,
                  None, 5, 0.74, 0.40, 0.18, 2.5, 0.12, 55),
    ProgrammeSpec("Targeted Youth Outreach", "Kestrel Street Outreach", "secondary", ("community", "school", "self"),
                  10, 21, 12, 3, 0.70, 0.35, 0.12, 1.5, 0.15, 48),
    ProgrammeSpec("Through the Gate Prison Mentoring", "Ironbridge Resettlement Partnership", "tertiary",
                  ("prison", "probation"), 18, 25, 8, 4, 0.86, 0.10, 0.26, 2.0, 0.45, 44),
    ProgrammeSpec("School Inclusion Mentoring", "Willowmere Learning Mentors", "primary", ("school",), 10, 16,
                  None, 6, 0.86, 0.55, 0.25, 2.0, 0.03, 72),
)
BY_NAME = {p.name: p for p in PROGRAMMES}
# Days from referral to the enrolment's start: navigators and custody mentors meet the young person
# while the moment lasts; the others book them in.
START_DELAYS = {"A&E Youth Navigators": (0, 0, 0, 1, 1, 2, 3), "Custody Mentoring": (0, 0, 1, 1, 2, 3, 5, 7)}
BOOKED_START_DELAYS = (0, 1, 2, 3, 5, 7, 10, 14, 21)

# --- referral sources ---------------------------------------------------------------------------

SOURCES = (("custody", 22), ("emergency_department", 20), ("school", 20), ("community", 12),
           ("youth_justice", 8), ("prison", 7), ("probation", 5), ("self", 6))
# Which programme a source's referrals go to, by weight.
ROUTES = {
    "custody": (("Custody Mentoring", 1),),
    "youth_justice": (("Custody Mentoring", 1),),
    "emergency_department": (("A&E Youth Navigators", 1),),
    "school": (("School Inclusion Mentoring", 6), ("Targeted Youth Outreach", 4)),
    "community": (("Targeted Youth Outreach", 1),),
    "self": (("Targeted Youth Outreach", 1),),
    "prison": (("Through the Gate Prison Mentoring", 1),),
    "probation": (("Through the Gate Prison Mentoring", 1),),
}
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
RISK_FACTORS = {
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
OFFENCES = (("violence_against_the_person", 30), ("possession_of_weapons", 22), ("robbery", 12),
            ("drug_offences", 14), ("public_order_offences", 8), ("theft_offences", 7),
            ("criminal_damage_and_arson", 5), ("miscellaneous_crimes_against_society", 2))
ASSAULT_METHODS = (("knife_or_sharp_object", 38), ("body_part", 34), ("blunt_object", 20), ("firearm", 2),
                   ("other", 6))
ASSAULT_PLACES = (("street_or_public_place", 50), ("home", 15), ("pub_or_club", 8), ("school_or_college", 10),
                  ("public_transport", 7), ("workplace", 2), ("other", 8))
# SNOMED CT 52684005 |Assault (event)|, sent with about half of the A&E referrals.
ASSAULT_CONCEPT = "52684005"
EXCLUSION_TYPES = (("suspension", 60), ("at_risk_of_exclusion", 22), ("permanent_exclusion", 12),
                   ("managed_move", 6))
# DfE exclusion reason codes by the first day of the version that introduced them: a reason is
# only valid from its version on, so an exclusion picks from the version in force that day.
DFE_VERSIONS = (
    (date(2006, 9, 1), ("PP", "PA", "VP", "VA", "BU", "RA", "SM", "DA", "DM", "TH", "PD")),
    (date(2020, 9, 1), ("PP", "PA", "VP", "VA", "OW", "BU", "RA", "SM", "DA", "DM", "TH", "PD", "MT")),
)
DFE_WEIGHTS = {"PD": 30, "PP": 15, "VA": 12, "PA": 8, "VP": 8, "OW": 8, "DA": 8, "BU": 4, "DM": 4, "TH": 3,
               "MT": 3, "SM": 2, "RA": 2}
SELF_CHANNELS = (("phone", 4), ("online", 3), ("in_person", 3))
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
DISTRICTS = (("ZX1", 18), ("ZX2", 14), ("ZX3", 12), ("ZX4", 10), ("ZX5", 9), ("ZX7", 8), ("ZX9", 6), ("ZX10", 5))
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
SEXES = (("male", 74), ("female", 24), ("not_known", 1), ("not_specified", 1))
ETHNICITIES = (("white_british", 40), ("black_caribbean", 8), ("black_african", 8), ("black_other", 3),
               ("mixed_white_black_caribbean", 7), ("mixed_white_black_african", 2), ("mixed_white_asian", 2),
               ("mixed_other", 3), ("asian_pakistani", 6), ("asian_bangladeshi", 3), ("asian_indian", 2),
               ("asian_other", 2), ("asian_chinese", 1), ("white_other", 5), ("white_irish", 1),
               ("white_gypsy_or_irish_traveller", 1), ("white_roma", 1), ("other_arab", 1), ("other_any", 2))
# The NHS 2001 letter an NHS system would send for each ONS 2021 category.
NHS_2001 = {"white_british": "A", "white_irish": "B", "white_other": "C", "white_gypsy_or_irish_traveller": "C",
            "white_roma": "C", "mixed_white_black_caribbean": "D", "mixed_white_black_african": "E",
            "mixed_white_asian": "F", "mixed_other": "G", "asian_indian": "H", "asian_pakistani": "J",
            "asian_bangladeshi": "K", "asian_other": "L", "black_caribbean": "M", "black_african": "N",
            "black_other": "P", "asian_chinese": "R", "other_arab": "S", "other_any": "S", "not_stated": "Z"}
# Share of referrals with no ethnicity at all, by source; another 5% are stated as not stated.
ETHNICITY_MISSING = {"emergency_department": 0.14, "custody": 0.06, "school": 0.04}

# --- decisions and enrolments -------------------------------------------------------------------

DECLINE_REASONS = (("no_capacity", 6), ("not_eligible", 3), ("declined_by_young_person", 5),
                   ("unable_to_contact", 4), ("already_supported", 3), ("risk_too_high", 1))
WITHDRAWAL_REASONS = (("young_person_declined", 4), ("moved_away", 2), ("entered_custody", 2),
                      ("referred_elsewhere", 2), ("no_longer_needed", 2))
CLOSURE_REASONS = (("no_engagement", 3), ("unable_to_contact", 2))
EXIT_REASONS = (("disengaged", 14), ("moved_away", 7), ("entered_custody", 6), ("declined_support", 8))
CONTACT_KINDS = (("face_to_face", 50), ("phone", 22), ("message", 10), ("video", 6), ("group_session", 12))
CONTACT_MINUTES = {"face_to_face": (30, 120), "phone": (5, 30), "message": (1, 5), "video": (15, 60),
                   "group_session": (60, 180)}
MAX_CONTACTS = 10


class DemoLoadError(RuntimeError):
    """The platform answered a demo request with a status the loader did not expect."""


@dataclass(frozen=True)
class DemoSummary:
    programmes: int
    referrals: int
    accepted: int
    declined: int
    withdrawn: int
    closed: int
    enrolments: int
    waitlisted: int
    ended: int
    contacts: int
    outcomes: int


@dataclass(frozen=True)
class Step:
    """A provider's decision on a referral: accept, decline, withdraw or close (with a coded reason)."""

    action: str
    reason: str | None = None


@dataclass(frozen=True)
class PlannedEnrolment:
    start_date: date
    contacts: tuple[dict[str, Any], ...]
    end: tuple[date, str] | None
    # Outcome bodies without their enrolment_id.
    outcomes: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class PlannedReferral:
    programme: str
    source: str
    referred_at: datetime
    # The referral's body without its programme_id.
    body: dict[str, Any]
    steps: tuple[Step, ...] = ()
    enrolment: PlannedEnrolment | None = None

    @property
    def date_of_birth(self) -> date:
        return date.fromisoformat(self.body["young_person"]["date_of_birth"])


@dataclass(frozen=True)
class _Person:
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    ethnicity: str
    nhs_number: str
    pnc_id: str
    upn: str
    local_id: str
    phone: str
    email: str
    address_line: str
    postcode: str


# --- check characters ---------------------------------------------------------------------------


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine digits, or None when no valid number has them."""
    check = 11 - sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True)) % 11
    return None if check == 10 else check % 11


def nhs_numbers(rng: random.Random) -> Iterator[str]:
    """Endless valid NHS numbers in the 999 range set aside for testing."""
    while True:
        stem = f"999{rng.randrange(1_000_000):06d}"
        check = nhs_check_digit(stem)
        if check is not None:
            yield f"{stem}{check}"


def pnc_id(year: int, serial: int) -> str:
    """A PNC ID "YY/NNNNNNNC": the check character is year and zero-padded serial, modulus 23."""
    yy = f"{year % 100:02d}"
    return f"{yy}/{serial:07d}{'ZABCDEFGHJKLMNPQRTUVWXY'[int(yy + f'{serial:07d}') % 23]}"


def upn(body: str) -> str:
    """A UPN from its last twelve characters: the check letter is their weighted sum (2..13), modulus 23."""
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    total = sum(w * (int(c) if c.isdigit() else letters.index(c)) for w, c in enumerate(body, start=2))
    return letters[total % 23] + body


# --- the plan -----------------------------------------------------------------------------------


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in pairs], [w for _, w in pairs])[0]


def _birth_date(rng: random.Random, age: int, on: date) -> date:
    """A date of birth giving exactly `age` on the day."""
    anniversary = date(on.year - age, on.month, 28 if (on.month, on.day) == (2, 29) else on.day)
    return anniversary - timedelta(days=rng.randrange(365))


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _moment(day: date, hour: int, minute: int) -> datetime:
    """A UK wall-clock time, held in UTC: arithmetic on a Europe/London datetime is wall-clock
    arithmetic, which across a clock change could put an index event after its referral."""
    return datetime.combine(day, clock(hour, minute), UK).astimezone(UTC)


def _between(rng: random.Random, earlier: datetime, later: datetime, low: float, high: float) -> datetime:
    """A whole minute a share (low to high) of the way from `earlier` to `later`."""
    minutes = (later - earlier).total_seconds() / 60
    return earlier + timedelta(minutes=int(minutes * rng.uniform(low, high)))


def _new_person(shape: random.Random, ids: random.Random, nhs: Iterator[str], age: int, day: date) -> _Person:
    """Identity from `ids` (other on each salt); date of birth, sex and ethnicity from `shape`."""
    sex = _weighted(shape, SEXES)
    ethnicity = _weighted(shape, ETHNICITIES)
    born = _birth_date(shape, age, day)
    given = ids.choice(GIVEN_NAMES.get(sex, GIVEN_NAMES["other"]))
    family = ids.choice(FAMILY_NAMES)
    first_arrest = min(day.year, born.year + 10 + ids.randrange(6))
    school = f"999{ids.randrange(10_000):04d}{(born.year + 5) % 100:02d}{ids.randrange(1000):03d}"
    inward = f"{ids.randrange(10)}{ids.choice(INWARD_LETTERS)}{ids.choice(INWARD_LETTERS)}"
    return _Person(
        given_name=given, family_name=family, date_of_birth=born, sex=sex, ethnicity=ethnicity,
        nhs_number=next(nhs), pnc_id=pnc_id(first_arrest, ids.randrange(1, 1_000_000)), upn=upn(school),
        local_id=f"DEMO-{ids.getrandbits(32):08x}", phone=f"07700 900{ids.randrange(1000):03d}",
        email=f"{given}.{family}{ids.randrange(100)}@example.org".lower(),
        address_line=f"{ids.randint(1, 180)} {ids.choice(STREETS)}",
        postcode=f"{_weighted(ids, DISTRICTS)} {inward}",
    )


def _identifiers(rng: random.Random, person: _Person, source: str, provider: str) -> list[dict[str, str]]:
    """What the source would know: police hold PNC IDs, schools UPNs, health NHS numbers."""
    found = []
    if source in ("custody", "youth_justice", "probation", "prison"):
        found.append({"type": "pnc_id", "value": person.pnc_id})
    if source == "school":
        found.append({"type": "upn", "value": person.upn})
    if source in ("community", "self"):
        found.append({"type": "local", "value": person.local_id, "issuer": provider})
    if source == "emergency_department" or not found or rng.random() < 0.55:
        found.append({"type": "nhs_number", "value": person.nhs_number})
    return found


def _ethnicity(rng: random.Random, person: _Person, source: str) -> dict[str, str] | None:
    if rng.random() < ETHNICITY_MISSING.get(source, 0.10):
        return None
    code = "not_stated" if rng.random() < 0.05 else person.ethnicity
    if source == "emergency_department" and rng.random() < 0.8:
        return {"coding": "nhs_2001", "code": NHS_2001[code]}
    return {"coding": "ons_2021", "code": code}


def _contact(rng: random.Random, person: _Person, age: int) -> dict[str, Any]:
    contact: dict[str, Any] = {}
    if rng.random() < 0.85:
        contact["phone"] = person.phone
    if rng.random() < 0.35:
        contact["email"] = person.email
    if rng.random() < 0.7 or not contact:
        contact["address"] = {"lines": [person.address_line], "town": "Exampleton", "postcode": person.postcode}
    if age < 16:
        contact["parent_carer"] = {"name": f"{rng.choice(('Sam', 'Chris', 'Pat'))} {person.family_name}",
                                   "relationship": rng.choice(("mother", "father", "carer", "grandmother")),
                                   "phone": f"07700 900{rng.randrange(1000):03d}"}
    return contact


def _source_details(rng: random.Random, source: str, index: datetime, referred: datetime) -> dict[str, Any]:
    at = index.isoformat()
    if source == "custody":
        return {"custody_suite": rng.choice(PLACES["custody_suite"]), "arrested_at": at,
                "offence_category": _weighted(rng, OFFENCES)}
    if source == "emergency_department":
        arrived = _between(rng, index, referred, 0.1, 0.6)
        details = {"site_code": rng.choice(PLACES["site_code"]), "arrived_at": arrived.isoformat(), "assault_at": at,
                   "assault_method": _weighted(rng, ASSAULT_METHODS),
                   "assault_location_type": _weighted(rng, ASSAULT_PLACES)}
        return details | ({"injury_intent": ASSAULT_CONCEPT} if rng.random() < 0.5 else {})
    if source == "school":
        codes = next(c for start, c in reversed(DFE_VERSIONS) if start <= index.astimezone(UK).date())
        reasons = list(dict.fromkeys(rng.choices(codes, [DFE_WEIGHTS[c] for c in codes], k=rng.choice((1, 1, 2, 3)))))
        return {"school_urn": rng.choice(PLACES["school_urn"]), "exclusion_type": _weighted(rng, EXCLUSION_TYPES),
                "exclusion_reasons": reasons}
    if source == "self":
        return {"channel": _weighted(rng, SELF_CHANNELS)}
    key = {"community": "organisation", "youth_justice": "youth_justice_service",
           "probation": "probation_delivery_unit", "prison": "establishment_code"}[source]
    return {key: rng.choice(PLACES[key])}


def _lawful_basis(rng: random.Random, source: str, index: datetime, referred: datetime) -> dict[str, Any]:
    if source in STATUTORY and rng.random() < 0.4:
        return {"basis": "public_task", "justification": STATUTORY[source]}
    if source == "emergency_department" and rng.random() < 0.03:
        return {"basis": "vital_interests",
                "justification": "Serious knife injury; the young person could not consent at the time (synthetic)."}
    recorded = _between(rng, index, referred, 0.5, 0.95)
    return {"basis": "consent", "given": True, "recorded_by": RECORDED_BY[source], "recorded_at": recorded.isoformat()}


def _steps(rng: random.Random, spec: ProgrammeSpec, day: date, last: date) -> tuple[Step, ...]:
    """The provider's decisions: most accepted, some declined or withdrawn, the newest still undecided."""
    if rng.random() < (0.4 if (last - day).days < 7 else 0.02):
        return ()
    roll = rng.random()
    if roll < 0.05:
        return (Step("withdraw", _weighted(rng, WITHDRAWAL_REASONS)),)
    if roll >= 0.05 + spec.accept_rate:
        return (Step("decline", _weighted(rng, DECLINE_REASONS)),)
    roll = rng.random()
    if roll < 0.05:
        return Step("accept"), Step("withdraw", _weighted(rng, WITHDRAWAL_REASONS))
    if roll < 0.12:
        return Step("accept"), Step("close", _weighted(rng, CLOSURE_REASONS))
    return (Step("accept"),)


def _ete(rng: random.Random, chance: float, age: int) -> str:
    """An ETE status: in ETE with the given chance; education the younger, employment only from 16."""
    if rng.random() >= chance:
        return "neet"
    return _weighted(rng, (("education", 8 if age < 16 else 3), ("training", 3), ("employment", 0 if age < 16 else 3)))


def _measures(rng: random.Random, spec: ProgrammeSpec, age: int) -> dict[str, Any]:
    """Baseline values of one young person; the later measures move from them."""
    custodial = spec.tier == "tertiary"
    return {
        "ete": _ete(rng, spec.ete_at_baseline, age),
        "wellbeing": max(7, min(35, round(rng.gauss(19.5, 4)))) if rng.random() < 0.8 else None,
        "accommodation": (_weighted(rng, (("suitable", 55), ("unsuitable", 27), ("no_fixed_abode", 18))
                                    if spec.sources[0] == "prison" else
                                    (("suitable", 80), ("unsuitable", 16), ("no_fixed_abode", 4))))
        if rng.random() < (0.75 if custodial else 0.3) else None,
        "substance_misuse": _weighted(rng, (("no_use", 35), ("use_not_problematic", 30), ("problematic_use", 25),
                                            ("in_treatment", 10)))
        if rng.random() < (0.55 if custodial else 0.25) else None,
    }


def _later(rng: random.Random, spec: ProgrammeSpec, base: dict[str, Any], age: int, completed: bool) -> dict[str, Any]:
    """The measures at exit or a follow-up: better the better the programme, and for those who completed."""
    lift = 0.12 if completed else -0.15
    later: dict[str, Any] = {"ete": _ete(rng, min(0.95, spec.ete_at_baseline + spec.ete_gain + lift), age)}
    if base["wellbeing"] is not None:
        gain = spec.wellbeing_gain + (1 if completed else -1.5)
        later["wellbeing"] = max(7, min(35, round(base["wellbeing"] + rng.gauss(gain, 3))))
    if base["accommodation"] is not None:
        improve = base["accommodation"] != "suitable" and rng.random() < 0.4 + (0.2 if completed else 0)
        later["accommodation"] = "suitable" if improve else base["accommodation"]
    if base["substance_misuse"] is not None:
        better = {"problematic_use": "in_treatment", "in_treatment": "use_not_problematic"}
        moved = base["substance_misuse"] in better and rng.random() < 0.35 + (0.2 if completed else 0)
        later["substance_misuse"] = better[base["substance_misuse"]] if moved else base["substance_misuse"]
    return later


def _outcome_bodies(values: dict[str, Any], point: str, on: date, months: int | None = None) -> list[dict[str, Any]]:
    measured = {"point": point, "observed_on": on.isoformat()} | ({"follow_up_months": months} if months else {})
    bodies = []
    for domain, value in values.items():
        if value is None:
            continue
        if domain == "wellbeing":
            bodies.append({"domain": domain, **measured, "scale": "swemwbs", "score": value})
        else:
            bodies.append({"domain": domain, **measured, "status": value})
    return bodies


def _reoffences(rng: random.Random, spec: ProgrammeSpec, start: date, last: date) -> list[dict[str, Any]]:
    """Proven reoffences: offences on or after the start, proven weeks or months later, none in the future."""
    found = []
    offended = start
    for chance in (spec.reoffence_rate, 0.3):
        if rng.random() >= chance:
            break
        offended += timedelta(days=rng.randint(7, 300))
        proven = offended + timedelta(days=rng.randint(10, 150))
        if proven > last:
            break
        found.append({"domain": "reoffending", "offence_date": offended.isoformat(), "proven_date": proven.isoformat(),
                      "disposal": _weighted(rng, (("conviction", 6), ("caution", 4))),
                      "offence_category": _weighted(rng, OFFENCES)})
    return found


def _contacts(rng: random.Random, referred: datetime, start: date, until: date) -> tuple[dict[str, Any], ...]:
    """The first contact hours or days after the referral, then every week or two until `until`."""
    first_day = start + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
    if first_day > until:
        return ()
    at = referred + timedelta(hours=rng.randint(2, 8)) if first_day == referred.astimezone(UK).date() else \
        _moment(first_day, rng.randint(9, 18), rng.randrange(60))
    contacts = []
    while at.astimezone(UK).date() <= until and len(contacts) < MAX_CONTACTS:
        kind = _weighted(rng, CONTACT_KINDS)
        contacts.append({"contact_at": at.isoformat(), "kind": kind,
                         "duration_minutes": rng.randint(*CONTACT_MINUTES[kind])})
        at = _moment(at.astimezone(UK).date() + timedelta(days=rng.randint(4, 14)), rng.randint(9, 19),
                     rng.randrange(60))
    return tuple(contacts)


def _enrolment(rng: random.Random, spec: ProgrammeSpec, referred: datetime, age: int,
               last: date) -> PlannedEnrolment:
    """Start, contacts, end and outcomes of one enrolment, all on past days."""
    day = referred.astimezone(UK).date()
    start = min(day + timedelta(days=rng.choice(START_DELAYS.get(spec.name, BOOKED_START_DELAYS))), last)
    end = None
    if (last - start).days >= 28 and rng.random() < 0.55:
        end_date = start + timedelta(days=rng.randint(28, min(270, (last - start).days)))
        completed = rng.random() * 100 < spec.completion
        end = (end_date, "completed" if completed else _weighted(rng, EXIT_REASONS))
    base = _measures(rng, spec, age)
    outcomes = _outcome_bodies(base, "baseline", max(day, start - timedelta(days=rng.randint(0, 14))))
    if end is not None:
        completed = end[1] == "completed"
        outcomes += _outcome_bodies(_later(rng, spec, base, age, completed), "exit",
                                    max(start, end[0] - timedelta(days=rng.randint(0, 7))))
        for months, chance in ((6, 0.6), (12, 0.4)):
            due = start + relativedelta(months=months) + timedelta(days=rng.randint(0, 20))
            if end[0] < due <= last and rng.random() < chance:
                values = _later(rng, spec, base, age + months // 12, completed)
                outcomes += _outcome_bodies({"ete": values["ete"], "wellbeing": values.get("wellbeing")},
                                            "follow_up", due, months)
    outcomes += _reoffences(rng, spec, start, last)
    contacts = _contacts(rng, referred, start, end[0] if end else last)
    return PlannedEnrolment(start, contacts, end, tuple(outcomes))


def plan_demo(referrals: int, *, seed: int, today: date, salt: int = 0) -> list[PlannedReferral]:
    """The whole data set as data: the same seed, day and salt give the same plan.

    `today` is the UK calendar day; nothing is dated later than the day before it. The salt
    changes who the people are (names, identifiers, contact details), not the shape.
    """
    rng, ids = random.Random(seed), random.Random(f"{seed}:{salt}")
    nhs = nhs_numbers(ids)
    last = today - timedelta(days=1)
    days = sorted(last - timedelta(days=rng.randrange(HISTORY_DAYS)) for _ in range(referrals))
    people: list[_Person] = []
    plan = []
    for day in days:
        source = _weighted(rng, SOURCES)
        spec = BY_NAME[_weighted(rng, ROUTES[source])]
        first_age, weights = AGES[source]
        ages = [a for a in range(first_age, first_age + len(weights)) if spec.min_age <= a <= spec.max_age]
        age = rng.choices(ages, [weights[a - first_age] for a in ages])[0]
        # A few young people are referred again, from another moment in their lives.
        again = [p for p in people if spec.min_age <= _age_on(p.date_of_birth, day) <= spec.max_age]
        if again and rng.random() < 0.06:
            person = rng.choice(again)
            age = _age_on(person.date_of_birth, day)
        else:
            person = _new_person(rng, ids, nhs, age, day)
            people.append(person)
        early, late = (10, 23) if source == "emergency_department" else (8, 20)
        referred = _moment(day, rng.randint(early, late), rng.randrange(60))
        low, high = INDEX_TO_REFERRAL_HOURS[source]
        index = referred - timedelta(minutes=rng.randint(low * 60, high * 60))
        young_person = {"given_name": person.given_name, "family_name": person.family_name,
                        "date_of_birth": person.date_of_birth.isoformat(), "sex": person.sex,
                        "contact": _contact(rng, person, age)}
        if (ethnicity := _ethnicity(rng, person, source)) is not None:
            young_person["ethnicity"] = ethnicity
        factors = list(dict.fromkeys(rng.choices([c for c, _ in RISK_FACTORS[source]],
                                                 [w for _, w in RISK_FACTORS[source]], k=rng.randint(0, 4))))
        body = {"source": source, "referred_at": referred.isoformat(), "index_event_at": index.isoformat(),
                "source_details": _source_details(rng, source, index, referred), "young_person": young_person,
                "identifiers": _identifiers(rng, person, source, spec.provider), "risk_factors": factors,
                "lawful_basis": _lawful_basis(rng, source, index, referred)}
        steps = _steps(rng, spec, day, last)
        enrolment = _enrolment(rng, spec, referred, age, last) if steps == (Step("accept"),) else None
        plan.append(PlannedReferral(spec.name, source, referred, body, steps, enrolment))
    return plan


# --- the loader ---------------------------------------------------------------------------------


def _retry_after(response: httpx.Response) -> float:
    """The seconds a 429 answer asks to wait (RFC 9110 delay-seconds), within reason."""
    try:
        return min(max(float(response.headers.get("Retry-After", "")), 0.0), LONGEST_RATE_LIMIT_WAIT_S)
    except ValueError:
        return 5.0


class _Api:
    """The gateway's API with bounded concurrency and strict status checks."""

    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self.client, self.base, self.gate = client, base_url.rstrip("/"), asyncio.Semaphore(CONCURRENCY)

    async def send(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """One request; over the gateway's rate limit, wait as long as it says and try again (bounded)."""
        async with self.gate:
            response = await self.client.request(method, f"{self.base}{path}", json=body)
            for _ in range(RATE_LIMITED_RETRIES):
                if response.status_code != 429:
                    break
                await asyncio.sleep(_retry_after(response))
                response = await self.client.request(method, f"{self.base}{path}", json=body)
            return response

    @staticmethod
    def check(response: httpx.Response, expect: tuple[int, ...]) -> Any:
        if response.status_code not in expect:
            request = response.request
            raise DemoLoadError(f"{request.method} {request.url.path} answered {response.status_code}, expected "
                                f"{' or '.join(map(str, expect))}: {response.text[:500]}")
        return response.json()

    async def call(self, method: str, path: str, expect: tuple[int, ...], body: Any = None) -> Any:
        return self.check(await self.send(method, path, body), expect)


async def _programmes(api: _Api, today: date, earliest: date) -> dict[str, dict[str, Any]]:
    """The demo programmes by name, created when missing; existing ones must take what the plan sends."""
    async def existing() -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        while True:
            items = (await api.call("GET", f"/v1/programmes?limit=200&offset={len(found)}", (200,)))["items"]
            found.update({p["name"]: p for p in items})
            if len(items) < 200:
                return found

    programmes = await existing()
    for spec in PROGRAMMES:
        if spec.name not in programmes:
            made = await api.call("POST", "/v1/programmes", (201, 409), spec.body(today))
            programmes = {**programmes, spec.name: made} if "id" in made else await existing()
        p = programmes[spec.name]
        active_to = date.fromisoformat(p["active_to"]) if p.get("active_to") else None
        if (not set(spec.sources) <= set(p["accepted_sources"]) or p["min_age"] > spec.min_age
                or p["max_age"] < spec.max_age or date.fromisoformat(p["active_from"]) > earliest
                or (active_to is not None and active_to < today - timedelta(days=1))):
            raise DemoLoadError(f"programme {spec.name!r} exists with terms the demo's referrals do not fit "
                                f"(it takes {p['accepted_sources']}, ages {p['min_age']}-{p['max_age']}, from "
                                f"{p['active_from']}); rename or revise it, or load into an empty platform")
    return programmes


def _kind(response: httpx.Response) -> str:
    try:
        return str(response.json().get("type", "")).rsplit("/", 1)[-1]
    except ValueError:
        return ""


async def _refer(api: _Api, p: PlannedReferral, programme_id: str) -> str:
    """Post a referral; a programme created moments ago may not have reached the referrals service yet."""
    body = {"programme_id": programme_id, **p.body}
    deadline, delay = time.monotonic() + PROGRAMME_KNOWN_WITHIN_S, RETRY_DELAY_S
    while True:
        response = await api.send("POST", "/v1/referrals", body)
        if response.status_code != 422 or _kind(response) != "unknown-programme" or time.monotonic() > deadline:
            return api.check(response, (201,))["id"]
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)


async def _decide(api: _Api, p: PlannedReferral, referral_id: str, tally: Counter[str]) -> None:
    for step in p.steps:
        body = {"reason": step.reason} if step.reason else None
        await api.call("POST", f"/v1/referrals/{referral_id}/{step.action}", (200,), body)
        tally[step.action] += 1


async def _enrol(api: _Api, e: PlannedEnrolment, referral_id: str, programme_id: str) -> dict[str, Any]:
    """Enrol, then wait (bounded) until the referral's acceptance has reached the interventions service."""
    body = {"referral_id": referral_id, "programme_id": programme_id, "start_date": e.start_date.isoformat()}
    enrolment = await api.call("POST", "/v1/enrolments", (201, 202), body)
    deadline, delay = time.monotonic() + ACTIVE_WITHIN_S, RETRY_DELAY_S
    while enrolment["status"] in AWAITING and time.monotonic() < deadline:
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)
        enrolment = await api.call("GET", f"/v1/enrolments/{enrolment['id']}", (200,))
    if enrolment["status"] not in ("active", "waitlisted"):
        why = enrolment.get("rejection_reason") or f"still {enrolment['status']} after {ACTIVE_WITHIN_S:.0f} s"
        raise DemoLoadError(f"enrolment {enrolment['id']} of referral {referral_id} did not start: {why}")
    return enrolment


async def _take_up(api: _Api, e: PlannedEnrolment, referral_id: str, programme_id: str, tally: Counter[str]) -> None:
    """Enrol; once active, record the contacts, end the enrolment if planned, and record its outcomes."""
    enrolment = await _enrol(api, e, referral_id, programme_id)
    if enrolment["status"] == "waitlisted":
        # Its planned history cannot happen: it starts only when a place frees up.
        tally["waitlisted"] += 1
        return
    tally["enrolments"] += 1
    path = f"/v1/enrolments/{enrolment['id']}"
    for contact in e.contacts:
        await api.call("POST", f"{path}/contacts", (201,), contact)
        tally["contacts"] += 1
    if e.end is not None:
        await api.call("POST", f"{path}/end", (200,), {"end_date": e.end[0].isoformat(), "exit_reason": e.end[1]})
        tally["ended"] += 1
    await asyncio.gather(*(api.call("POST", "/v1/outcomes", (201, 202), {"enrolment_id": enrolment["id"], **o})
                           for o in e.outcomes))
    tally["outcomes"] += len(e.outcomes)


async def load_demo(base_url: str, *, referrals: int = 300, seed: int = 2026,
                    client: httpx.AsyncClient | None = None) -> DemoSummary:
    """Fill a running platform with a synthetic data set through its gateway; fresh people on every run."""
    today = datetime.now(UK).date()
    plan = plan_demo(referrals, seed=seed, today=today, salt=time.time_ns())
    own = client is None
    client = client or httpx.AsyncClient(timeout=30.0)
    tally: Counter[str] = Counter()
    try:
        api = _Api(client, base_url)
        earliest = min((p.referred_at.astimezone(UK).date() for p in plan), default=today)
        ids = {name: p["id"] for name, p in (await _programmes(api, today, earliest)).items()}
        # One referral per programme first, so only those few wait for the programme to reach referrals.
        firsts = {p.programme: i for i, p in reversed(list(enumerate(plan)))}
        referral_ids = dict(zip(firsts.values(), await asyncio.gather(
            *(_refer(api, plan[i], ids[plan[i].programme]) for i in firsts.values())), strict=True))
        rest = [i for i in range(len(plan)) if i not in referral_ids]
        referral_ids |= dict(zip(rest, await asyncio.gather(
            *(_refer(api, plan[i], ids[plan[i].programme]) for i in rest)), strict=True))
        await asyncio.gather(*(_decide(api, p, referral_ids[i], tally) for i, p in enumerate(plan)))

        # Enrolments that end run first and few at a time per programme; the open ones then fill
        # the places, oldest first, and those past a programme's capacity join its waitlist.
        lanes = {name: asyncio.Semaphore(PIPELINES) for name in ids}

        async def in_lane(i: int, e: PlannedEnrolment) -> None:
            async with lanes[plan[i].programme]:
                await _take_up(api, e, referral_ids[i], ids[plan[i].programme], tally)

        enrolled = [(i, p.enrolment) for i, p in enumerate(plan) if p.enrolment is not None]
        await asyncio.gather(*(in_lane(i, e) for i, e in enrolled if e.end is not None))
        still_open = sorted(((i, e) for i, e in enrolled if e.end is None), key=lambda ie: ie[1].start_date)
        await asyncio.gather(*(_take_up(api, e, referral_ids[i], ids[plan[i].programme], tally)
                               for i, e in still_open))
    finally:
        if own:
            await client.aclose()
    return DemoSummary(programmes=len(PROGRAMMES), referrals=len(plan), accepted=tally["accept"],
                       declined=tally["decline"], withdrawn=tally["withdraw"], closed=tally["close"],
                       enrolments=tally["enrolments"], waitlisted=tally["waitlisted"], ended=tally["ended"],
                       contacts=tally["contacts"], outcomes=tally["outcomes"])

"""The young people of the demo, all made up, and what each referrer would know about them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from vru_deploy.demo.codes import (
    DISTRICTS,
    ETHNICITIES,
    ETHNICITY_MISSING,
    FAMILY_NAMES,
    GIVEN_NAMES,
    INWARD_LETTERS,
    NHS_2001,
    SEXES,
    STREETS,
    weighted,
)
from vru_deploy.demo.identifiers import pnc_id, upn


@dataclass(frozen=True)
class Person:
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


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _birth_date(rng: random.Random, age: int, on: date) -> date:
    """A date of birth giving exactly `age` on the day."""
    anniversary = date(on.year - age, on.month, 28 if (on.month, on.day) == (2, 29) else on.day)
    return anniversary - timedelta(days=rng.randrange(365))


def new_person(shape: random.Random, ids: random.Random, nhs: Iterator[str], age: int, day: date) -> Person:
    """Identity from `ids` (other on each salt); date of birth, sex and ethnicity from `shape`."""
    sex = weighted(shape, SEXES)
    ethnicity = weighted(shape, ETHNICITIES)
    born = _birth_date(shape, age, day)
    given = ids.choice(GIVEN_NAMES.get(sex, GIVEN_NAMES["other"]))
    family = ids.choice(FAMILY_NAMES)
    first_arrest = min(day.year, born.year + 10 + ids.randrange(6))
    school = f"999{ids.randrange(10_000):04d}{(born.year + 5) % 100:02d}{ids.randrange(1000):03d}"
    inward = f"{ids.randrange(10)}{ids.choice(INWARD_LETTERS)}{ids.choice(INWARD_LETTERS)}"
    return Person(
        given_name=given, family_name=family, date_of_birth=born, sex=sex, ethnicity=ethnicity,
        nhs_number=next(nhs), pnc_id=pnc_id(first_arrest, ids.randrange(1, 1_000_000)), upn=upn(school),
        local_id=f"DEMO-{ids.getrandbits(32):08x}", phone=f"07700 900{ids.randrange(1000):03d}",
        email=f"{given}.{family}{ids.randrange(100)}@example.org".lower(),
        address_line=f"{ids.randint(1, 180)} {ids.choice(STREETS)}",
        postcode=f"{weighted(ids, DISTRICTS)} {inward}",
    )


def identifiers(rng: random.Random, person: Person, source: str, provider: str) -> list[dict[str, str]]:
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


def ethnicity(rng: random.Random, person: Person, source: str) -> dict[str, str] | None:
    if rng.random() < ETHNICITY_MISSING.get(source, 0.10):
        return None
    code = "not_stated" if rng.random() < 0.05 else person.ethnicity
    if source == "emergency_department" and rng.random() < 0.8:
        return {"coding": "nhs_2001", "code": NHS_2001[code]}
    return {"coding": "ons_2021", "code": code}


def contact(rng: random.Random, person: Person, age: int) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if rng.random() < 0.85:
        found["phone"] = person.phone
    if rng.random() < 0.35:
        found["email"] = person.email
    if rng.random() < 0.7 or not found:
        found["address"] = {"lines": [person.address_line], "town": "Exampleton", "postcode": person.postcode}
    if age < 16:
        found["parent_carer"] = {"name": f"{rng.choice(('Sam', 'Chris', 'Pat'))} {person.family_name}",
                                 "relationship": rng.choice(("mother", "father", "carer", "grandmother")),
                                 "phone": f"07700 900{rng.randrange(1000):03d}"}
    return found

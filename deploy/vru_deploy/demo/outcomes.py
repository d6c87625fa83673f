"""The outcomes a participant reaches: measures at baseline, exit and follow-ups that move with the
programme and with whether they completed it, and proven reoffences."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from vru_deploy.demo.codes import OFFENCES, weighted
from vru_deploy.demo.programmes import ProgrammeSpec


def _ete(rng: random.Random, chance: float, age: int) -> str:
    """An ETE status: in ETE with the given chance; education the younger, employment only from 16."""
    if rng.random() >= chance:
        return "neet"
    return weighted(rng, (("education", 8 if age < 16 else 3), ("training", 3), ("employment", 0 if age < 16 else 3)))


def measures(rng: random.Random, spec: ProgrammeSpec, age: int) -> dict[str, Any]:
    """Baseline values of one young person; the later measures move from them."""
    custodial = spec.tier == "tertiary"
    return {
        "ete": _ete(rng, spec.ete_at_baseline, age),
        "wellbeing": max(7, min(35, round(rng.gauss(19.5, 4)))) if rng.random() < 0.8 else None,
        "accommodation": (weighted(rng, (("suitable", 55), ("unsuitable", 27), ("no_fixed_abode", 18))
                                   if spec.sources[0] == "prison" else
                                   (("suitable", 80), ("unsuitable", 16), ("no_fixed_abode", 4))))
        if rng.random() < (0.75 if custodial else 0.3) else None,
        "substance_misuse": weighted(rng, (("no_use", 35), ("use_not_problematic", 30), ("problematic_use", 25),
                                           ("in_treatment", 10)))
        if rng.random() < (0.55 if custodial else 0.25) else None,
    }


def later(rng: random.Random, spec: ProgrammeSpec, base: dict[str, Any], age: int, completed: bool) -> dict[str, Any]:
    """The measures at exit or a follow-up: better the better the programme, and for those who completed."""
    lift = 0.12 if completed else -0.15
    found: dict[str, Any] = {"ete": _ete(rng, min(0.95, spec.ete_at_baseline + spec.ete_gain + lift), age)}
    if base["wellbeing"] is not None:
        gain = spec.wellbeing_gain + (1 if completed else -1.5)
        found["wellbeing"] = max(7, min(35, round(base["wellbeing"] + rng.gauss(gain, 3))))
    if base["accommodation"] is not None:
        improve = base["accommodation"] != "suitable" and rng.random() < 0.4 + (0.2 if completed else 0)
        found["accommodation"] = "suitable" if improve else base["accommodation"]
    if base["substance_misuse"] is not None:
        better = {"problematic_use": "in_treatment", "in_treatment": "use_not_problematic"}
        moved = base["substance_misuse"] in better and rng.random() < 0.35 + (0.2 if completed else 0)
        found["substance_misuse"] = better[base["substance_misuse"]] if moved else base["substance_misuse"]
    return found


def bodies(values: dict[str, Any], point: str, on: date, months: int | None = None) -> list[dict[str, Any]]:
    """The outcome bodies of a set of measures (those not taken left out), without their enrolment_id."""
    measured = {"point": point, "observed_on": on.isoformat()} | ({"follow_up_months": months} if months else {})
    found = []
    for domain, value in values.items():
        if value is None:
            continue
        if domain == "wellbeing":
            found.append({"domain": domain, **measured, "scale": "swemwbs", "score": value})
        else:
            found.append({"domain": domain, **measured, "status": value})
    return found


def reoffences(rng: random.Random, spec: ProgrammeSpec, start: date, last: date) -> list[dict[str, Any]]:
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
                      "disposal": weighted(rng, (("conviction", 6), ("caution", 4))),
                      "offence_category": weighted(rng, OFFENCES)})
    return found

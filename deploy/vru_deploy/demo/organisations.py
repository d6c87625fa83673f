"""The organisations of the demo, all made up: a provider for each programme, the referrers the
young people come from, and the VRU that commissions them. The loader acts as each in turn."""

from __future__ import annotations

from dataclasses import dataclass

from vru_deploy.demo.programmes import PROGRAMMES


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    # referrer | provider | vru: decides what its clients' tokens allow.
    role: str


PROVIDERS = tuple(dict.fromkeys(OrganisationSpec(p.provider, "provider") for p in PROGRAMMES))

_CUSTODY = OrganisationSpec("Exampleshire Police Custody and Investigation Command", "referrer")
_HOSPITAL = OrganisationSpec("Exampleton Hospitals NHS Trust Emergency Department", "referrer")
_SCHOOLS = OrganisationSpec("Northmere Learning Trust", "referrer")
_YOUTH_JUSTICE = OrganisationSpec("Exampleshire Youth Justice Service", "referrer")
_PROBATION = OrganisationSpec("Exampleshire Probation Delivery Unit", "referrer")
_PRISON = OrganisationSpec("HMP Exampleton", "referrer")
# Young people who refer themselves do so through the community hub's outreach duty workers.
_COMMUNITY = OrganisationSpec("Southby Community Hub", "referrer")

# Who posts the referrals of each source.
REFERRERS: dict[str, OrganisationSpec] = {
    "custody": _CUSTODY, "emergency_department": _HOSPITAL, "school": _SCHOOLS, "youth_justice": _YOUTH_JUSTICE,
    "probation": _PROBATION, "prison": _PRISON, "community": _COMMUNITY, "self": _COMMUNITY,
}

# It reads metrics only: the loader registers it for the demo's users, and never acts as it.
VRU = OrganisationSpec("Exampleshire Violence Reduction Unit", "vru")

ORGANISATIONS: tuple[OrganisationSpec, ...] = (*PROVIDERS, *dict.fromkeys(REFERRERS.values()), VRU)

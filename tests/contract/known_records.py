"""Real records for the fuzzer to aim at: made through the API before fuzzing, with every answer
checked against the document like any fuzzed one, so the success answers are covered too.

Random ids only ever find 404s; with these, generated requests also reach records that exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from schemathesis import Case, Response
from schemathesis.schemas import BaseSchema

from tests.support import bodies
from tests.support.actors import Cast
from tests.support.processes import poll

Call = Callable[[Case], Response]

TODAY = date.today()
NHS = {"type": "nhs_number", "value": "943 476 5919"}
IDENTIFIERS = {
    "custody": [{"type": "pnc_id", "value": "24/1234567" + "ZABCDEFGHJKLMNPQRTUVWXY"[241234567 % 23]}, NHS],
    "emergency_department": [NHS],
    "school": [{"type": "local", "value": "S-4411", "issuer": "Example Academy (synthetic)"}],
}
_PATH_PARAMETER = re.compile(r"{([^}]+)}")


@dataclass
class KnownRecords:
    """Ids of real records, by the name a path parameter or a body field gives them."""

    path: dict[str, list[str]] = field(default_factory=dict)
    body: dict[str, str] = field(default_factory=dict)

    def path_parameters(self, path: str) -> dict[str, list[str]]:
        return {name: self.path[name] for name in _PATH_PARAMETER.findall(path) if name in self.path}

    def fill_body(self, case: Case) -> Case:
        """The case with every id field of its body naming a real record."""
        if isinstance(case.body, dict):
            for name, value in self.body.items():
                if name in case.body:
                    case.body[name] = value
        return case


def _json(response: Response, *statuses: int) -> Any:
    assert response.status_code in statuses, f"{response.status_code}: {response.text[:2000]}"
    return response.json()


def make(schema: BaseSchema, cast: Cast, call: Call) -> KnownRecords:
    """A programme run by the cast's provider, a referral to it from three sources, one accepted and
    enrolled with a contact and an outcome; a spare organisation and client for the identity routes to
    deactivate and revoke (never the cast's own); the metric and code list names."""

    def case(method: str, path: str, **kwargs: Any) -> Case:
        return schema[path][method].Case(**kwargs)

    def post(path: str, body: Any, *statuses: int, **path_parameters: str) -> Any:
        with_body = {} if body is None else {"body": body, "media_type": "application/json"}
        return _json(call(case("POST", path, path_parameters=path_parameters, **with_body)), *statuses)

    def get(path: str, **path_parameters: str) -> Any:
        return _json(call(case("GET", path, path_parameters=path_parameters)), 200)

    spare = post("/v1/organisations", {"name": "Spare provider (synthetic)", "role": "provider"}, 201)
    client = post("/v1/organisations/{organisation_id}/clients", {"name": "Spare case system"}, 201,
                  organisation_id=spare["id"])

    # The interventions service learns of the provider organisation from an event: wait for it.
    programme_body = bodies.programme(provider_organisation_id=cast.provider.organisation_id)
    programme = poll(lambda: call(case("POST", "/v1/programmes", body=programme_body, media_type="application/json")),
                     lambda r: r.status_code != 422)
    programme = _json(programme, 201)

    referrals = {}
    for source, identifiers in IDENTIFIERS.items():
        body = bodies.referral(programme["id"], source, identifiers)
        answer = poll(lambda b=body: call(case("POST", "/v1/referrals", body=b, media_type="application/json")),
                      lambda r: not (r.status_code == 422 and "unknown-programme" in r.text))
        referrals[source] = _json(answer, 201)
    referral = referrals["custody"]
    post("/v1/referrals/{referral_id}/accept", None, 200, referral_id=referral["id"])
    enrolment = post("/v1/enrolments", {"referral_id": referral["id"], "programme_id": programme["id"],
                                        "start_date": (TODAY - timedelta(days=20)).isoformat()}, 201, 202)
    poll(lambda: get("/v1/enrolments/{enrolment_id}", enrolment_id=enrolment["id"]),
         lambda e: e["status"] == "active")
    contact_at = datetime.now(UTC) - timedelta(days=2)
    post("/v1/enrolments/{enrolment_id}/contacts",
         {"contact_at": contact_at.isoformat(), "kind": "face_to_face", "duration_minutes": 45}, 201,
         enrolment_id=enrolment["id"])
    outcome = post("/v1/outcomes", bodies.ete(enrolment["id"], "baseline", TODAY - timedelta(days=20), "neet"),
                   201, 202)
    metrics = get("/v1/metrics")["metrics"]
    code_lists = get("/v1/code-lists")["items"]

    return KnownRecords(
        path={
            "organisation_id": [spare["id"]],
            "client_id": [client["client_id"]],
            "programme_id": [programme["id"]],
            "referral_id": [r["id"] for r in referrals.values()],
            "enrolment_id": [enrolment["id"]],
            "record_id": [outcome["id"]],
            "metric_id": [m["id"] for m in metrics],
            "name": [c["name"] for c in code_lists],
        },
        body={
            "programme_id": programme["id"],
            "referral_id": referrals["emergency_department"]["id"],
            "enrolment_id": enrolment["id"],
            "provider_organisation_id": cast.provider.organisation_id,
        },
    )

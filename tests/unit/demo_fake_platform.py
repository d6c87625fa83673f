"""A fake of the gateway's API, in memory, for the tests of the demo loader, and a way to run the
loader against it."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections import Counter
from datetime import date
from urllib.parse import parse_qsl, unquote_plus

import httpx

from vru_deploy.demo import ClientCredentials, DemoSummary, Patience, load_demo
from vru_deploy.demo.organisations import ORGANISATIONS
from vru_deploy.demo.programmes import PROGRAMMES
from vru_interventions.entrypoints.schemas import ContactIn, ProgrammeIn

from tests.unit.demo_data_support import OUTCOME_IN, REFERRAL_IN


ADMIN = ClientCredentials("vru_" + "a" * 24, "admin+secret/with=odd&chars")
QUICK = Patience(retry_delay_s=0.0, longest_retry_delay_s=0.0)
ACTIONS = {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn", "close": "closed"}


def _problem(status: int, kind: str) -> httpx.Response:
    return httpx.Response(status, json={"type": f"https://vru-platform.example/problems/{kind}", "title": kind,
                                        "status": status})


def _not_found() -> httpx.Response:
    return _problem(404, "not-found")


class FakePlatform:
    """Just enough of the gateway's API, in memory, to drive the loader: client credentials, fake
    tokens that name the client's organisation, each call allowed only to the organisation it
    belongs to (404 for any other), and the lifecycle's rules."""

    def __init__(self, programmes: list[dict] | None = None, *, organisations: list[dict] | None = None,
                 fail: str | None = None, unknown_for: int = 2, unregistered_for: int = 2, reject: bool = False,
                 rate_limited: int = 0, token_lifetime: int = 300, lasts_for: int | None = None) -> None:
        admin_org = {"id": str(uuid.uuid4()), "name": "Platform administrators", "role": "administrator",
                     "active": True}
        self.organisations = {o["id"]: o for o in [admin_org, *(organisations or [])]}
        self.clients = {ADMIN.client_id: {"secret": ADMIN.client_secret, "organisation_id": admin_org["id"],
                                          "revoked": False}}
        self.tokens: dict[str, dict] = {}
        self.issued: Counter[str] = Counter()
        self.authorised: Counter[str] = Counter()
        self.programmes = {p["name"]: p for p in programmes or []}
        self.referrals: dict[str, dict] = {}
        self.enrolments: dict[str, dict] = {}
        self.posted: Counter[str] = Counter()
        self.contacts: Counter[str] = Counter()
        self.acted: Counter[tuple[str, str]] = Counter()
        self.unknown_for, self.unregistered_for, self.fail, self.reject = unknown_for, unregistered_for, fail, reject
        self.refusals: Counter[str] = Counter()
        self.unregistered: Counter[str] = Counter()
        self.rate_limited = rate_limited
        # A token expires once `lasts_for` requests (of all clients) have been let in after it was issued.
        self.token_lifetime, self.lasts_for = token_lifetime, lasts_for

    # --- who is calling ---

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = dict(parse_qsl(request.content.decode()))
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        assert scheme == "Basic" and form == {"grant_type": "client_credentials"}
        raw_id, _, raw_secret = base64.b64decode(encoded).decode().partition(":")
        client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        client = self.clients.get(client_id)
        if client is None or client["secret"] != secret or client["revoked"]:
            return httpx.Response(401, json={"error": "invalid_client",
                                             "error_description": "client authentication failed"})
        token = f"token-{uuid.uuid4().hex}"
        self.tokens[token] = {"client_id": client_id, "issued_at": sum(self.authorised.values())}
        self.issued[client_id] += 1
        return httpx.Response(200, json={"access_token": token, "token_type": "Bearer",
                                         "expires_in": self.token_lifetime})

    def _caller(self, request: httpx.Request) -> dict | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        held = self.tokens.get(token) if scheme == "Bearer" else None
        if held is None or (self.lasts_for and sum(self.authorised.values()) - held["issued_at"] >= self.lasts_for):
            return None
        self.authorised[held["client_id"]] += 1
        return self.organisations[self.clients[held["client_id"]]["organisation_id"]]

    def _programme(self, programme_id: str) -> dict:
        return next(p for p in self.programmes.values() if p["id"] == programme_id)

    def _provides(self, caller: dict, programme_id: str) -> bool:
        return self._programme(programme_id)["provider_organisation_id"] == caller["id"]

    def _active(self, programme_id: str) -> int:
        return sum(e["status"] == "active" and e["programme_id"] == programme_id for e in self.enrolments.values())

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        if self.fail and path.startswith(self.fail):
            return httpx.Response(500, json={"title": "boom"})
        if self.rate_limited > 0:
            self.rate_limited -= 1
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"title": "Too Many Requests"})
        if method == "POST" and path == "/v1/auth/token":
            return self._token(request)
        caller = self._caller(request)
        if caller is None:
            return _problem(401, "unauthenticated")
        body = json.loads(request.content) if request.content else None
        parts = path.split("/")
        self.posted[f"{parts[2]}/{parts[4]}" if len(parts) > 4 and method == "POST" else
                    (parts[2] if method == "POST" else "get")] += 1
        role = caller["role"]
        if parts[2] in ("organisations", "clients") or (parts[2] == "programmes" and method == "POST"):
            if role != "administrator":
                return _problem(403, "insufficient-scope")
            return self._administer(method, path, parts, body)
        if method == "GET" and path == "/v1/programmes":
            offset = int(request.url.params["offset"])
            return httpx.Response(200, json={"items": sorted(self.programmes.values(),
                                                             key=lambda p: p["name"])[offset:offset + 200]})
        if parts[2] == "referrals":
            return self._referrals(caller, method, parts, body)
        if role != "provider":
            return _problem(403, "insufficient-scope")
        self.acted[(parts[-1] if method == "POST" else "read", caller["name"])] += 1
        return self._provide(caller, method, path, parts, body)

    # --- administrators ---

    def _administer(self, method: str, path: str, parts: list[str], body: dict | None) -> httpx.Response:
        if method == "GET" and path == "/v1/organisations":
            return httpx.Response(200, json={"items": sorted(self.organisations.values(), key=lambda o: o["name"])})
        if method == "POST" and path == "/v1/organisations":
            if any(o["name"].casefold() == body["name"].casefold() for o in self.organisations.values()):
                return _problem(409, "duplicate-organisation")
            made = {"id": str(uuid.uuid4()), "name": body["name"], "role": body["role"], "active": True}
            self.organisations[made["id"]] = made
            return httpx.Response(201, json=made)
        if method == "POST" and path.endswith("/clients"):
            client_id = "vru_" + uuid.uuid4().hex[:24]
            self.clients[client_id] = {"secret": f"secret-{uuid.uuid4()}", "organisation_id": parts[3],
                                       "revoked": False}
            return httpx.Response(201, json={"client_id": client_id, "organisation_id": parts[3], "name": body["name"],
                                             "client_secret": self.clients[client_id]["secret"]})
        if method == "POST" and path.endswith("/revoke"):
            self.clients[parts[3]]["revoked"] = True
            return httpx.Response(200, json={"client_id": parts[3]})
        if method == "POST" and path == "/v1/programmes":
            ProgrammeIn.model_validate(body)
            provider = self.organisations.get(body["provider_organisation_id"])
            # The provider's registration reaches the interventions service a little after it is made.
            if provider is None or self.unregistered[provider["id"]] < self.unregistered_for:
                self.unregistered[body["provider_organisation_id"]] += 1
                return _problem(422, "unknown-organisation")
            assert provider["role"] == "provider"
            if body["name"] in self.programmes:
                return _problem(409, "duplicate-programme")
            self.programmes[body["name"]] = {"id": str(uuid.uuid4()), **body, "provider": provider["name"]}
            return httpx.Response(201, json=self.programmes[body["name"]])
        return _not_found()

    # --- referrers and providers ---

    def _referrals(self, caller: dict, method: str, parts: list[str], body: dict | None) -> httpx.Response:
        if method == "POST" and len(parts) == 3:
            if caller["role"] != "referrer":
                return _problem(403, "insufficient-scope")
            REFERRAL_IN.validate_python(body)
            # The first referrals to each programme come before the programme's event reached the service.
            if self.refusals[body["programme_id"]] < self.unknown_for:
                self.refusals[body["programme_id"]] += 1
                return _problem(422, "unknown-programme")
            referral = {"id": str(uuid.uuid4()), "status": "received", "programme_id": body["programme_id"],
                        "source": body["source"], "referrer": caller["id"], "referrer_name": caller["name"]}
            self.referrals[referral["id"]] = referral
            return httpx.Response(201, json=referral)
        referral, action = self.referrals[parts[3]], parts[4]
        mine = referral["referrer"] == caller["id"] if action == "withdraw" else \
            self._provides(caller, referral["programme_id"])
        if not mine:
            return _not_found()
        self.acted[(action, caller["name"])] += 1
        allowed = {"accept": ("received",), "decline": ("received",), "withdraw": ("received", "accepted"),
                   "close": ("accepted",)}[action]
        if referral["status"] not in allowed:
            return _problem(409, "illegal-transition")
        referral["status"] = ACTIONS[action]
        return httpx.Response(200, json=referral)

    def _provide(self, caller: dict, method: str, path: str, parts: list[str], body: dict | None) -> httpx.Response:
        if method == "POST" and path == "/v1/enrolments":
            referral = self.referrals[body["referral_id"]]
            if not self._provides(caller, body["programme_id"]):
                return _not_found()
            assert referral["status"] == "accepted" and referral["programme_id"] == body["programme_id"]
            enrolment = {"id": str(uuid.uuid4()), "status": "awaiting_acceptance", "polls": 0, **body}
            self.enrolments[enrolment["id"]] = enrolment
            return httpx.Response(202, json=enrolment)
        if method == "POST" and path == "/v1/outcomes":
            OUTCOME_IN.validate_python(body)
            enrolment = self.enrolments[body["enrolment_id"]]
            if not self._provides(caller, enrolment["programme_id"]):
                return _not_found()
            assert enrolment["status"] in ("active", "ended")
            return httpx.Response(201, json={"id": str(uuid.uuid4())})
        enrolment = self.enrolments[parts[3]]
        if not self._provides(caller, enrolment["programme_id"]):
            return _not_found()
        if method == "GET":
            enrolment["polls"] += 1
            if enrolment["status"] == "awaiting_acceptance" and enrolment["polls"] >= 2:
                programme = self._programme(enrolment["programme_id"])
                full = programme["capacity"] is not None and self._active(programme["id"]) >= programme["capacity"]
                enrolment["status"] = "rejected" if self.reject else "waitlisted" if full else "active"
                enrolment["rejection_reason"] = "the referral was withdrawn" if self.reject else None
            return httpx.Response(200, json=enrolment)
        if enrolment["status"] != "active":
            return _problem(409, "illegal-transition")
        if path.endswith("/contacts"):
            ContactIn.model_validate(body)
            self.contacts[enrolment["id"]] += 1
            return httpx.Response(201, json={"id": str(uuid.uuid4())})
        enrolment["status"] = "ended"
        return httpx.Response(200, json=enrolment)

    # --- what the tests look at ---

    def named(self, name: str) -> dict:
        return next(o for o in self.organisations.values() if o["name"] == name)

    def demo_clients(self) -> list[dict]:
        return [c for client_id, c in self.clients.items() if client_id != ADMIN.client_id]


def demo_organisations() -> list[dict]:
    return [{"id": str(uuid.uuid4()), "name": o.name, "role": o.role, "active": True} for o in ORGANISATIONS]


def existing_programmes(organisations: list[dict]) -> list[dict]:
    ids = {o["name"]: o["id"] for o in organisations}
    return [{"id": str(uuid.uuid4()), **spec.body(date.today(), ids[spec.provider]), "provider": spec.provider}
            for spec in PROGRAMMES]


async def load_into(platform: FakePlatform, referrals: int = 120, credentials: ClientCredentials = ADMIN,
                    patience: Patience = QUICK) -> DemoSummary:
    async def answer(request: httpx.Request) -> httpx.Response:
        # Requests in flight at once interleave, as they would over a network.
        await asyncio.sleep(0)
        return platform(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        return await load_demo("http://gateway.test/", credentials, referrals=referrals, seed=7, client=client,
                               patience=patience)

"""Loading the plan through the gateway, acting as the right organisation for every call: the
administrator makes the programmes, referrers refer (and withdraw), providers decide, enrol,
record contacts, end enrolments and record outcomes on their own programmes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from vru_deploy.demo.actors import Actor, Cast, ClientCredentials, assemble
from vru_deploy.demo.gateway import DemoLoadError, Gateway, Patience, check, problem_kind
from vru_deploy.demo.organisations import ORGANISATIONS, PROVIDERS, REFERRERS
from vru_deploy.demo.plan import UK, PlannedEnrolment, PlannedReferral, plan_demo
from vru_deploy.demo.programmes import PROGRAMMES

# Enrolments that will end are run start-to-end at most this many at once per programme, so they
# never fill a programme with a place limit: those left open at the end are the ones to queue.
PIPELINES = 6
AWAITING = ("awaiting_referral", "awaiting_acceptance")
ADMINISTRATOR_HINT = ("; check the administrator's credentials (--credentials FILE, or VRU_DEMO_CLIENT_ID and "
                      "VRU_DEMO_CLIENT_SECRET)")


@dataclass(frozen=True)
class DemoSummary:
    organisations: int
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


async def _existing_programmes(administrator: Actor) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    while True:
        items = (await administrator.call("GET", f"/v1/programmes?limit=200&offset={len(found)}", (200,)))["items"]
        found.update({p["name"]: p for p in items})
        if len(items) < 200:
            return found


async def _create_programme(administrator: Actor, body: dict[str, Any], patience: Patience) -> httpx.Response:
    """Create it; an organisation registered moments ago may not have reached the interventions service yet."""
    async for _ in patience.tries(patience.organisation_known_within_s):
        response = await administrator.send("POST", "/v1/programmes", body)
        if response.status_code != 422 or problem_kind(response) != "unknown-organisation":
            break
    return response


async def _programmes(cast: Cast, today: date, earliest: date, patience: Patience) -> dict[str, dict[str, Any]]:
    """The demo programmes by name, created when missing; existing ones must be run by the demo's
    provider and take what the plan sends."""
    programmes = await _existing_programmes(cast.administrator)
    for spec in PROGRAMMES:
        provider_id = cast.organisation_id(spec.provider)
        if spec.name not in programmes:
            response = await _create_programme(cast.administrator, spec.body(today, provider_id), patience)
            made = check(response, (201, 409), cast.administrator.who)
            programmes = {**programmes, spec.name: made} if response.status_code == 201 else \
                await _existing_programmes(cast.administrator)
        p = programmes[spec.name]
        if str(p.get("provider_organisation_id")) != provider_id:
            raise DemoLoadError(f"programme {spec.name!r} exists, run by organisation "
                                f"{p.get('provider_organisation_id')} ({p.get('provider')!r}), not by the demo's "
                                f"{spec.provider!r}; rename or revise it, or load into an empty platform")
        active_to = date.fromisoformat(p["active_to"]) if p.get("active_to") else None
        if (not set(spec.sources) <= set(p["accepted_sources"]) or p["min_age"] > spec.min_age
                or p["max_age"] < spec.max_age or date.fromisoformat(p["active_from"]) > earliest
                or (active_to is not None and active_to < today - timedelta(days=1))):
            raise DemoLoadError(f"programme {spec.name!r} exists with terms the demo's referrals do not fit "
                                f"(it takes {p['accepted_sources']}, ages {p['min_age']}-{p['max_age']}, from "
                                f"{p['active_from']}); rename or revise it, or load into an empty platform")
    return programmes


async def _refer(referrer: Actor, p: PlannedReferral, programme_id: str, patience: Patience) -> str:
    """Post a referral; a programme created moments ago may not have reached the referrals service yet."""
    body = {"programme_id": programme_id, **p.body}
    async for _ in patience.tries(patience.programme_known_within_s):
        response = await referrer.send("POST", "/v1/referrals", body)
        if response.status_code != 422 or problem_kind(response) != "unknown-programme":
            break
    return check(response, (201,), referrer.who)["id"]


async def _decide(cast: Cast, p: PlannedReferral, referral_id: str, tally: Counter[str]) -> None:
    """The provider accepts, declines or closes; the referrer withdraws."""
    for step in p.steps:
        actor = cast[p.referrer] if step.by_referrer else cast[p.provider]
        body = {"reason": step.reason} if step.reason else None
        await actor.call("POST", f"/v1/referrals/{referral_id}/{step.action}", (200,), body)
        tally[step.action] += 1


async def _enrol(provider: Actor, e: PlannedEnrolment, referral_id: str, programme_id: str,
                 patience: Patience) -> dict[str, Any]:
    """Enrol, then wait (bounded) until the referral's acceptance has reached the interventions service."""
    body = {"referral_id": referral_id, "programme_id": programme_id, "start_date": e.start_date.isoformat()}
    enrolment = await provider.call("POST", "/v1/enrolments", (201, 202), body)
    async for attempt in patience.tries(patience.active_within_s):
        if attempt:
            enrolment = await provider.call("GET", f"/v1/enrolments/{enrolment['id']}", (200,))
        if enrolment["status"] not in AWAITING:
            break
    if enrolment["status"] not in ("active", "waitlisted"):
        why = enrolment.get("rejection_reason") or \
            f"still {enrolment['status']} after {patience.active_within_s:.0f} s"
        raise DemoLoadError(f"enrolment {enrolment['id']} of referral {referral_id} did not start: {why}")
    return enrolment


async def _take_up(provider: Actor, e: PlannedEnrolment, referral_id: str, programme_id: str,
                   patience: Patience, tally: Counter[str]) -> None:
    """Enrol; once active, record the contacts, end the enrolment if planned, and record its outcomes."""
    enrolment = await _enrol(provider, e, referral_id, programme_id, patience)
    if enrolment["status"] == "waitlisted":
        # Its planned history cannot happen: it starts only when a place frees up.
        tally["waitlisted"] += 1
        return
    tally["enrolments"] += 1
    path = f"/v1/enrolments/{enrolment['id']}"
    for contact in e.contacts:
        await provider.call("POST", f"{path}/contacts", (201,), contact)
        tally["contacts"] += 1
    if e.end is not None:
        await provider.call("POST", f"{path}/end", (200,), {"end_date": e.end[0].isoformat(), "exit_reason": e.end[1]})
        tally["ended"] += 1
    await asyncio.gather(*(provider.call("POST", "/v1/outcomes", (201, 202), {"enrolment_id": enrolment["id"], **o})
                           for o in e.outcomes))
    tally["outcomes"] += len(e.outcomes)


async def _load(cast: Cast, plan: list[PlannedReferral], today: date, patience: Patience) -> Counter[str]:
    tally: Counter[str] = Counter()
    earliest = min((p.referred_at.astimezone(UK).date() for p in plan), default=today)
    ids = {name: p["id"] for name, p in (await _programmes(cast, today, earliest, patience)).items()}

    async def refer(i: int) -> str:
        return await _refer(cast[plan[i].referrer], plan[i], ids[plan[i].programme], patience)

    # One referral per programme first, so only those few wait for the programme to reach referrals.
    firsts = list({p.programme: i for i, p in reversed(list(enumerate(plan)))}.values())
    referral_ids = dict(zip(firsts, await asyncio.gather(*map(refer, firsts)), strict=True))
    rest = [i for i in range(len(plan)) if i not in referral_ids]
    referral_ids |= dict(zip(rest, await asyncio.gather(*map(refer, rest)), strict=True))
    await asyncio.gather(*(_decide(cast, p, referral_ids[i], tally) for i, p in enumerate(plan)))

    def take_up(i: int, e: PlannedEnrolment):
        return _take_up(cast[plan[i].provider], e, referral_ids[i], ids[plan[i].programme], patience, tally)

    # Enrolments that end run first and few at a time per programme; the open ones then fill
    # the places, oldest first, and those past a programme's capacity join its waitlist.
    lanes = {name: asyncio.Semaphore(PIPELINES) for name in ids}

    async def in_lane(i: int, e: PlannedEnrolment) -> None:
        async with lanes[plan[i].programme]:
            await take_up(i, e)

    enrolled = [(i, p.enrolment) for i, p in enumerate(plan) if p.enrolment is not None]
    await asyncio.gather(*(in_lane(i, e) for i, e in enrolled if e.end is not None))
    still_open = sorted(((i, e) for i, e in enrolled if e.end is None), key=lambda ie: ie[1].start_date)
    await asyncio.gather(*(take_up(i, e) for i, e in still_open))
    return tally


async def load_demo(base_url: str, administrator: ClientCredentials, *, referrals: int = 300, seed: int = 2026,
                    client: httpx.AsyncClient | None = None, patience: Patience = Patience()) -> DemoSummary:
    """Fill a running platform with a synthetic data set through its gateway; fresh people on every run.

    `administrator` are the credentials of an administrator's API client: with them the loader
    registers the demo's organisations (or finds them by name) and gives each a client for this
    run, revoked at the end."""
    today = datetime.now(UK).date()
    plan = plan_demo(referrals, seed=seed, today=today, salt=time.time_ns())
    own = client is None
    client = client or httpx.AsyncClient(timeout=30.0)
    try:
        gateway = Gateway(client, base_url, patience)
        admin = Actor(gateway, "the administrator", administrator, hint=ADMINISTRATOR_HINT)
        acting = frozenset({*(o.name for o in PROVIDERS), *(o.name for o in REFERRERS.values())})
        cast = await assemble(admin, ORGANISATIONS, acting)
        try:
            tally = await _load(cast, plan, today, patience)
        except Exception:
            # The load's own error is the one to report; a client left unrevoked has a lost secret.
            with contextlib.suppress(DemoLoadError):
                await cast.retire()
            raise
        await cast.retire()
    finally:
        if own:
            await client.aclose()
    return DemoSummary(organisations=len(ORGANISATIONS), programmes=len(PROGRAMMES), referrals=len(plan),
                       accepted=tally["accept"], declined=tally["decline"], withdrawn=tally["withdraw"],
                       closed=tally["close"], enrolments=tally["enrolments"], waitlisted=tally["waitlisted"],
                       ended=tally["ended"], contacts=tally["contacts"], outcomes=tally["outcomes"])

"""What the platform made of a stream, read through its API as its users would."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import httpx

from tests.faults.load import Attempts, retryable, send
from tests.support import bodies, infra

START_DATE = (date.today() - timedelta(days=20)).isoformat()


def create_programme(cast) -> str:
    """A programme run by the cast's provider, with room for everyone."""
    with cast.administrator.client() as admin:
        answer = send(admin, "POST", "/v1/programmes",
                      json=bodies.programme(provider_organisation_id=cast.provider.organisation_id),
                      retry_on=lambda a: retryable(a) or a.status_code == 422 and "unknown-organisation" in a.text)
    assert answer.answer is not None and answer.answer.status_code == 201, answer.statuses
    return answer.json()["id"]


def marker(case: str, i: int) -> str:
    return f"FAULT-{case}-{i:04d}"


def referral_body(programme_id: str, mark: str) -> dict[str, Any]:
    """A school referral whose local identifier says which logical request made it."""
    return bodies.referral(programme_id, "school", [
        {"type": "local", "value": mark, "issuer": "Fault tests (synthetic)"}])


def pages(api: httpx.Client, path: str, **params: Any) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        answer = api.get(path, params={**params, "limit": 200, "offset": offset})
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        yield from items
        if len(items) < 200:
            return
        offset += 200


def referral_marks(api: httpx.Client, programme_id: str) -> Counter[str]:
    """How many referrals of the programme carry each logical request's marker."""
    marks: Counter[str] = Counter()
    for summary in pages(api, "/v1/referrals", programme_id=programme_id):
        detail = api.get(f"/v1/referrals/{summary['id']}")
        assert detail.status_code == 200, detail.text
        for identifier in detail.json()["identifiers"]:
            if identifier["type"] == "local":
                marks[identifier["value"]] += 1
    return marks


def funnel(api: httpx.Client, metric: str, programme_id: str) -> tuple[int, int]:
    """(numerator, denominator) of a funnel metric for one programme, internal audience."""
    answer = api.get(f"/v1/metrics/{metric}", params={
        "audience": "internal", "group_by": "programme", "programme_id": programme_id})
    assert answer.status_code == 200, answer.text
    cells = [c for c in answer.json()["cells"] if c["group"].get("programme") == programme_id]
    return (sum(c["numerator"] or 0 for c in cells), sum(c["denominator"] or 0 for c in cells))


def count(api: httpx.Client, path: str, **params: Any) -> int:
    return sum(1 for _ in pages(api, path, **params))


def settle(read: Callable[[], dict[str, int]], expected: int, *, timeout: float = 60,
           quiet_s: float = 2.0) -> dict[str, int]:
    """Read until every count reaches `expected` (bounded), then once more after a quiet spell so
    that a late duplicate shows; returns the last counts whether or not they got there."""
    deadline = time.monotonic() + timeout
    counts = _read_or_none(read)
    while counts is None or any(v < expected for v in counts.values()):
        if time.monotonic() > deadline:
            return counts or {}
        time.sleep(0.5)
        counts = _read_or_none(read)
    time.sleep(quiet_s)
    return _read_or_none(read) or counts


def _read_or_none(read: Callable[[], dict[str, int]]) -> dict[str, int] | None:
    try:
        return read()
    except (AssertionError, httpx.HTTPError):
        # A service still coming back: read again on the next round.
        return None


def projections(cast, programme_id: str) -> dict[str, int]:
    """Each consumer's view of a programme's referrals that were all accepted and enrolled."""
    with cast.provider.client() as api:
        accepted_num, received = funnel(api, "funnel.accepted", programme_id)
        enrolled_num, _ = funnel(api, "funnel.enrolled", programme_id)
        return {
            "outcomes: referrals received": received,
            "outcomes: referrals accepted": accepted_num,
            "outcomes: referrals enrolled": enrolled_num,
            "interventions: active enrolments": count(api, "/v1/enrolments", programme_id=programme_id,
                                                      status="active"),
            "referrals: enrolled": count(api, "/v1/referrals", programme_id=programme_id, status="enrolled"),
        }


def enrol_all(cast, programme_id: str, referral_ids: list[str]) -> list[Attempts]:
    with cast.provider.client() as api:
        return [send(api, "POST", "/v1/enrolments",
                     json={"referral_id": r, "programme_id": programme_id, "start_date": START_DATE})
                for r in referral_ids]


def dead_letters(prefix: str) -> dict[str, int]:
    """How many messages each consuming service has given up on."""

    async def depths() -> dict[str, int]:
        return {service: await infra.queue_depth(f"{prefix}.{service}.dead-letter")
                for service in ("referrals", "interventions", "outcomes")}

    return asyncio.run(depths())

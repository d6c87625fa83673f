"""A client with a very short timeout that retries every POST until it gets an answer, with the same
Idempotency-Key for each logical request: each referral, acceptance, enrolment and outcome takes
effect once, however many attempts reached the platform."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pytest

from tests.faults.load import Clients, send, Stream
from tests.faults.readings import (START_DATE, create_programme, marker, pages, projections, referral_body,
                                   referral_marks, settle)
from tests.faults.report import Row
from tests.support import bodies

pytestmark = pytest.mark.faults

JOURNEYS = 40
PER_SECOND = 4
BASELINE = date.today() - timedelta(days=19)


def impatient(attempt: int) -> float:
    """25 ms at first, so that most first attempts give up before the answer; doubling to 2 s."""
    return min(0.025 * 2 ** attempt, 2.0)


def test_a_client_retrying_every_post_on_timeouts_with_one_key_makes_no_duplicates(platform, fault_report):
    cast = platform.cast
    programme_id = create_programme(cast)
    seen: Counter[int | str] = Counter()
    replayed = Counter[str]()
    lock = threading.Lock()
    with Clients() as api:

        def post(actor, step: str, path: str, body=None):
            attempts = send(api(actor), "POST", path, json=body, timeout=impatient)
            with lock:
                seen.update(attempts.statuses)
                if attempts.answer is not None and attempts.answer.headers.get("Idempotent-Replayed") == "true":
                    replayed[step] += 1
            return attempts

        def journey(i: int):
            done = {"referral": post(cast.referrer, "referral", "/v1/referrals",
                                     referral_body(programme_id, marker("retry", i)))}
            if not done["referral"].ok:
                return done
            referral_id = done["referral"].json()["id"]
            done["acceptance"] = post(cast.provider, "acceptance", f"/v1/referrals/{referral_id}/accept")
            done["enrolment"] = post(cast.provider, "enrolment", "/v1/enrolments", {
                "referral_id": referral_id, "programme_id": programme_id, "start_date": START_DATE})
            if done["enrolment"].ok:
                done["outcome"] = post(cast.provider, "outcome", "/v1/outcomes",
                                       bodies.ete(done["enrolment"].json()["id"], "baseline", BASELINE, "neet"))
            return done

        results = Stream(JOURNEYS, journey, per_second=PER_SECOND).start().finish(timeout=240)

    requests = [(i, step, attempts) for i, done in enumerate(results) for step, attempts in done.items()]
    ok = [(i, step, attempts) for i, step, attempts in requests if attempts.ok]
    referral_ids = {results[i]["referral"].json()["id"] for i, step, _ in ok if step == "referral"}
    with cast.provider.client() as provider:
        marks = referral_marks(provider, programme_id)
        enrolments = Counter(e["referral_id"] for e in pages(provider, "/v1/enrolments", programme_id=programme_id))
        enrolment_ids = {e["id"] for e in pages(provider, "/v1/enrolments", programme_id=programme_id)}
        outcomes = Counter(o["enrolment_id"] for o in pages(provider, "/v1/outcomes")
                           if o["enrolment_id"] in enrolment_ids)
        statuses = Counter(r["status"] for r in pages(provider, "/v1/referrals", programme_id=programme_id))
    records = {"referral": sum(marks.values()), "enrolment": sum(enrolments.values()),
               "outcome": sum(outcomes.values())}
    ok_by_step = Counter(step for _, step, _ in ok)
    duplicated = sum(n - 1 for n in [*marks.values(), *enrolments.values(), *outcomes.values()] if n > 1)
    # Acceptances leave no record of their own: each shows as its referral's status.
    found = {**{step: min(ok_by_step[step], len(Counter(records_of)))
                for step, records_of in (("referral", marks), ("enrolment", enrolments), ("outcome", outcomes))},
             "acceptance": min(ok_by_step["acceptance"], statuses["accepted"] + statuses["enrolled"])}
    delivered = sum(found.values())
    counts = settle(lambda: projections(cast, programme_id), ok_by_step["enrolment"], timeout=60)
    row = fault_report.add(Row(
        "5 client retries on timeout", len(requests), len(ok), delivered, duplicated, len(ok) - delivered,
        {"attempts": sum(seen.values()), "timeouts": seen["ReadTimeout"] + seen["ConnectTimeout"]
         + seen["WriteTimeout"] + seen["PoolTimeout"],
         "answers": {str(k): v for k, v in sorted(seen.items(), key=str)}, "replayed": dict(replayed),
         "records": records, "projections": counts},
    ))

    assert row.notes["timeouts"] > 0, "the client never timed out: the case tested nothing"
    assert sum(replayed.values()) > 0, "no retry reached a request that had already taken effect"
    assert len(ok) == len(requests) == 4 * JOURNEYS, Counter(
        (step, attempts.statuses[-1]) for _, step, attempts in requests if not attempts.ok)
    assert records == {"referral": JOURNEYS, "enrolment": JOURNEYS, "outcome": JOURNEYS}
    assert len(referral_ids) == JOURNEYS
    assert (row.lost, row.duplicated) == (0, 0)
    assert set(counts.values()) == {JOURNEYS}

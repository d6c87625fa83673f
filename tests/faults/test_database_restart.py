"""PostgreSQL restarted under a stream of referrals, acceptances and enrolments: callers get a clean,
retryable 503 with Retry-After (never a 500), a refused request leaves nothing half-written, and
everything that was accepted is there afterwards, once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from tests.faults import database
from tests.faults.load import Clients, send, Stream
from tests.faults.readings import (START_DATE, create_programme, dead_letters, marker, projections, referral_body,
                                   referral_marks, settle)
from tests.faults.report import Row

pytestmark = pytest.mark.faults

REFERRALS = 120
PER_SECOND = 12


def test_a_database_restart_under_load_gives_retryable_503s_and_loses_or_doubles_nothing(platform, fault_report):
    cast = platform.cast
    programme_id = create_programme(cast)
    seen: Counter[int | str] = Counter()
    refusals: list[tuple] = []
    lock = threading.Lock()
    with Clients() as api:

        def call(actor, method: str, path: str, **kwargs):
            attempts = send(api(actor), method, path, **kwargs)
            with lock:
                seen.update(attempts.statuses)
                refusals.extend(attempts.refusals)
            return attempts

        def refer_accept_enrol(i: int):
            made = call(cast.referrer, "POST", "/v1/referrals", json=referral_body(programme_id, marker("pg", i)))
            if not made.ok:
                return made, None, None
            referral_id = made.json()["id"]
            accepted = call(cast.provider, "POST", f"/v1/referrals/{referral_id}/accept")
            enrolled = call(cast.provider, "POST", "/v1/enrolments", json={
                "referral_id": referral_id, "programme_id": programme_id, "start_date": START_DATE})
            return made, accepted, enrolled

        stream = Stream(REFERRALS, refer_accept_enrol, per_second=PER_SECOND).start()
        stream.wait_for(REFERRALS // 3)
        restarted_at = stream.done
        database.restart()
        results = stream.finish(timeout=180)

    ok = [r for r in results if all(a is not None and a.ok for a in r)]
    with cast.provider.client() as provider:
        marks = referral_marks(provider, programme_id)
    made_ok = {marker("pg", i) for i, (made, _, _) in enumerate(results) if made.ok}
    counts = settle(lambda: projections(cast, programme_id), len(ok), timeout=90)
    counts["referrals: records"] = sum(marks.values())
    row = fault_report.add(Row.of(
        "3 postgres restarted", REFERRALS, len(ok), counts, restarted_after=restarted_at,
        statuses={str(k): v for k, v in sorted(seen.items(), key=str)},
        dead_letters=dead_letters(platform.env["VRU_BUS_PREFIX"]),
    ))

    unexpected = {status: n for status, n in seen.items() if status not in (200, 201, 202, 503)}
    assert unexpected == {}, f"answers other than success or a retryable 503: {unexpected}"
    assert seen[503] > 0, "the restart was not felt: no request was refused while the database was away"
    clean = {(status, bool(retry_after), (kind or "").rsplit("/", 1)[-1], (media or "").split(";")[0])
             for status, retry_after, media, kind in refusals}
    assert clean == {(503, True, "database-unavailable", "application/problem+json")}, clean
    assert len(ok) == REFERRALS, "a logical request did not succeed in the end"
    # Nothing half-written: one record per referral the caller was told was made, and none besides.
    assert set(marks) == made_ok and set(marks.values()) == {1}
    assert (row.lost, row.duplicated) == (0, 0)
    assert row.notes["dead_letters"] == {"referrals": 0, "interventions": 0, "outcomes": 0}

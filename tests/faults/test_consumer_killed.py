"""The outcomes service killed with SIGKILL in the middle of a stream, and restarted by the `vru full`
supervisor: messages it had taken but not acknowledged come again, and the inbox makes each count once."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import httpx
import pytest

from tests.faults.load import Clients, send, Stream
from tests.faults.readings import (START_DATE, create_programme, dead_letters, marker, projections, referral_body,
                                   settle)
from tests.faults.report import Row
from tests.support.processes import poll
from vru_deploy.components import default_port

pytestmark = pytest.mark.faults

REFERRALS = 120
PER_SECOND = 12


def service_pid(platform, service: str) -> int:
    """The pid of the supervisor's child serving `service` on its port."""
    port = default_port(service, int(platform.url.rsplit(":", 1)[1]))
    pattern = f"vru_deploy serve {service} .*--port {port}$"
    found = subprocess.run(["pgrep", "-P", str(platform.process.pid), "-f", pattern],
                           capture_output=True, text=True, timeout=10)
    pids = [int(p) for p in found.stdout.split()]
    assert len(pids) == 1, f"expected one {service} process, found {pids}"
    return pids[0]


def restarts(platform, service: str) -> list[dict]:
    """The supervisor's JSON log entries for restarting `service`."""
    found = []
    for line in platform.log().splitlines():
        if line.startswith("{") and '"component restarted"' in line:
            entry = json.loads(line)
            if entry.get("component") == service:
                found.append(entry)
    return found


def test_a_consumer_killed_mid_stream_is_restarted_and_counts_every_event_exactly_once(platform, fault_report):
    cast = platform.cast
    programme_id = create_programme(cast)
    killed = service_pid(platform, "outcomes")
    with Clients() as api:

        def refer_accept_enrol(i: int):
            made = send(api(cast.referrer), "POST", "/v1/referrals",
                        json=referral_body(programme_id, marker("kill", i)))
            if not made.ok:
                return made, None, None
            referral_id = made.json()["id"]
            accepted = send(api(cast.provider), "POST", f"/v1/referrals/{referral_id}/accept")
            enrolled = send(api(cast.provider), "POST", "/v1/enrolments", json={
                "referral_id": referral_id, "programme_id": programme_id, "start_date": START_DATE})
            return made, accepted, enrolled

        stream = Stream(REFERRALS, refer_accept_enrol, per_second=PER_SECOND).start()
        stream.wait_for(REFERRALS // 3)
        os.kill(killed, signal.SIGKILL)
        killed_at = stream.done
        results = stream.finish()

    # The supervisor brought it back, as a new process, and said so in its JSON log.
    poll(lambda: restarts(platform, "outcomes"), bool, timeout=30)
    revived = service_pid(platform, "outcomes")
    poll(lambda: httpx.get(f"{platform.url}/ready", timeout=5).status_code, lambda s: s == 200, timeout=30)

    ok = [r for r in results if all(a is not None and a.ok for a in r)]
    counts = settle(lambda: projections(cast, programme_id), len(ok), timeout=90)
    row = fault_report.add(Row.of(
        "2 consumer SIGKILLed", REFERRALS, len(ok), counts, killed_after=killed_at,
        restarts=len(restarts(platform, "outcomes")), dead_letters=dead_letters(platform.env["VRU_BUS_PREFIX"]),
    ))

    assert revived != killed
    assert len(ok) == REFERRALS  # the stream never talked to the outcomes service
    assert (row.lost, row.duplicated) == (0, 0)
    assert set(counts.values()) == {REFERRALS}
    assert row.notes["dead_letters"] == {"referrals": 0, "interventions": 0, "outcomes": 0}
    assert platform.process.poll() is None  # one restart is well within the supervisor's bounds

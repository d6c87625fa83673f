"""RabbitMQ stopped in the middle of a stream of referrals and started again: the outbox keeps every
accepted referral's events until the broker is back, and each consumer counts each exactly once."""

from __future__ import annotations

import time

import pytest

from tests.faults import broker
from tests.faults.load import Clients, send, Stream
from tests.faults.readings import (create_programme, dead_letters, enrol_all, marker, projections, referral_body,
                                   settle)
from tests.faults.report import Row

pytestmark = pytest.mark.faults

REFERRALS = 150
PER_SECOND = 15
DOWN_FOR_S = 4


def test_every_referral_accepted_while_the_broker_was_down_reaches_every_consumer_exactly_once(
    platform, fault_report
):
    cast = platform.cast
    programme_id = create_programme(cast)
    with Clients() as api:

        def refer_and_accept(i: int):
            made = send(api(cast.referrer), "POST", "/v1/referrals",
                        json=referral_body(programme_id, marker("broker", i)))
            if not made.ok:
                return made, None
            return made, send(api(cast.provider), "POST", f"/v1/referrals/{made.json()['id']}/accept")

        stream = Stream(REFERRALS, refer_and_accept, per_second=PER_SECOND).start()
        stream.wait_for(REFERRALS // 4)
        try:
            broker.stop()
            stopped_at = stream.done
            time.sleep(DOWN_FOR_S)
        finally:
            broker.start()
        restarted_at = stream.done
        results = stream.finish()

    made_statuses = [made.statuses[-1] for made, _ in results]
    accepted_ids = [made.json()["id"] for made, accepted in results if made.ok and accepted and accepted.ok]
    enrolments = enrol_all(cast, programme_id, accepted_ids)
    counts = settle(lambda: projections(cast, programme_id), len(accepted_ids), timeout=90)
    row = fault_report.add(Row.of(
        "1 broker stopped", REFERRALS, len(accepted_ids), counts,
        made_while_down=restarted_at - stopped_at,
        enrolment_answers=sorted({e.statuses[-1] for e in enrolments}),
        dead_letters=dead_letters(platform.env["VRU_BUS_PREFIX"]),
    ))

    # The outbox makes the outage invisible to callers: every referral and acceptance succeeded.
    assert made_statuses == [201] * REFERRALS
    assert len(accepted_ids) == REFERRALS
    assert restarted_at - stopped_at >= PER_SECOND * DOWN_FOR_S // 2, "too few referrals made while it was down"
    assert all(e.ok for e in enrolments)
    assert (row.lost, row.duplicated) == (0, 0)
    assert set(counts.values()) == {REFERRALS}
    assert row.notes["dead_letters"] == {"referrals": 0, "interventions": 0, "outcomes": 0}

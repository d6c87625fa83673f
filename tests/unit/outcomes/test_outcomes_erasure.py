"""Erasure: when a young person's data is erased, nothing here links to them any more, and every
aggregate stays as it was."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from outcomes_harness import World, at, received, world  # noqa: F401
from vru_outcomes.adapters import orm
from vru_shared.contracts.interventions import EnrolmentStarted
from vru_shared.contracts.referrals import SubjectErased

ERASED = "5e" * 32
KEPT = "7a" * 32
START = date(2024, 10, 1)
Q3 = dict(from_="2024/25 Q3", to="2024/25 Q3", group_by="")


def _erased(at_: datetime = datetime(2025, 3, 1, tzinfo=UTC)) -> SubjectErased:
    return SubjectErased(subject_pseudonym=ERASED, erased_at=at_, reason="request")


async def _stored_values(world: World) -> list[str]:
    """Every value of every row of every table of the service, as text."""
    values = []
    async with world.app.state.runtime.sessions() as session:
        for table in orm.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                values += [str(v) for v in row]
    return values


async def _pseudonyms(world: World) -> dict[uuid.UUID, str]:
    async with world.app.state.runtime.sessions() as session:
        rows = (await session.execute(select(orm.cohort.c.enrolment_id, orm.cohort.c.subject_pseudonym))).all()
    return dict(rows)


async def _enrol(world: World, programme: uuid.UUID, subject: str, start: date = START,
                 started_at: datetime | None = None) -> uuid.UUID:
    referral = received(programme, at(start - timedelta(days=1)), age_band="15-17", postcode_district="E1")
    enrolment = uuid.uuid4()
    await world.publish(referral, EnrolmentStarted(
        enrolment_id=enrolment, referral_id=referral.referral_id, programme_id=programme,
        subject_pseudonym=subject, start_date=start, started_at=started_at or at(start, 9)))
    return enrolment


async def test_an_erased_subject_is_unlinked_everywhere_and_every_figure_stays_the_same(world):
    programme = await world.programme()
    # The erased subject was enrolled twice; another subject once.
    first, second = await _enrol(world, programme, ERASED), await _enrol(world, programme, ERASED)
    kept = await _enrol(world, programme, KEPT)
    await world.ete(first, "education", date(2024, 11, 1))
    await world.ete(second, "neet", date(2024, 11, 1))
    await world.ete(kept, "employment", date(2024, 11, 1))
    await world.end(first, date(2024, 12, 1), "completed")
    before = [await world.metric(m, **Q3) for m in ("ete.in_ete_at_latest", "funnel.exit_reasons")]
    assert (before[0]["total"]["numerator"], before[0]["total"]["denominator"]) == (2, 3)

    await world.publish(_erased())

    assert ERASED not in await _stored_values(world)
    pseudonyms = await _pseudonyms(world)
    assert pseudonyms[kept] == KEPT
    # Each erased enrolment is marked by its own id, so two erased members never look like one subject.
    assert (pseudonyms[first], pseudonyms[second]) == (f"erased:{first.hex}", f"erased:{second.hex}")
    after = [await world.metric(m, **Q3) for m in ("ete.in_ete_at_latest", "funnel.exit_reasons")]
    assert [{k: a[k] for k in ("cells", "total")} for a in after] == [
        {k: b[k] for k in ("cells", "total")} for b in before]
    by_age = await world.metric("ete.in_ete_at_latest", from_="2024/25 Q3", to="2024/25 Q3", group_by="age_band")
    assert [(c["group"]["age_band"], c["denominator"]) for c in by_age["cells"]] == [("15-17", 3)]
    # The outcome records stay readable to their provider.
    listed = (await world.client.get("/v1/outcomes", params={"enrolment_id": str(first)})).json()["items"]
    assert [o["status"] for o in listed] == ["education"]


async def test_erasing_twice_changes_nothing_more(world):
    programme = await world.programme()
    enrolment = await _enrol(world, programme, ERASED)
    await world.publish(_erased())
    once = await _pseudonyms(world)
    await world.publish(_erased())
    assert await _pseudonyms(world) == once == {enrolment: f"erased:{enrolment.hex}"}
    assert world.transport.dead_letters == []


async def test_each_unlinked_enrolment_is_in_the_audit_trail_without_the_pseudonym(world):
    programme = await world.programme()
    enrolment = await _enrol(world, programme, ERASED)
    await world.publish(_erased())
    await world.publish(_erased())
    trail = await world.client.get("/v1/audit/outcomes", params={"action": "erase"},
                                   headers=world.headers("administrator"))
    entries = trail.json()["items"]
    assert [(e["resource_type"], e["resource_id"], e["outcome"], e["client_id"], e["detail"]) for e in entries] == [
        ("enrolment", str(enrolment), "allowed", None, "subject unlinked (request)")]
    assert ERASED not in trail.text


async def test_an_enrolment_that_started_before_the_erasure_but_arrives_after_it_arrives_unlinked(world):
    programme = await world.programme()
    await world.publish(_erased(datetime(2025, 3, 1, tzinfo=UTC)))
    late = await _enrol(world, programme, ERASED, started_at=datetime(2025, 2, 1, tzinfo=UTC))
    assert (await _pseudonyms(world))[late] == f"erased:{late.hex}"
    assert ERASED not in await _stored_values(world)


async def test_an_enrolment_that_started_after_the_erasure_is_new_processing_and_keeps_its_pseudonym(world):
    programme = await world.programme()
    await world.publish(_erased(datetime(2025, 3, 1, tzinfo=UTC)))
    later = await _enrol(world, programme, ERASED, start=date(2025, 4, 1))
    assert (await _pseudonyms(world))[later] == ERASED


async def test_erasure_writes_no_pseudonym_to_the_logs(world, capsys):
    programme = await world.programme()
    await _enrol(world, programme, ERASED)
    capsys.readouterr()
    await world.publish(_erased())
    logged = capsys.readouterr()
    assert "subject erased" in logged.out
    assert ERASED not in logged.out + logged.err

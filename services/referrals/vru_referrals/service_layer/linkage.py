"""How a referral's identifiers lead to its subject, under every pseudonym key this service holds.

Each identifier is looked up under the current key and every retired one, and a link is matched
under the key version recorded on it. A link found under a retired key moves to the current key
in the same transaction, so the links drift onto the current key as people are seen again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from vru_referrals.domain.identifiers import Identifier
from vru_referrals.domain.pseudonym_keys import PseudonymKeys, keep_current
from vru_referrals.domain.subjects import Subject, SubjectIdentifier, choose_survivor
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork


def identifier_lock(pseudonym: str) -> str:
    """The lock that serialises everything that links, re-keys or unlinks one identifier."""
    return f"referrals.identifier:{pseudonym}"


@dataclass(frozen=True)
class FoundLinks:
    """One identifier, its pseudonym under the current key, and its links under any key."""

    identifier: Identifier
    pseudonym: str
    links: tuple[SubjectIdentifier, ...]


@dataclass(frozen=True)
class Pseudonymised:
    """Each identifier (once, however it was written) with its pseudonyms under every key held."""

    # By the identifier's pseudonym under the current key.
    wanted: dict[str, tuple[Identifier, dict[int, str]]]

    @classmethod
    def of(cls, identifiers: Iterable[Identifier], keys: PseudonymKeys) -> Pseudonymised:
        return cls({keys.current_pseudonym(i): (i, keys.pseudonyms(i)) for i in identifiers})

    @property
    def every(self) -> list[str]:
        """Every pseudonym the identifiers may have, sorted."""
        return sorted({p for _, by_version in self.wanted.values() for p in by_version.values()})

    @property
    def locks(self) -> list[str]:
        """The locks to hold before looking their links up, in the order to take them.

        Two referrals of a new person at once must not make two subjects (PostgreSQL; SQLite runs one
        writer at a time anyway), and an erasure, which locks the pseudonyms stored, must not
        interleave. Sorted, so two waits never cross.
        """
        return [identifier_lock(p) for p in self.every]


async def find_links(uow: ReferralsUnitOfWork, identifiers: Iterable[Identifier],
                     keys: PseudonymKeys) -> list[FoundLinks]:
    """Each identifier (once, however it was written) with the links it has under any key version,
    its pseudonyms locked first (`Pseudonymised.locks`)."""
    pseudonymised = Pseudonymised.of(identifiers, keys)
    await uow.serialise_on_all(pseudonymised.locks)
    return await links_held(uow, pseudonymised)


async def links_held(uow: ReferralsUnitOfWork, pseudonymised: Pseudonymised) -> list[FoundLinks]:
    """The links of identifiers whose locks this unit of work holds already."""
    stored = await uow.subjects.links(pseudonymised.every)
    return [
        FoundLinks(identifier, current, tuple(
            link for link in stored if by_version.get(link.pseudonym_key_version) == link.pseudonym))
        for current, (identifier, by_version) in pseudonymised.wanted.items()
    ]


def subjects_of(found: Sequence[FoundLinks]) -> set[uuid.UUID]:
    return {link.subject_id for f in found for link in f.links}


async def link_subject(uow: ReferralsUnitOfWork, pseudonymised: Pseudonymised, keys: PseudonymKeys,
                       now: datetime) -> tuple[Subject, bool]:
    """The one subject these identifiers belong to: found, made, or several found and merged; and
    whether it was made just now (a young person seen for the first time).

    The caller holds `pseudonymised.locks`. Afterwards each identifier has exactly one link, under
    the current key, to that subject.
    """
    found = await links_held(uow, pseudonymised)
    linked = subjects_of(found)
    subjects = await uow.subjects.get_many(linked) if linked else ()
    if not subjects:
        subject = Subject.new(key=keys.current, key_version=keys.current_version, now=now)
        uow.subjects.add(subject)
    else:
        subject, absorbed = choose_survivor(subjects)
        if absorbed:
            gone = [s.id for s in absorbed]
            for other in absorbed:
                other.merged_into = subject.id
            await uow.subjects.move_links(gone, subject.id)
            await uow.referrals.move_to_subject(gone, subject.id, subject.pseudonym, subject.pseudonym_key_version)
    for f in found:
        kept = keep_current(f.links, f.pseudonym, keys.current_version)
        # Every link found now leads to `subject`, so the ones superseded add nothing.
        for old in kept.superseded:
            await uow.subjects.drop(old)
        if kept.kept is None:
            uow.subjects.link(SubjectIdentifier(pseudonym=f.pseudonym, subject_id=subject.id,
                                                identifier_type=f.identifier.type,
                                                pseudonym_key_version=keys.current_version, linked_at=now))
    return subject, not subjects

"""The keys of identifier pseudonyms, by version, and how a rotation moves links onto the current one.

An identifier's pseudonym is keyed (domain.identifiers.pseudonym), so a new key gives one person a
new pseudonym. After a rotation the current key makes every new pseudonym, and the retired keys
are kept only to find the people first seen under them: each identifier is looked up under every
version, and a link found under a retired one is re-keyed to the current key. Once no link uses a
retired key, the key can be dropped; without it, the people still linked under it would be
strangers when referred again.

The subject's own pseudonym, the one events carry, is not an identifier pseudonym: it is minted
once, from the subject's random id under the key current then (domain.subjects.subject_pseudonym),
and kept, with that key's version, as it was. It never needs the key again, so a rotation leaves it,
and every service that keys on it, unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vru_referrals.domain.identifiers import Identifier, identifier_pseudonym
from vru_referrals.domain.subjects import SubjectIdentifier


@dataclass(frozen=True)
class PseudonymKeys:
    """Every pseudonym key this service holds, by version: the current one and those retired."""

    current_version: int
    secrets: Mapping[int, bytes]

    def __post_init__(self) -> None:
        if self.current_version not in self.secrets:
            raise ValueError(f"no key for the current version {self.current_version}")
        if any(version > self.current_version for version in self.secrets):
            raise ValueError("a retired key's version must be older than the current one")

    @property
    def current(self) -> bytes:
        return self.secrets[self.current_version]

    @property
    def retired_versions(self) -> tuple[int, ...]:
        return tuple(sorted(v for v in self.secrets if v != self.current_version))

    def pseudonyms(self, identifier: Identifier) -> dict[int, str]:
        """The identifier's pseudonym under every key held, by version."""
        return {version: identifier_pseudonym(secret, identifier) for version, secret in self.secrets.items()}

    def current_pseudonym(self, identifier: Identifier) -> str:
        return identifier_pseudonym(self.current, identifier)


@dataclass(frozen=True)
class KeptLink:
    """Of one identifier's links, the one that stays (now on the current key) and those it replaces."""

    kept: SubjectIdentifier | None
    superseded: tuple[SubjectIdentifier, ...]
    rekeyed: bool


def keep_current(links: Sequence[SubjectIdentifier], pseudonym: str, version: int) -> KeptLink:
    """Bring one identifier's links, found under any key, to one link under the current key.

    A link already under the current key stays; otherwise the newest retired one is re-keyed. Any
    other is superseded: one identifier has one link once its subjects are known to be one person.
    """
    if not links:
        return KeptLink(None, (), rekeyed=False)
    current = [link for link in links if link.pseudonym_key_version == version]
    kept = current[0] if current else max(links, key=lambda link: link.pseudonym_key_version)
    rekeyed = kept.pseudonym_key_version != version
    if rekeyed:
        kept.rekey(pseudonym, version)
    return KeptLink(kept, tuple(link for link in links if link is not kept), rekeyed)


@dataclass(frozen=True)
class KeyUsage:
    """How many identifier links each key version holds, and so which retired keys may go."""

    current_version: int
    links: Mapping[int, int]
    held: frozenset[int]

    @classmethod
    def of(cls, keys: PseudonymKeys, counted: Mapping[int, int]) -> KeyUsage:
        links = {version: 0 for version in keys.secrets} | dict(counted)
        return cls(keys.current_version, dict(sorted(links.items())), frozenset(keys.secrets))

    @property
    def removable(self) -> tuple[int, ...]:
        """Retired keys no link uses any more."""
        return tuple(v for v, n in self.links.items() if v != self.current_version and v in self.held and n == 0)

    @property
    def missing(self) -> tuple[int, ...]:
        """Versions links still use whose key this service does not hold: those people are not recognised."""
        return tuple(v for v, n in self.links.items() if v not in self.held and n > 0)

"""Code lists: the coded values the referrals service accepts, held as data, some of them versioned.

The lists ship as JSON files inside the package (vru_referrals/code_lists) and are read once,
on first use, so a list can change (DfE revises its exclusion reasons) without a code change.
A versioned list says from which academic year each version applies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from vru_referrals.domain.errors import InvalidCode
from vru_referrals.domain.uk_calendar import academic_year_of, academic_year_start


@dataclass(frozen=True)
class Entry:
    code: str
    label: str
    attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Version:
    """One version of a list; `version` is None for a list that has only ever had one."""

    version: str | None
    valid_from_academic_year: str | None
    source: str | None
    entries: tuple[Entry, ...]

    @property
    def valid_from(self) -> date | None:
        return academic_year_start(self.valid_from_academic_year) if self.valid_from_academic_year else None

    def get(self, code: str) -> Entry | None:
        return next((e for e in self.entries if e.code == code), None)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(e.code for e in self.entries)


@dataclass(frozen=True)
class CodeList:
    name: str
    title: str
    source: str
    note: str | None
    # Oldest first.
    versions: tuple[Version, ...]

    @property
    def versioned(self) -> bool:
        return self.versions[0].version is not None

    @property
    def current(self) -> Version:
        return self.versions[-1]

    def version(self, name: str) -> Version:
        for v in self.versions:
            if v.version == name:
                return v
        known = ", ".join(str(v.version) for v in self.versions)
        raise InvalidCode(f"{self.name} has no version {name!r}; its versions are {known}")

    def version_on(self, day: date) -> Version:
        """The version in force on a day: the latest whose academic year has begun."""
        if not self.versioned:
            return self.current
        in_force = [v for v in self.versions if v.valid_from is not None and v.valid_from <= day]
        if not in_force:
            raise InvalidCode(
                f"no version of {self.name} was in force in {academic_year_of(day)}; "
                f"the first applies from {self.versions[0].valid_from_academic_year}"
            )
        return in_force[-1]

    def require(self, code: str, *, version: Version | None = None, field: str | None = None) -> Entry:
        """The entry for `code`, or InvalidCode saying where the valid codes are listed."""
        version = version or self.current
        entry = version.get(code)
        if entry is None:
            where = f"{self.name} version {version.version}" if version.version else self.name
            raise InvalidCode(
                f"{code!r} is not a code of {where}; the codes are listed at /v1/code-lists/{self.name}",
                field=field,
            )
        return entry


class Catalogue(Mapping[str, CodeList]):
    """Every code list by name."""

    def __init__(self, lists: Mapping[str, CodeList]) -> None:
        self._lists = dict(lists)

    def __getitem__(self, name: str) -> CodeList:
        return self._lists[name]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._lists))

    def __len__(self) -> int:
        return len(self._lists)

    def require(self, name: str, code: str, *, field: str | None = None) -> Entry:
        return self._lists[name].require(code, field=field)


def _entries(raw: list[dict[str, Any]]) -> tuple[Entry, ...]:
    return tuple(
        Entry(code=e["code"], label=e["label"], attributes=MappingProxyType(dict(e.get("attributes", {}))))
        for e in raw
    )


def parse(document: Mapping[str, Any]) -> CodeList:
    """A code list from its JSON document (entries, or versions each with their entries)."""
    if "versions" in document:
        versions = tuple(
            Version(v["version"], v["valid_from_academic_year"], v.get("source"), _entries(v["entries"]))
            for v in document["versions"]
        )
        starts = [v.valid_from for v in versions]
        if None in starts or starts != sorted(starts):
            raise ValueError(f"the versions of {document['name']} must be in order of the year they apply from")
    else:
        versions = (Version(None, None, None, _entries(document["entries"])),)
    for v in versions:
        if len(set(v.codes)) != len(v.codes):
            raise ValueError(f"{document['name']} has a code twice in one version")
    return CodeList(document["name"], document["title"], document["source"], document.get("note"), versions)


@cache
def catalogue() -> Catalogue:
    """The code lists shipped with the service, read once."""
    folder = resources.files("vru_referrals") / "code_lists"
    lists = {}
    for item in folder.iterdir():
        if item.name.endswith(".json"):
            code_list = parse(json.loads(item.read_text(encoding="utf-8")))
            if f"{code_list.name}.json" != item.name:
                raise ValueError(f"{item.name} holds the list {code_list.name}")
            lists[code_list.name] = code_list
    return Catalogue(lists)

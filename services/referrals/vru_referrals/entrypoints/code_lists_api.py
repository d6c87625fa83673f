"""HTTP routes of the code lists: every coded value the referrals API accepts, with labels and versions.

They hold no personal data: any valid token reads them, whatever its scopes, and reads are not audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from vru_shared.access import authenticate
from vru_shared.problems import PROBLEM_RESPONSES, Problem

from vru_referrals.domain.code_lists import CodeList, catalogue
from vru_referrals.entrypoints.deps import ACCESS_RESPONSES

router = APIRouter(prefix="/v1/code-lists", tags=["code lists"], dependencies=[Depends(authenticate)],
                   responses={**PROBLEM_RESPONSES, 401: ACCESS_RESPONSES[401]})


class VersionOut(BaseModel):
    version: str
    valid_from_academic_year: str
    valid_from: date
    source: str | None = None


class CodeListSummary(BaseModel):
    name: str
    title: str
    source: str
    # None is left out of the answers (response_model_exclude_none), so these may be absent.
    note: str | None = None
    versioned: bool
    versions: list[VersionOut] = Field(description="Oldest first; empty for a list that is not versioned.")
    current_version: str | None = None

    @classmethod
    def of(cls, code_list: CodeList) -> CodeListSummary:
        versions = [
            VersionOut(version=str(v.version), valid_from_academic_year=str(v.valid_from_academic_year),
                       valid_from=v.valid_from, source=v.source)
            for v in code_list.versions if v.version is not None
        ]
        return cls(name=code_list.name, title=code_list.title, source=code_list.source, note=code_list.note,
                   versioned=code_list.versioned, versions=versions, current_version=code_list.current.version)


class CodeListIndex(BaseModel):
    items: list[CodeListSummary]


class EntryOut(BaseModel):
    code: str
    label: str
    version: str | None = Field(default=None, description="For a versioned list: the version the entry is in.")
    attributes: dict[str, Any] | None = None


class CodeListOut(CodeListSummary):
    entries: list[EntryOut]


@router.get("", response_model=CodeListIndex, response_model_exclude_none=True)
async def list_code_lists() -> CodeListIndex:
    """Every code list, with its versions."""
    lists = catalogue()
    return CodeListIndex(items=[CodeListSummary.of(lists[name]) for name in lists])


@router.get("/{name}", response_model=CodeListOut, response_model_exclude_none=True)
async def get_code_list(name: str, version: str | None = None) -> CodeListOut:
    """The entries of one code list; for a versioned list, those of every version (or of the one asked for)."""
    lists = catalogue()
    if name not in lists:
        raise Problem(404, f"no code list {name!r}; the lists are at /v1/code-lists")
    code_list = lists[name]
    versions = code_list.versions
    if version is not None:
        matching = [v for v in versions if v.version == version]
        if not matching:
            raise Problem(404, f"{name} has no version {version!r}")
        versions = tuple(matching)
    entries = [
        EntryOut(code=e.code, label=e.label, version=v.version, attributes=dict(e.attributes) or None)
        for v in versions
        for e in v.entries
    ]
    return CodeListOut(**CodeListSummary.of(code_list).model_dump(), entries=entries)

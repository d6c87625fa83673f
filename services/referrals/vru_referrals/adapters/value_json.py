"""Value objects stored as JSON columns: the domain keeps its frozen dataclasses, the table a document."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.types import TypeDecorator

from vru_referrals.domain.source_details import DETAILS_BY_SOURCE, ReferralSource, SourceDetails


def to_document(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_document(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_document(v) for v in value]
    return value


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def from_document(kind: Any, document: Any) -> Any:
    """Rebuild a value of type `kind` (a dataclass, tuple, optional, enum, date...) from its document."""
    if document is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        present = [k for k in typing.get_args(kind) if k is not type(None)]
        return from_document(present[0], document)
    if origin is tuple:
        return tuple(from_document(typing.get_args(kind)[0], v) for v in document)
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        return kind(**{f.name: from_document(hints[f.name], document[f.name])
                       for f in dataclasses.fields(kind) if f.name in document})
    if kind is datetime:
        return datetime.fromisoformat(document)
    if kind is date:
        return date.fromisoformat(document)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(document)
    return document


class ValueDocument(TypeDecorator):
    """A column holding one kind of value object (or a tuple of them) as JSON."""

    impl = JSON
    cache_ok = True

    def __init__(self, kind: Any) -> None:
        super().__init__()
        self.kind = kind

    def process_bind_param(self, value: Any, dialect) -> Any:
        return None if value is None else to_document(value)

    def process_result_value(self, value: Any, dialect) -> Any:
        return from_document(self.kind, value)


class SourceDetailsDocument(TypeDecorator):
    """A referral's source details as JSON, tagged with the source that says which kind they are."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: SourceDetails | None, dialect) -> Any:
        if value is None:
            return None
        return {"source": value.source.value, **to_document(value)}

    def process_result_value(self, value: Any, dialect) -> SourceDetails | None:
        if value is None:
            return None
        document = dict(value)
        kind = DETAILS_BY_SOURCE[ReferralSource(document.pop("source"))]
        return from_document(kind, document)

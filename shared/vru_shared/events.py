"""The CloudEvents 1.0 envelope and the base of every integration-event contract."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class IntegrationEvent(BaseModel):
    """A fact one service publishes for others; `event_type` is its versioned public name."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_type: ClassVar[str]


class Envelope(BaseModel):
    """A CloudEvents 1.0 structured-mode event plus the correlation id of the request behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    source: str
    type: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: Literal["application/json"] = "application/json"
    # CloudEvents extension attribute names are lower-case alphanumerics only.
    correlationid: str
    data: dict[str, Any]

    @classmethod
    def wrap(cls, event: IntegrationEvent, *, source: str, correlation_id: str) -> Envelope:
        return cls(
            source=source,
            type=event.event_type,
            correlationid=correlation_id,
            data=event.model_dump(mode="json"),
        )


class UnknownEventType(LookupError):
    """No contract is registered for an envelope's type."""


_CONTRACTS: dict[str, type[IntegrationEvent]] = {}


def contract(cls: type[IntegrationEvent]) -> type[IntegrationEvent]:
    """Register a contract by its event type; two contracts may not claim one name."""
    existing = _CONTRACTS.get(cls.event_type)
    if existing is not None and existing is not cls:
        raise ValueError(f"event type {cls.event_type} is claimed twice")
    _CONTRACTS[cls.event_type] = cls
    return cls


def decode(envelope: Envelope) -> IntegrationEvent:
    """The typed contract inside an envelope."""
    try:
        model = _CONTRACTS[envelope.type]
    except KeyError:
        raise UnknownEventType(envelope.type) from None
    return model.model_validate(envelope.data)


def registered_contracts() -> dict[str, type[IntegrationEvent]]:
    return dict(_CONTRACTS)

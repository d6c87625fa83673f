"""Why a command or query could not be answered, for the entrypoints to turn into problems."""

from __future__ import annotations

import uuid


class NotFound(LookupError):
    """No such record, or one the caller's organisation may not see: the caller is told the same.

    `elsewhere` says which, for the audit trail alone.
    """

    def __init__(self, message: str, *, elsewhere: bool = False) -> None:
        super().__init__(message)
        self.elsewhere = elsewhere


class Conflict(Exception):
    pass


class UnknownOrganisation(LookupError):
    """The organisation named has not reached this service; its registration may be on its way."""

    def __init__(self, organisation_id: uuid.UUID) -> None:
        super().__init__(f"organisation {organisation_id} is not known to the interventions service")
        self.organisation_id = organisation_id

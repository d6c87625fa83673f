"""What the referrals domain refuses, and why."""

from __future__ import annotations


class InvalidReferral(ValueError):
    """Input that breaks a rule of the domain; `field` is where, as a path like "source_details/arrested_at"."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidIdentifier(InvalidReferral):
    """An identifier that fails its format or check digit."""


class InvalidCode(InvalidReferral):
    """A code that is not in its code list (or not in the version that applies)."""


class IllegalTransition(Exception):
    """The referral's current status does not allow this change."""

    def __init__(self, detail: str, *, status: str) -> None:
        super().__init__(detail)
        self.status = status


class EnrolmentNotYetSeen(Exception):
    """An enrolment ended before this service heard that it started; the message is to be retried."""


class NotEligible(Exception):
    """The programme does not take this referral; `kind` names the rule, `field` the input it concerns."""

    def __init__(self, kind: str, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.field = field

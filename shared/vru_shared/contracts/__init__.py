"""Published event contracts. Each module is owned by the service that produces its events."""

from vru_shared.contracts import interventions, referrals

__all__ = ["interventions", "referrals"]

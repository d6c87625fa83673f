"""Published event contracts. Each module is owned by the service that produces its events."""

from vru_shared.contracts import identity, interventions, referrals

__all__ = ["identity", "interventions", "referrals"]

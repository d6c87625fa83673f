"""Who may see and change a referral: the organisation that made it, and the provider organisation
that runs its programme. To any other organisation the referral does not exist."""

from __future__ import annotations

import uuid

from vru_referrals.domain.model import Referral
from vru_referrals.domain.programmes import Programme


def may_decide(referral: Referral, programme: Programme | None, organisation_id: uuid.UUID) -> bool:
    """Accept, decline or close: the provider running the referral's programme."""
    return programme is not None and programme.id == referral.programme_id and programme.run_by(organisation_id)


def may_withdraw(referral: Referral, organisation_id: uuid.UUID) -> bool:
    """Withdraw: the organisation that made the referral."""
    return referral.made_by(organisation_id)


def may_see(referral: Referral, programme: Programme | None, organisation_id: uuid.UUID) -> bool:
    return may_withdraw(referral, organisation_id) or may_decide(referral, programme, organisation_id)

"""The retention period: a young person's referrals are erased once all of them have ended and
the period has passed since the last one ended. Run daily, and by `vru retention run`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from vru_shared import logs

from vru_referrals.domain.retention import retention_ended
from vru_referrals.domain.subjects import ErasureReason
from vru_referrals.service_layer.erasure import erase_family, log_erasure
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork

log = logs.get(__name__)

SIX_YEARS_DAYS = 2190


class RetentionPolicy(BaseSettings):
    """How long ended referrals are kept: VRU_REFERRALS_RETENTION_DAYS (default 2190, six years)."""

    model_config = SettingsConfigDict(env_prefix="VRU_REFERRALS_", extra="ignore")

    retention_days: int = Field(default=SIX_YEARS_DAYS, ge=1, le=36_500)

    @property
    def period(self) -> timedelta:
        return timedelta(days=self.retention_days)


@dataclass(frozen=True)
class RetentionRun:
    subjects_erased: int
    referrals_erased: int


async def erase_expired(uow: ReferralsUnitOfWork, now: datetime, policy: RetentionPolicy) -> RetentionRun:
    """Erase every subject whose referrals all ended more than the retention period before `now`.

    Each subject is erased in a unit of work of its own, so a long run holds no lock for long and
    what it finished stays done if it stops.
    """
    if now.tzinfo is None:
        raise ValueError("now needs a time zone")

    def still_due(referrals) -> bool:
        return retention_ended(referrals, now=now, period=policy.period)

    async with uow:
        candidates = await uow.referrals.subjects_finished_before(now - policy.period)
    subjects = referrals = 0
    for subject_id in candidates:
        async with uow:
            erasure = await erase_family(uow, subject_id, ErasureReason.RETENTION, now, None, still_due=still_due)
            if erasure is None:
                continue
            await uow.commit()
        log_erasure(erasure, ErasureReason.RETENTION)
        subjects += erasure.subjects_erased
        referrals += erasure.referrals_erased
    log.info("retention run", retention_days=policy.retention_days, subjects_erased=subjects,
             referrals_erased=referrals)
    return RetentionRun(subjects_erased=subjects, referrals_erased=referrals)

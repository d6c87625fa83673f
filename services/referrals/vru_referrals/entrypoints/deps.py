"""FastAPI dependencies of the referrals API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from vru_shared.service import runtime_of

from vru_referrals.service_layer.handlers import PseudonymKey
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork


def get_uow(request: Request) -> ReferralsUnitOfWork:
    uow = runtime_of(request).uow()
    assert isinstance(uow, ReferralsUnitOfWork)
    return uow


def get_pseudonym_key(request: Request) -> PseudonymKey:
    return request.app.state.pseudonym_key


UowDep = Annotated[ReferralsUnitOfWork, Depends(get_uow)]
PseudonymKeyDep = Annotated[PseudonymKey, Depends(get_pseudonym_key)]

"""FastAPI dependencies of the outcomes API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from vru_shared.service import runtime_of

from vru_outcomes.service_layer.unit_of_work import OutcomesUnitOfWork


def get_uow(request: Request) -> OutcomesUnitOfWork:
    uow = runtime_of(request).uow()
    assert isinstance(uow, OutcomesUnitOfWork)
    return uow


UowDep = Annotated[OutcomesUnitOfWork, Depends(get_uow)]

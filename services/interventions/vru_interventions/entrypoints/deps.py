"""FastAPI dependencies of the interventions API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from vru_shared.service import runtime_of

from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork


# A coroutine: FastAPI would run a plain function in its thread pool, which costs more than it does.
async def get_uow(request: Request) -> InterventionsUnitOfWork:
    uow = runtime_of(request).uow()
    assert isinstance(uow, InterventionsUnitOfWork)
    return uow


UowDep = Annotated[InterventionsUnitOfWork, Depends(get_uow)]

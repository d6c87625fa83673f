"""FastAPI dependencies of the identity API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from vru_shared.access import requires
from vru_shared.auth import Principal
from vru_shared.service import runtime_of

from vru_identity.service_layer.authority import Authority
from vru_identity.service_layer.unit_of_work import IdentityUnitOfWork


# A coroutine: FastAPI would run a plain function in its thread pool, which costs more than it does.
async def get_uow(request: Request) -> IdentityUnitOfWork:
    uow = runtime_of(request).uow()
    assert isinstance(uow, IdentityUnitOfWork)
    return uow


async def get_authority(request: Request) -> Authority:
    return request.app.state.authority


get_caller = requires("admin")


UowDep = Annotated[IdentityUnitOfWork, Depends(get_uow)]
AuthorityDep = Annotated[Authority, Depends(get_authority)]
CallerDep = Annotated[Principal, Depends(get_caller)]

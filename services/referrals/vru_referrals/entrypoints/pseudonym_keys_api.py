"""HTTP routes for operating pseudonym key rotation (administrators): how many identifier links each
key version still holds, so an operator knows when a retired key may go, and re-keying them all."""

from __future__ import annotations

from fastapi import APIRouter

from vru_shared.problems import PROBLEM_RESPONSES

from vru_referrals.entrypoints.deps import ACCESS_RESPONSES, KeyReader, KeyRotator, PseudonymKeysDep, UowDep
from vru_referrals.entrypoints.responses import PseudonymKeysOut, RekeyingOut
from vru_referrals.service_layer.pseudonym_keys import key_usage, rekey_all

router = APIRouter(prefix="/v1/referrals/pseudonym-keys", tags=["referrals"],
                   responses={**PROBLEM_RESPONSES, **ACCESS_RESPONSES})


@router.get("", response_model=PseudonymKeysOut)
async def pseudonym_key_usage(caller: KeyReader, uow: UowDep, keys: PseudonymKeysDep) -> PseudonymKeysOut:
    """Count identifier links by pseudonym key version, and which retired keys may go (administrators)."""
    return PseudonymKeysOut.of(await key_usage(uow, keys, caller))


@router.post("/rekeying", response_model=RekeyingOut)
async def rekey_links(caller: KeyRotator, uow: UowDep, keys: PseudonymKeysDep) -> RekeyingOut:
    """Move every identifier link under a retired key onto the current key now (administrators)."""
    rekeying = await rekey_all(uow, keys, caller)
    return RekeyingOut(**PseudonymKeysOut.of(rekeying.usage).model_dump(), rekeyed=rekeying.rekeyed)

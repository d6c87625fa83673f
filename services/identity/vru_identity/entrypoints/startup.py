"""What the identity service does once its database is migrated: make sure a key signs and,
on a new embedded platform, hand the operator a first administrator client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI

from vru_shared import logs
from vru_shared.service import ServiceRuntime
from vru_shared.settings import Mode, Settings

from vru_identity.adapters.credentials_file import write_private_json
from vru_identity.service_layer.authority import Authority
from vru_identity.service_layer.handlers import IssuedClient, bootstrap_administrator
from vru_identity.service_layer.signing import ensure_signing_key
from vru_identity.service_layer.unit_of_work import IdentityUnitOfWork

log = logs.get(__name__)

ADMIN_CREDENTIALS_FILE = "admin-client.json"


def admin_credentials_path(settings: Settings) -> Path:
    return settings.data_dir / ADMIN_CREDENTIALS_FILE


def token_url(settings: Settings) -> str:
    return f"http://{settings.gateway_host}:{settings.gateway_port}/v1/auth/token"


async def start_identity(runtime: ServiceRuntime, authority: Authority) -> None:
    uow = runtime.uow()
    assert isinstance(uow, IdentityUnitOfWork)
    key = await ensure_signing_key(uow, authority)
    log.info("signing key in use", kid=key.kid)
    # The full mode never creates an administrator by itself: the operator does, with `vru admin`.
    if runtime.settings.mode is not Mode.EMBEDDED:
        return
    path = admin_credentials_path(runtime.settings)
    url = token_url(runtime.settings)

    def keep(issued: IssuedClient) -> None:
        write_private_json(
            path, {"client_id": issued.client.client_id, "client_secret": issued.secret, "token_url": url}
        )

    issued = await bootstrap_administrator(runtime.uow(), authority, keep)  # type: ignore[arg-type]
    if issued is not None:
        log.info(
            "administrator client created; its credentials are in the file named here (readable by you only)",
            path=str(path.resolve()),
            client_id=issued.client.client_id,
            get_a_token=f'curl -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials {url}',
        )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Runs inside the service runtime's own lifespan, so the migrations have been applied.
    await start_identity(app.state.runtime, app.state.authority)
    yield


# Routes none; it only adds the start-up step to the app that includes it.
router = APIRouter(lifespan=_lifespan)

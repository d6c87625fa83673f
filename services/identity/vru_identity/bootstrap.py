"""The identity service as the runtime sees it."""

from __future__ import annotations

from pathlib import Path

from vru_shared.service import ServiceSpec
from vru_shared.settings import Settings

from vru_identity.adapters import orm
from vru_identity.entrypoints import api, auth, startup
from vru_identity.service_layer.authority import Authority
from vru_identity.service_layer.handlers import SUBSCRIPTIONS
from vru_identity.service_layer.unit_of_work import IdentityUnitOfWork


def _collaborators(settings: Settings) -> dict[str, object]:
    return {"authority": Authority.from_settings(settings)}


SPEC = ServiceSpec(
    name="identity",
    title="VRU identity",
    description="Organisations, their API clients, and OAuth2 access tokens for the platform's API.",
    default_port=8004,
    metadata=orm.metadata,
    messaging=orm.messaging,
    migrations=Path(__file__).parent / "migrations",
    unit_of_work=IdentityUnitOfWork,
    routers=[auth.router, api.organisations, api.clients, startup.router],
    subscriptions=SUBSCRIPTIONS,
    start_mappers=orm.start_mappers,
    collaborators=_collaborators,
)

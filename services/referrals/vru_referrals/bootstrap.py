"""The referrals service as the runtime sees it."""

from __future__ import annotations

from pathlib import Path

from vru_shared.service import ServiceSpec
from vru_shared.settings import Settings

from vru_referrals.adapters import orm
from vru_referrals.entrypoints import api, code_lists_api
from vru_referrals.service_layer.event_handlers import SUBSCRIPTIONS
from vru_referrals.service_layer.handlers import PseudonymKey
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork


def _collaborators(settings: Settings) -> dict[str, object]:
    return {"pseudonym_key": PseudonymKey(settings.pseudonym_secret(), settings.pseudonym_key_version)}


SPEC = ServiceSpec(
    name="referrals",
    title="VRU referrals",
    description="Referrals from custody, emergency departments, schools and others, their lifecycle, "
                "and the code lists of their coded values.",
    default_port=8001,
    metadata=orm.metadata,
    messaging=orm.messaging,
    migrations=Path(__file__).parent / "migrations",
    unit_of_work=ReferralsUnitOfWork,
    routers=[api.router, code_lists_api.router],
    subscriptions=SUBSCRIPTIONS,
    start_mappers=orm.start_mappers,
    collaborators=_collaborators,
)

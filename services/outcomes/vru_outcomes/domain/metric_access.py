"""Who may read metrics at which audience, and over which programmes.

A provider sees its own programmes only, and may see them exactly (the internal audience): they
are its own young people. The VRU and administrators see every programme, but never below the
VRU's disclosure policy: exact small counts across providers would single young people out.
"""

from __future__ import annotations

from dataclasses import dataclass

from vru_shared.auth import Role


@dataclass(frozen=True)
class MetricAccess:
    audiences: tuple[str, ...]
    default_audience: str
    # Whether the caller sees only the programmes its organisation provides.
    own_programmes_only: bool


ACCESS_BY_ROLE: dict[Role, MetricAccess] = {
    Role.PROVIDER: MetricAccess(("internal", "vru", "public"), "internal", own_programmes_only=True),
    Role.VRU: MetricAccess(("vru", "public"), "vru", own_programmes_only=False),
    Role.ADMINISTRATOR: MetricAccess(("vru", "public"), "vru", own_programmes_only=False),
}
# Referrers are granted no metrics:read; should a token ever carry it, they may still ask for nothing.
NO_ACCESS = MetricAccess((), "public", own_programmes_only=True)


class AudienceNotAllowed(Exception):
    """The caller's role may not see the audience it asked for."""

    def __init__(self, role: Role, audience: str, allowed: tuple[str, ...]) -> None:
        choices = ", ".join(allowed) if allowed else "none"
        super().__init__(f"a {role.value} organisation may not ask for the {audience} audience; "
                         f"the audiences it may ask for: {choices}")
        self.allowed = allowed


def access_for(role: Role) -> MetricAccess:
    return ACCESS_BY_ROLE.get(role, NO_ACCESS)


def audience_for(role: Role, asked: str | None, known: tuple[str, ...]) -> str:
    """The audience to answer with: the role's default when none is asked for. An audience that is
    not one of `known` is left for the query to refuse as invalid input."""
    access = access_for(role)
    audience = asked if asked is not None else access.default_audience
    if audience in known and audience not in access.audiences:
        raise AudienceNotAllowed(role, audience, access.audiences)
    return audience

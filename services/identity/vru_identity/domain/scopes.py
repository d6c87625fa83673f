"""Scopes: what an access token lets its bearer do, decided by the organisation's role."""

from __future__ import annotations

import re

from vru_identity.domain.organisations import OrganisationRole

# The whole grant of each role, in the order tokens list them. A client may ask for less.
SCOPES_BY_ROLE: dict[OrganisationRole, tuple[str, ...]] = {
    OrganisationRole.REFERRER: ("referrals:read", "referrals:write", "programmes:read"),
    OrganisationRole.PROVIDER: (
        "referrals:read",
        "referrals:decide",
        "programmes:read",
        "enrolments:read",
        "enrolments:write",
        "outcomes:read",
        "outcomes:write",
        "metrics:read",
    ),
    OrganisationRole.VRU: ("metrics:read", "programmes:read"),
    OrganisationRole.ADMINISTRATOR: (
        "admin",
        "programmes:read",
        "programmes:write",
        "audit:read",
        "metrics:read",
        "subjects:erase",
    ),
}

# RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), tokens separated by one space.
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")


class InvalidScope(ValueError):
    """The requested scope is malformed or asks for more than the role allows."""


def grant(role: OrganisationRole, requested: str | None) -> tuple[str, ...]:
    """The scopes a token gets: the role's whole grant, or the part of it that was asked for."""
    allowed = SCOPES_BY_ROLE[role]
    if requested is None:
        return allowed
    tokens = requested.split(" ")
    if any(not _SCOPE_TOKEN.match(token) for token in tokens):
        raise InvalidScope("scope must be scope tokens separated by single spaces")
    beyond = sorted(set(tokens) - set(allowed))
    if beyond:
        raise InvalidScope(f"not granted to a {role.value} organisation: {' '.join(beyond)}")
    wanted = set(tokens)
    return tuple(scope for scope in allowed if scope in wanted)

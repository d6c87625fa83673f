"""The route table: which upstream service owns which public path prefix."""

from __future__ import annotations

from vru_shared.settings import Settings

# Service name -> the port it listens on when nothing else is configured.
DEFAULT_PORTS: dict[str, int] = {"referrals": 8001, "interventions": 8002, "outcomes": 8003, "identity": 8004}

ROUTES: tuple[tuple[str, str], ...] = (
    ("/v1/referrals", "referrals"),
    ("/v1/code-lists", "referrals"),
    ("/v1/programmes", "interventions"),
    ("/v1/enrolments", "interventions"),
    ("/v1/outcomes", "outcomes"),
    ("/v1/metrics", "outcomes"),
    ("/v1/auth", "identity"),
    ("/v1/organisations", "identity"),
    ("/v1/clients", "identity"),
    # Each service keeps the audit trail of the personal data it holds.
    ("/v1/audit/referrals", "referrals"),
    ("/v1/audit/interventions", "interventions"),
    ("/v1/audit/outcomes", "outcomes"),
    ("/v1/audit/identity", "identity"),
)


def service_for(path: str) -> str | None:
    """The service that owns the path: a prefix matches itself or itself followed by '/'."""
    for prefix, service in ROUTES:
        if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
            return service
    return None


def upstream_urls(settings: Settings) -> dict[str, str]:
    """The base URL of every service, without a trailing slash."""
    return {service: settings.upstream_url(service, port) for service, port in DEFAULT_PORTS.items()}

"""The route table: which upstream service owns which public path prefix."""

from __future__ import annotations

from vru_shared.settings import Settings

# Service name -> the port it listens on when nothing else is configured.
DEFAULT_PORTS: dict[str, int] = {"referrals": 8001, "interventions": 8002, "outcomes": 8003}

ROUTES: tuple[tuple[str, str], ...] = (
    ("/v1/referrals", "referrals"),
    ("/v1/code-lists", "referrals"),
    ("/v1/programmes", "interventions"),
    ("/v1/enrolments", "interventions"),
    ("/v1/outcomes", "outcomes"),
    ("/v1/metrics", "outcomes"),
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

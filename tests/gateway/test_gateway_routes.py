"""The route table."""

from __future__ import annotations

import pytest

from vru_gateway.routes import service_for, upstream_urls
from vru_shared.settings import Settings


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/v1/referrals", "referrals"),
        ("/v1/referrals/r-1/notes", "referrals"),
        ("/v1/programmes", "interventions"),
        ("/v1/enrolments/e-1", "interventions"),
        ("/v1/outcomes", "outcomes"),
        ("/v1/metrics/summary", "outcomes"),
    ],
)
def test_a_path_belongs_to_the_service_whose_prefix_it_starts_with(path: str, service: str) -> None:
    assert service_for(path) == service


@pytest.mark.parametrize("path", ["/v1/referralsx", "/v1/metric", "/v1", "/v2/referrals", "/referrals", "/"])
def test_a_prefix_matches_only_whole_path_segments(path: str) -> None:
    assert service_for(path) is None


def test_base_urls_come_from_settings_with_default_ports(tmp_path) -> None:
    settings = Settings(mode="embedded", outcomes_url="http://outcomes:9000/", data_dir=tmp_path)
    assert upstream_urls(settings) == {
        "referrals": "http://127.0.0.1:8001",
        "interventions": "http://127.0.0.1:8002",
        "outcomes": "http://outcomes:9000",
        "identity": "http://127.0.0.1:8004",
    }

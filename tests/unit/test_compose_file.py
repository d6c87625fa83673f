"""The docker-compose deployment keeps its promises: health checks, no default secrets, one public port."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
OURS = ("referrals", "interventions", "outcomes", "identity", "gateway")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_component_of_the_full_deployment_is_described_with_a_health_check():
    services = compose()["services"]
    assert set(services) >= {"postgres", "rabbitmq", *OURS}
    for name, service in services.items():
        assert "healthcheck" in service, name


def test_our_components_start_only_once_what_they_depend_on_is_healthy():
    services = compose()["services"]
    for name in OURS:
        for dependency, condition in services[name]["depends_on"].items():
            assert condition == {"condition": "service_healthy"}, (name, dependency)


def test_no_secret_has_a_default_value():
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in ("VRU_PSEUDONYM_KEY", "VRU_IDENTITY_KEY_ENCRYPTION_KEY", "POSTGRES_PASSWORD", "RABBITMQ_PASSWORD"):
        uses = re.findall(r"\$\{" + secret + r"([^}]*)\}", text)
        assert uses, secret
        assert all(use.startswith(":?") for use in uses), (secret, uses)


def test_only_the_gateway_and_the_broker_console_are_published():
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"gateway", "rabbitmq"}
    assert all(p.startswith("127.0.0.1:") for p in services["rabbitmq"]["ports"])


def test_the_rabbitmq_image_has_its_management_plugin():
    assert "management" in compose()["services"]["rabbitmq"]["image"]

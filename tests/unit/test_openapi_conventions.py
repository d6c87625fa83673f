"""Each service's OpenAPI document says what every operation needs: a token, and for POSTs an Idempotency-Key."""

from __future__ import annotations

import pytest

from vru_deploy.components import build_app
from vru_shared.bus.memory import InProcessTransport
from vru_shared.settings import SERVICES, Settings


@pytest.mark.parametrize("service", SERVICES)
def test_every_v1_operation_but_getting_a_token_requires_a_bearer_token(service, tmp_path):
    document = build_app(service, Settings(data_dir=tmp_path), InProcessTransport()).openapi()
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            public = path in ("/v1/auth/token", "/v1/auth/jwks")
            assert ("security" in operation) != public, (method, path)
            if method == "post" and not public:
                assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])

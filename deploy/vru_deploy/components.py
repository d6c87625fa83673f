"""The components of the platform and how each becomes an ASGI app."""

from __future__ import annotations

import importlib

from fastapi import FastAPI

from vru_shared.bus.base import Transport
from vru_shared.service import ServiceSpec, create_app
from vru_shared.settings import SERVICES, Settings

GATEWAY = "gateway"
COMPONENTS = (*SERVICES, GATEWAY)


def service_spec(name: str) -> ServiceSpec:
    if name not in SERVICES:
        raise ValueError(f"unknown service {name!r}; choose one of {', '.join(SERVICES)}")
    return importlib.import_module(f"vru_{name}.bootstrap").SPEC


def default_port(name: str, gateway_port: int) -> int:
    """Services listen just above the gateway: 8001, 8002, 8003 beside 8000."""
    return gateway_port if name == GATEWAY else gateway_port + 1 + SERVICES.index(name)


def build_app(name: str, settings: Settings, transport: Transport | None = None) -> FastAPI:
    if name == GATEWAY:
        from vru_gateway.app import create_app as create_gateway

        return create_gateway(settings)
    return create_app(service_spec(name), settings, transport)

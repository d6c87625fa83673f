"""Runs the gateway: `python -m vru_gateway`, configured by VRU_* environment variables."""

from __future__ import annotations

import uvicorn

from vru_gateway.app import create_app
from vru_shared import logs
from vru_shared.settings import Settings


def main() -> None:
    settings = Settings()
    logs.configure(settings.log_level, component="gateway")
    uvicorn.run(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()

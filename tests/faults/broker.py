"""Stopping and starting the local RabbitMQ application, for fault tests; always restores it."""

from __future__ import annotations

import subprocess


def _ctl(*args: str, timeout: float = 120) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, timeout=timeout, capture_output=True)


def stop() -> None:
    _ctl("stop_app")


def start() -> None:
    _ctl("start_app")
    _ctl("await_startup", "--timeout", "120")

"""Stopping and starting the local RabbitMQ application, for fault tests; always restores it."""

from __future__ import annotations

import socket
import subprocess
from contextlib import closing

AMQP_PORT = 5672


def _ctl(*args: str, timeout: float = 120) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, timeout=timeout, capture_output=True)


def stop() -> None:
    _ctl("stop_app")


def start() -> None:
    _ctl("start_app")
    _ctl("await_startup", "--timeout", "120")


def is_up() -> bool:
    """The AMQP listener answers (it closes with the application)."""
    with closing(socket.socket()) as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", AMQP_PORT)) == 0

"""Restarting the local PostgreSQL cluster, for fault tests; always leaves it running."""

from __future__ import annotations

import os
import subprocess
import time


def _cluster() -> tuple[str, str]:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".") if p.isdigit()])
    return versions[-1], "main"


def _ctl(action: str, timeout: float = 120) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *_cluster(), action],
                   check=True, timeout=timeout, capture_output=True)


def is_up() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], timeout=10).returncode == 0


def wait_up(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not is_up():
        assert time.monotonic() < deadline, f"PostgreSQL not back within {timeout}s"
        time.sleep(0.2)


def restart() -> None:
    """A fast restart: clients are disconnected, open transactions roll back."""
    _ctl("restart")
    wait_up()


def start() -> None:
    _ctl("start")
    wait_up()

"""The full mode on one machine: the gateway and each service as its own process.

It starts `vru serve <component>` for each, stops them all when told to (SIGINT or SIGTERM)
or when one of them dies, and exits with a failure in the second case.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from vru_shared import logs
from vru_shared.settings import SERVICES

from vru_deploy.components import COMPONENTS, default_port

log = logs.get(__name__)


def run_full(*, host: str, port: int, env: dict[str, str] | None = None) -> int:
    env = {**os.environ, **(env or {}), "VRU_MODE": "full"}
    for name in SERVICES:
        env.setdefault(f"VRU_{name.upper()}_URL", f"http://127.0.0.1:{default_port(name, port)}")
    children: dict[str, subprocess.Popen[bytes]] = {}
    for name in COMPONENTS:
        bind = host if name == "gateway" else "127.0.0.1"
        command = [sys.executable, "-m", "vru_deploy", "serve", name, "--host", bind,
                   "--port", str(default_port(name, port))]
        children[name] = subprocess.Popen(command, env=env)  # noqa: S603 - our own interpreter and module
        log.info("started", component=name, pid=children[name].pid)

    stopping = False

    def _stop(_sig: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    failed = None
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                failed = name
                stopping = True
                log.error("component exited; stopping the rest", component=name, code=child.returncode)
                break
        time.sleep(0.2)
    # The gateway goes first so no new request reaches a service that is shutting down.
    for name in reversed(COMPONENTS):
        if children[name].poll() is None:
            children[name].send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return 1 if failed else 0

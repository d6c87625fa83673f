"""The full mode on one machine: the gateway and each service as its own process.

It starts `vru serve <component>` for each and restarts one that dies unexpectedly, after a
short back-off that doubles with each recent restart. A component that dies more than
RESTART_LIMIT times within RESTART_WINDOW_S is not coming back by itself: then everything is
stopped and the supervisor exits with 1. SIGINT or SIGTERM stop everything (gateway first)
and exit with 0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import deque

from vru_shared import logs
from vru_shared.settings import SERVICES

from vru_deploy.components import COMPONENTS, GATEWAY, default_port

log = logs.get(__name__)

RESTART_LIMIT = 5
RESTART_WINDOW_S = 60.0
FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 5.0
STOP_GRACE_S = 15.0


class _Component:
    """One child process and the record of its recent restarts."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self._command = command
        self._env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts: deque[float] = deque()
        self.restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self._command, env=self._env)  # noqa: S603 - our own interpreter and module
        self.restart_at = None

    def died(self) -> int | None:
        """The exit code if the process has ended and no restart is pending yet."""
        if self.process is None or self.restart_at is not None:
            return None
        return self.process.poll()

    def schedule_restart(self, now: float) -> float | None:
        """When to restart, after a back-off; None when it has died too often to try again."""
        while self.restarts and now - self.restarts[0] > RESTART_WINDOW_S:
            self.restarts.popleft()
        if len(self.restarts) >= RESTART_LIMIT:
            return None
        backoff = min(FIRST_BACKOFF_S * 2 ** len(self.restarts), MAX_BACKOFF_S)
        self.restarts.append(now)
        self.restart_at = now + backoff
        return backoff

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def _command(name: str, host: str, port: int) -> list[str]:
    bind = host if name == GATEWAY else "127.0.0.1"
    return [sys.executable, "-m", "vru_deploy", "serve", name, "--host", bind, "--port", str(default_port(name, port))]


def run_full(*, host: str, port: int, env: dict[str, str] | None = None) -> int:
    env = {**os.environ, **(env or {}), "VRU_MODE": "full"}
    for name in SERVICES:
        env.setdefault(f"VRU_{name.upper()}_URL", f"http://127.0.0.1:{default_port(name, port)}")
    components = [_Component(name, _command(name, host, port), env) for name in COMPONENTS]

    stopping = False

    def _stop(_sig: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    for component in components:
        component.start()
        log.info("started", component=component.name, pid=component.process.pid)

    gave_up = None
    while not stopping:
        now = time.monotonic()
        for component in components:
            code = component.died()
            if code is not None:
                backoff = component.schedule_restart(now)
                if backoff is None:
                    gave_up = component.name
                    log.error("component keeps dying; stopping the rest", component=component.name, code=code,
                              restarts=len(component.restarts), window_s=RESTART_WINDOW_S)
                    break
                log.warning("component exited; restarting", component=component.name, code=code,
                            restart=len(component.restarts), backoff_s=backoff)
            elif component.restart_at is not None and now >= component.restart_at:
                component.start()
                log.warning("component restarted", component=component.name, pid=component.process.pid,
                            restart=len(component.restarts))
        if gave_up:
            break
        time.sleep(0.1)
    _stop_all(components)
    return 1 if gave_up else 0


def _stop_all(components: list[_Component]) -> None:
    # The gateway goes first, and is waited for, so no new request reaches a service that is
    # shutting down; then the services, together.
    gateway = [c for c in components if c.name == GATEWAY]
    _terminate(gateway)
    _terminate([c for c in components if c.name != GATEWAY])


def _terminate(components: list[_Component]) -> None:
    running = [c.process for c in components if c.running()]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

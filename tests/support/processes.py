"""Starting the platform as real processes, and waiting on it with bounded polling."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


def free_port_block(size: int = 5) -> int:
    """A port p with p .. p+size-1 all free on 127.0.0.1.

    Drawn below the kernel's ephemeral range, so outgoing connections (which take their local
    ports from that range) cannot grab one between this check and the platform's start.
    """
    low, high = 20000, 32000
    for _ in range(200):
        base = random.randint(low, high - size)
        ok = True
        for port in range(base, base + size):
            with closing(socket.socket()) as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no block of free ports")


@dataclass
class Platform:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    # Set by the fixture that started it: who acts on it, and how it was configured.
    cast: Any = None
    env: dict[str, str] = field(default_factory=dict)
    data_dir: Path | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_platform(args: list[str], env: dict[str, str], log_path: Path, port: int, timeout: float = 90) -> Platform:
    """Run `vru <args>` and wait until its gateway reports every service ready."""
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "vru_deploy", *args], env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    platform = Platform(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"platform exited with {process.returncode}:\n{platform.log()[-4000:]}")
        try:
            if httpx.get(f"{platform.url}/ready", timeout=2).status_code == 200:
                return platform
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    platform.stop()
    raise RuntimeError(f"platform not ready in {timeout}s:\n{platform.log()[-4000:]}")


def poll(fetch: Callable[[], T], done: Callable[[T], bool], *, timeout: float = 20, interval: float = 0.1) -> T:
    """Fetch until done(value) holds; fail with the last value when the time runs out."""
    deadline = time.monotonic() + timeout
    value = fetch()
    while not done(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s; last value: {value!r}")
        time.sleep(interval)
        value = fetch()
    return value

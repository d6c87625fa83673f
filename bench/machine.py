"""The machine and software a run measured, so that figures are only compared with their like."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
PACKAGES = ("fastapi", "starlette", "uvicorn", "uvloop", "httptools", "pydantic", "sqlalchemy", "asyncpg",
            "aio-pika", "aiohttp", "limits")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=REPOSITORY, capture_output=True, text=True, timeout=10)  # noqa: S603,S607
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def describe(*, postgres_version: str | None, rabbitmq_version: str | None) -> dict[str, object]:
    status = _git("status", "--porcelain")
    return {
        "cpu_model": _cpu_model(),
        "cpu_cores": os.cpu_count(),
        "cpu_cores_usable": len(os.sched_getaffinity(0)),
        "memory_mb": _memory_mb(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": postgres_version,
        "rabbitmq": rabbitmq_version,
        "git_commit": _git("rev-parse", "HEAD"),
        # Uncommitted changes mean the commit alone does not say what was measured.
        "git_dirty": bool(status) if status is not None else None,
        "packages": {name: _version(name) for name in PACKAGES},
    }


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of every CPU since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def load_average() -> list[float] | None:
    try:
        return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return None


async def idle_check(seconds: float = 3.0) -> dict[str, object]:
    """How busy the machine is before the run starts: anything else running skews every figure."""
    import asyncio

    busy0, total0 = _cpu_jiffies()
    await asyncio.sleep(seconds)
    busy1, total1 = _cpu_jiffies()
    busy = (busy1 - busy0) / max(1, total1 - total0)
    return {"cpu_busy_before_start": round(busy, 3), "load_average_before_start": load_average(),
            "idle": busy < IDLE_BELOW}


# Busier than this before the platform starts, and the figures are not the platform's alone.
IDLE_BELOW = 0.10

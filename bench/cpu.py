"""CPU time by process, read from /proc: what each part of the platform spends on one request.

Rates depend on everything else the machine does; CPU seconds per request much less so, and
they say where a ceiling comes from: on N cores, requests per second cannot exceed
N / (CPU seconds per request summed over every process that serves it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from bench.memory import components

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


def _seconds(pid: int | str) -> float:
    # utime and stime, fields 14 and 15 of /proc/<pid>/stat (after the command in parentheses).
    fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _command(pid: str) -> str:
    return (PROC / pid / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def snapshot(supervisor: int, databases: Mapping[str, str]) -> dict[str, float]:
    """CPU seconds so far of each platform process, of the PostgreSQL backends serving the
    platform's databases (by service), and of the RabbitMQ node (shared with anything else
    using the broker)."""
    found: dict[str, float] = {}
    for name, pid in components(supervisor).items():
        try:
            found[name] = _seconds(pid)
        except OSError:
            continue
    by_database = {database: service for service, database in databases.items()}
    for pid in (p.name for p in PROC.iterdir() if p.name.isdigit()):
        try:
            command = _command(pid)
            if command.startswith("postgres:"):
                # "postgres: 15/main: <user> <database> <client> <state>"
                words = command.split()
                service = by_database.get(words[3]) if len(words) > 3 else None
                if service is not None:
                    key = f"postgresql ({service})"
                    found[key] = found.get(key, 0.0) + _seconds(pid)
            elif "beam.smp" in command:
                found["rabbitmq"] = found.get("rabbitmq", 0.0) + _seconds(pid)
        except OSError:
            continue
    return found


def per_request(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request by process, and their total.

    A PostgreSQL backend that ended between the two readings takes its time with it, so those
    figures are a floor."""
    if requests <= 0:
        return {}
    spent = {name: max(0.0, after[name] - before.get(name, 0.0)) * 1000 / requests for name in after}
    spent = {name: round(ms, 3) for name, ms in sorted(spent.items(), key=lambda item: -item[1])}
    spent["total"] = round(sum(spent.values()), 3)
    return spent

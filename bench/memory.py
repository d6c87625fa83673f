"""Resident memory of each platform process, sampled from /proc while the load runs."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

PROC = Path("/proc")


def rss_mb(pid: int) -> float | None:
    """VmRSS of a live process in MiB; None once it is gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def children(parent: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The parent pid is the second field after the command name, which may hold spaces.
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def components(supervisor: int) -> dict[str, int]:
    """The processes `vru full` started, by component: its children run `vru serve <component>`."""
    found = {}
    for pid in children(supervisor):
        try:
            argv = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv]
        if "serve" in words and words.index("serve") + 1 < len(words):
            found[words[words.index("serve") + 1]] = pid
    return found


class RssSampler:
    """Samples every watched process until stopped; keeps the peak per component and per phase."""

    def __init__(self, interval_s: float = 0.25) -> None:
        self._interval_s = interval_s
        self._watched: dict[str, int] = {}
        self.phase = "idle"
        # {component: {phase: peak MiB}}
        self.peaks: dict[str, dict[str, float]] = {}
        self.last: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def watch(self, name: str, pid: int) -> None:
        self._watched[name] = pid

    def sample(self) -> None:
        for name, pid in self._watched.items():
            value = rss_mb(pid)
            if value is None:
                continue
            self.last[name] = value
            by_phase = self.peaks.setdefault(name, {})
            by_phase[self.phase] = max(by_phase.get(self.phase, 0.0), value)

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self._interval_s)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def report(self) -> dict[str, dict[str, object]]:
        return {
            name: {
                "peak_mb": round(max(phases.values()), 1),
                "peak_phase": max(phases, key=phases.__getitem__),
                "last_mb": round(self.last.get(name, 0.0), 1),
                "peak_mb_by_phase": {phase: round(mb, 1) for phase, mb in phases.items()},
            }
            for name, phases in sorted(self.peaks.items())
        }

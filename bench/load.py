"""The load generator: a process of its own, so its work is not counted against the platform's.

Run as `python -m bench.load <spec.json>`; it prints one JSON result on stdout. A spec is either
HTTP load (closed loop: `concurrency` callers each sending the next request as soon as the last
answered; open loop: requests started at a fixed `rate` whether or not earlier ones answered, the
latency counted from when each was due, so a slow server cannot hide its queue) or PostgreSQL
load (`kind: pg`: single-row INSERTs, each its own transaction, over `concurrency` connections).

Only what completes inside the measured window counts; a warm-up before it is thrown away.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent

# Replaced in a POST body template by the request's number, so every body is a new record.
SENTINEL = "@@N@@"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Window:
    """What completed between warm-up's end and the deadline."""

    def __init__(self, start: float, warmup_s: float, duration_s: float) -> None:
        self.opens = start + warmup_s
        self.closes = self.opens + duration_s
        self.duration_s = duration_s
        self.latencies: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.ok = 0
        self.accepted: list[tuple[str, float]] = []

    def record(self, began: float, finished: float, status: str, ok: bool, *, by_start: bool = False) -> bool:
        """Count a request: a closed loop counts what finished in the window, an open loop what was
        due in it (however late it finished, since its lateness is what is being measured)."""
        moment = began if by_start else finished
        if not self.opens <= moment < self.closes:
            return False
        self.statuses[status] += 1
        if ok:
            self.ok += 1
            self.latencies.append(finished - began)
        return True

    def result(self, extra: dict[str, Any]) -> dict[str, Any]:
        from bench.stats import latency_summary

        return {
            "duration_s": self.duration_s,
            "completed": sum(self.statuses.values()),
            "ok": self.ok,
            "statuses": dict(self.statuses),
            "throughput_per_s": round(self.ok / self.duration_s, 1),
            "latency": latency_summary(self.latencies),
            **extra,
        }


async def _http(spec: dict[str, Any]) -> dict[str, Any]:
    import aiohttp

    method: str = spec["method"]
    url: str = spec["url"]
    headers: dict[str, str] = spec.get("headers", {})
    template: str | None = spec.get("body")
    expect = set(spec.get("expect", [200]))
    collect = bool(spec.get("collect_ids"))
    offset = int(spec.get("first_number", 0))
    connector = aiohttp.TCPConnector(limit=spec.get("connections", 256), keepalive_timeout=4.0)
    timeout = aiohttp.ClientTimeout(total=spec.get("timeout_s", 30))
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, skip_auto_headers=("User-Agent",)) as http:
        cpu = _cpu_seconds()
        start = time.perf_counter()
        window = Window(start, spec["warmup_s"], spec["duration_s"])
        numbers = iter(range(offset, offset + 10**9))
        open_loop = spec["mode"] == "open"

        async def one(due: float) -> None:
            n = next(numbers)
            body = template.replace(SENTINEL, str(n)).encode() if template is not None else None
            try:
                async with http.request(method, url, data=body, headers=headers) as answer:
                    payload = await answer.read()
                    status = str(answer.status)
                    ok = answer.status in expect
            except (aiohttp.ClientError, TimeoutError) as exc:
                payload, status, ok = b"", type(exc).__name__, False
            finished = time.perf_counter()
            if window.record(due, finished, status, ok, by_start=open_loop) and ok and collect:
                window.accepted.append((json.loads(payload)["id"], time.time()))

        extra: dict[str, Any] = {}
        if not open_loop:

            async def caller() -> None:
                while True:
                    began = time.perf_counter()
                    if began >= window.closes:
                        return
                    await one(began)

            await asyncio.gather(*(caller() for _ in range(spec["concurrency"])))
            extra["concurrency"] = spec["concurrency"]
        else:
            rate: float = spec["rate"]
            cap: int = spec.get("max_outstanding", 2000)
            total = int(rate * (spec["warmup_s"] + spec["duration_s"]))
            outstanding: set[asyncio.Task[None]] = set()
            skipped = 0
            for i in range(total):
                due = start + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if len(outstanding) >= cap:
                    # The server is this far behind: counted, not sent, so the run stays bounded.
                    skipped += 1
                    continue
                task = asyncio.create_task(one(due))
                outstanding.add(task)
                task.add_done_callback(outstanding.discard)
            if outstanding:
                await asyncio.wait(outstanding, timeout=spec.get("timeout_s", 30))
            extra.update(offered_rate_per_s=rate, skipped_over_cap=skipped)
        extra["generator_cpu_s"] = round(_cpu_seconds() - cpu, 2)
        if collect:
            extra["accepted"] = window.accepted
        return window.result(extra)


async def _pg(spec: dict[str, Any]) -> dict[str, Any]:
    import uuid

    import asyncpg

    filler = "x" * int(spec["row_bytes"])
    pool = await asyncpg.create_pool(spec["dsn"], min_size=spec["concurrency"], max_size=spec["concurrency"])
    try:
        cpu = _cpu_seconds()
        start = time.perf_counter()
        window = Window(start, spec["warmup_s"], spec["duration_s"])

        async def inserter() -> None:
            async with pool.acquire() as connection:
                statement = await connection.prepare(spec["sql"])
                while True:
                    began = time.perf_counter()
                    if began >= window.closes:
                        return
                    try:
                        await statement.fetchval(uuid.uuid4(), filler)
                        status, ok = "inserted", True
                    except asyncpg.PostgresError as exc:
                        status, ok = type(exc).__name__, False
                    window.record(began, time.perf_counter(), status, ok)

        await asyncio.gather(*(inserter() for _ in range(spec["concurrency"])))
        return window.result({"concurrency": spec["concurrency"], "row_bytes": spec["row_bytes"],
                              "generator_cpu_s": round(_cpu_seconds() - cpu, 2)})
    finally:
        await pool.close()


async def measure(spec: dict[str, Any], *, work_dir: str) -> dict[str, Any]:
    """Run the generator in a process of its own with the spec, bounded in time, and read its result."""
    bound = spec["warmup_s"] + spec["duration_s"] + spec.get("timeout_s", 30) + 30
    return await run_module("bench.load", spec, work_dir=work_dir, bound_s=bound)


async def run_module(module: str, spec: dict[str, Any], *, work_dir: str, bound_s: float) -> dict[str, Any]:
    """Run `python -m <module> <spec file> <result file>` and read the JSON it writes; killed past
    `bound_s`. A file, not stdout: an event loop may leave stdout non-blocking, and a large result
    written to a full pipe would then be cut short."""
    path = os.path.join(work_dir, f"{module}-{time.monotonic_ns()}.json")
    result = f"{path}.result"
    await asyncio.to_thread(Path(path).write_text, json.dumps(spec))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, path, result, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=str(REPOSITORY),
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), bound_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise RuntimeError(f"{module} did not finish within {bound_s:.0f} s") from None
    if process.returncode != 0:
        raise RuntimeError(f"{module} failed ({process.returncode}): {err.decode()[-2000:]}")
    return json.loads(await asyncio.to_thread(Path(result).read_text))


def main() -> None:
    with open(sys.argv[1]) as file:
        spec = json.load(file)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # the generator is only a little slower without it
        pass
    runner = _pg if spec.get("kind") == "pg" else _http
    result = asyncio.run(runner(spec))
    Path(sys.argv[2]).write_text(json.dumps(result))


if __name__ == "__main__":
    main()

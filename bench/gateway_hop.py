"""1. The gateway hop: an authenticated GET of one referral through the gateway, against the very
same request sent straight to the referrals service.

Two comparisons. At saturation (closed loop, the same callers): throughput through the gateway
over throughput direct. At one offered rate (open loop, half the gateway's saturation rate, so
both paths can keep up): p99 through the gateway over p99 direct, since at saturation a path
that serves fewer requests shows a higher latency for that reason alone (Little's law)."""

from __future__ import annotations

import asyncio
from typing import Any

from bench import deployment as platform
from bench.load import measure
from bench.scales import Scale
from bench.stats import ratio


async def run(deployment: platform.Deployment, scale: Scale, work_dir: str, sampler: Any) -> dict[str, Any]:
    referral_id = await asyncio.to_thread(platform.make_referral, deployment)
    path = f"/v1/referrals/{referral_id}"
    targets = {"gateway": deployment.gateway + path, "direct": deployment.service_url("referrals") + path}

    def spec(url: str, **mode: Any) -> dict[str, Any]:
        # A fresh token for each run: they live five minutes.
        return {"method": "GET", "url": url, "headers": deployment.bearer("referrer"), "expect": [200],
                "warmup_s": scale.warmup_s, "duration_s": scale.duration_s, **mode}

    saturated = {}
    for name, url in targets.items():
        sampler.phase = f"hop_{name}_saturated"
        saturated[name] = await measure(spec(url, mode="closed", concurrency=scale.concurrency), work_dir=work_dir)
    rate = max(1.0, round(saturated["gateway"]["throughput_per_s"] / 2, 1))
    paced = {}
    for name, url in targets.items():
        sampler.phase = f"hop_{name}_paced"
        paced[name] = await measure(spec(url, mode="open", rate=rate), work_dir=work_dir)
    return {
        "request": "GET /v1/referrals/{id} as the referrer that made it",
        "saturated": saturated,
        "paced": {"rate_per_s": rate, **paced},
        "throughput_ratio": ratio(saturated["gateway"]["throughput_per_s"], saturated["direct"]["throughput_per_s"]),
        "p99_ratio_at_equal_rate": ratio(paced["gateway"]["latency"]["p99_ms"], paced["direct"]["latency"]["p99_ms"]),
        "p99_ratio_saturated": ratio(saturated["gateway"]["latency"]["p99_ms"],
                                     saturated["direct"]["latency"]["p99_ms"]),
    }

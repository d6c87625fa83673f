"""The platform the contract test fuzzes: `vru up` as a real process, with one organisation of each role."""

from __future__ import annotations

import pytest

from tests.support.actors import Cast, embedded_administrator
from tests.support.processes import free_port_block, start_platform


@pytest.fixture(scope="package")
def fuzzed_platform(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("contract")
    port = free_port_block()
    # Hundreds of requests a minute per client are the point here; the limits have tests of their own.
    env = {"VRU_RATE_LIMIT": "100000/minute", "VRU_RATE_LIMIT_ANONYMOUS": "100000/minute"}
    platform = start_platform(["up", "--port", str(port), "--data-dir", str(data_dir)], env,
                              data_dir / "platform.log", port)
    platform.data_dir = data_dir
    try:
        platform.cast = Cast.assemble(embedded_administrator(data_dir, platform.url))
        yield platform
    finally:
        code = platform.stop()
    assert code == 0, f"the platform did not stop cleanly:\n{platform.log()[-3000:]}"

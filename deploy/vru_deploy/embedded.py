"""The embedded mode: the gateway and all three services in one process, on one event loop,
with SQLite files in the data folder and the in-process bus."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import uvicorn

from vru_shared import logs
from vru_shared.bus.memory import InProcessTransport
from vru_shared.service import delivery_policy
from vru_shared.settings import SERVICES, Settings

from vru_deploy.components import COMPONENTS, GATEWAY, build_app, default_port

log = logs.get(__name__)


class EmbeddedStartFailed(RuntimeError):
    pass


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to the process, which stops all servers together."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


def embedded_settings(settings: Settings, port: int) -> Settings:
    """Point the gateway at the services' ports in this process."""
    upstreams = {f"{name}_url": f"http://127.0.0.1:{default_port(name, port)}" for name in SERVICES}
    return settings.model_copy(update={**upstreams, "gateway_port": port})


async def run_embedded(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    settings = embedded_settings(settings, port)
    transport = InProcessTransport(delivery_policy(settings))
    await transport.start()
    servers = []
    for name in COMPONENTS:
        # Only the gateway is public; the services listen on loopback whatever the host.
        bind = host if name == GATEWAY else "127.0.0.1"
        app = build_app(name, settings, transport)
        config = uvicorn.Config(
            app,
            host=bind,
            port=default_port(name, port),
            log_config=None,
            access_log=False,
            proxy_headers=name != GATEWAY,
            timeout_graceful_shutdown=15,
        )
        servers.append(_Server(config))

    def stop() -> None:
        for server in servers:
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    log.info("embedded platform starting", url=f"http://{host}:{port}", data_dir=str(settings.data_dir))
    tasks = [asyncio.create_task(server.serve(), name=f"serve-{name}") for name, server in zip(COMPONENTS, servers, strict=True)]
    try:
        # One component failing (a port taken, a migration refused) stops the whole platform.
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await transport.close()
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures or any(not s.started for s in servers):
        raise EmbeddedStartFailed("a component of the embedded platform failed; see the log above")

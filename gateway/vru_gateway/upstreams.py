"""The upstream services' base URLs and the one keep-alive HTTP session that reaches them."""

from __future__ import annotations

import aiohttp

from vru_gateway.routes import upstream_urls
from vru_shared.settings import Settings

POOL_SIZE = 256
# Below uvicorn's 5 s keep-alive so the pool rarely reuses a socket the upstream is closing.
KEEPALIVE_S = 4.0


class Upstreams:
    """Owns the client session; opened and closed by the gateway's lifespan."""

    def __init__(self, settings: Settings) -> None:
        self.urls = upstream_urls(settings)
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the upstream session is not open; is the app's lifespan running?")
        return self._session

    def timeout(self, total_s: float) -> aiohttp.ClientTimeout:
        """A timeout for the gateway's own short calls, never longer than a proxied request's."""
        return aiohttp.ClientTimeout(
            total=min(total_s, self._settings.upstream_timeout_s),
            sock_connect=self._settings.upstream_connect_timeout_s,
        )

    async def open(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=POOL_SIZE, keepalive_timeout=KEEPALIVE_S),
            timeout=aiohttp.ClientTimeout(
                total=self._settings.upstream_timeout_s,
                sock_connect=self._settings.upstream_connect_timeout_s,
            ),
            # The gateway relays bytes: no decoding, no cookies kept between callers,
            # and no headers the caller did not send.
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

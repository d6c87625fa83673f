"""Alembic, run from code: each service keeps its own migrations and upgrades at start-up."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

# Alembic keeps its migration context in module globals, so the services of one process
# (the embedded mode) must migrate one after another.
_IN_PROCESS = asyncio.Lock()

# Any fixed number will do: it only has to be the same for every process of the platform.
_MIGRATION_LOCK = 724_501


def alembic_config(script_location: Path, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade(engine: AsyncEngine, script_location: Path) -> None:
    """Bring the service's database to the newest revision."""

    def _run(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            # Two processes of one service starting together must not migrate at once.
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        cfg = alembic_config(script_location)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")

    async with _IN_PROCESS, engine.begin() as connection:
        await connection.run_sync(_run)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's `env.py`."""
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    # From the alembic command line (autogenerate): a synchronous engine on the configured url.
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url")
    sync_url = url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg") if url else url
    engine = create_engine(sync_url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()

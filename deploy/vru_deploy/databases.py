"""Creating each service's PostgreSQL database when it is missing (full mode, local runs)."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url


async def ensure_database(url: str) -> bool:
    """Create the database the url names if it does not exist; say whether it was created."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return False
    name = parsed.database
    admin = parsed.set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        # Identifiers cannot be bound as parameters; quote it as PostgreSQL would.
        await connection.execute(f'CREATE DATABASE "{name.replace(chr(34), chr(34) * 2)}"')
        return True
    finally:
        await connection.close()

"""Real PostgreSQL databases and RabbitMQ namespaces for tests, made fresh and removed after."""

from __future__ import annotations

import os
import uuid

import aio_pika
import asyncpg

POSTGRES = os.environ.get("VRU_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/postgres")
AMQP = os.environ.get("VRU_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")


def unique(stem: str) -> str:
    return f"{stem}{uuid.uuid4().hex[:10]}"


def asyncpg_url(database: str) -> str:
    base = POSTGRES.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{database}"


async def check_services() -> list[str]:
    """What is missing among the services the integration and system tests need."""
    missing = []
    try:
        connection = await asyncpg.connect(POSTGRES, timeout=5)
        await connection.close()
    except Exception as exc:  # noqa: BLE001 - reported to the test run as a failure
        missing.append(f"PostgreSQL at {POSTGRES}: {exc!r}")
    try:
        connection = await aio_pika.connect(AMQP, timeout=5)
        await connection.close()
    except Exception as exc:  # noqa: BLE001
        missing.append(f"RabbitMQ at {AMQP}: {exc!r}")
    return missing


async def create_database(name: str) -> str:
    connection = await asyncpg.connect(POSTGRES)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return asyncpg_url(name)


async def drop_database(name: str) -> None:
    connection = await asyncpg.connect(POSTGRES)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def delete_bus_namespace(prefix: str, services: tuple[str, ...] = ("referrals", "interventions", "outcomes", "probe")) -> None:
    connection = await aio_pika.connect(AMQP)
    try:
        channel = await connection.channel()
        names = [f"{prefix}.unrouted"]
        for service in services:
            names += [f"{prefix}.{service}", f"{prefix}.{service}.retry", f"{prefix}.{service}.dead-letter"]
        for name in names:
            await channel.queue_delete(name)
        for exchange in (f"{prefix}.events", f"{prefix}.unrouted"):
            await channel.exchange_delete(exchange)
    finally:
        await connection.close()


async def queue_depth(queue: str) -> int:
    connection = await aio_pika.connect(AMQP)
    try:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return declared.declaration_result.message_count
    finally:
        await connection.close()

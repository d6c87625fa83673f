"""Transports that carry integration events between services: RabbitMQ, or in-process."""

from vru_shared.bus.base import DeliveryPolicy, MessageCallback, PublishFailed, Transport

__all__ = ["DeliveryPolicy", "MessageCallback", "PublishFailed", "Transport"]

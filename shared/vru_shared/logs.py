"""JSON logs, one object a line, each carrying the correlation id in force."""

from __future__ import annotations

import logging
import sys

import structlog

from vru_shared.correlation import correlation_id


def _add_correlation_id(_logger, _name, event_dict):
    value = correlation_id.get()
    if value is not None:
        event_dict.setdefault("correlation_id", value)
    return event_dict


def configure(level: str = "INFO", component: str | None = None) -> None:
    """Route structlog and the standard library (uvicorn, aio-pika, sqlalchemy) to JSON on stderr."""
    shared = [
        structlog.contextvars.merge_contextvars,
        _add_correlation_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if component:
        structlog.contextvars.bind_contextvars(component=component)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # aiormq logs every frame at DEBUG; keep it quiet unless asked.
    logging.getLogger("aiormq").setLevel(max(logging.INFO, root.level))


def get(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)

# The VRU platform: one image, any component (`vru serve <name>`), the embedded mode (`vru up`) or the demo loader.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app

# Dependencies first, so source edits do not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project --no-cache

COPY shared/ shared/
COPY services/ services/
COPY gateway/ gateway/
COPY deploy/ deploy/
RUN uv sync --frozen --no-dev --no-cache

# Runs unprivileged; only the embedded mode's data folder is writable.
RUN groupadd --system --gid 10001 vru \
    && useradd --system --uid 10001 --gid vru --home-dir /app --no-create-home --shell /usr/sbin/nologin vru \
    && mkdir -p /app/data \
    && chown vru:vru /app/data
USER 10001:10001

ENV PATH="/app/.venv/bin:${PATH}"
EXPOSE 8000
ENTRYPOINT ["/app/.venv/bin/vru"]
CMD ["--help"]

"""The referrals service in process, fresh for each test; a module that wants one service for all its
tests defines its own `service` fixture, which takes precedence over this one."""

from __future__ import annotations

import pytest

from tests.unit.referrals.referrals_support import running_service


@pytest.fixture
async def service(tmp_path):
    async with running_service(tmp_path) as running:
        yield running

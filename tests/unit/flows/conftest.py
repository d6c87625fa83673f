"""The in-process platform of the flow tests, and a clean environment for each of them."""

from tests.unit.flows.flows_support import _no_vru_environment, platform, start_platform  # noqa: F401

"""Shared test setup: data checks always run on LazyFrames, no telemetry leaves the machine."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# tests log through prefect loggers outside flow runs too (redaction tests)
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
# the district's clue-id key: one per test machine, never the user's own
os.environ.setdefault(
    "HUIMIN_KEY_FILE",
    os.path.join(tempfile.gettempdir(), f"huimin-test-clue-key-{os.getuid()}"),  # noqa: PTH118
)


@pytest.fixture(autouse=True)
def _validate_data_too() -> Iterator[None]:
    """pandera checks only the schema of a LazyFrame by default; we want the data checked."""
    from pandera.config import ValidationDepth, config_context

    with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        yield


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect backend for every real flow run of the session (~15 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield

"""The deployment: its cron in Wuhan's time, and no serving on a temporary server."""

from __future__ import annotations

from pathlib import Path

import pytest

from huimin.errors import ConfigError
from huimin.flows.deployments import TIMEZONE, deployment, require_server


def test_the_deployment_fires_at_two_in_the_morning_in_wuhan(tmp_path: Path) -> None:
    made = deployment(tmp_path / "in", tmp_path / "out", "0 2 * * *")
    (schedule,) = made.schedules
    assert schedule.schedule.cron == "0 2 * * *"
    assert schedule.schedule.timezone == TIMEZONE == "Asia/Shanghai"
    assert made.parameters == {
        "input_dir": str(tmp_path / "in"),
        "output_dir": str(tmp_path / "out"),
    }


def test_serving_without_a_server_is_refused_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(updates={PREFECT_API_URL: None}), pytest.raises(ConfigError) as err:
        require_server()
    assert "prefect server start" in str(err.value)

"""Schedules: serve the district run on a cron schedule in Wuhan's time (Asia/Shanghai).

A schedule fires only on a real Prefect server (`prefect server start`, then point
PREFECT_API_URL at it); on the temporary server Prefect starts per process it would wait
forever, so serving there is refused with what to do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prefect.schedules import Cron

from huimin.errors import ConfigError
from huimin.flows.district import district_run

TIMEZONE = "Asia/Shanghai"
DEPLOYMENT = "district-nightly"
SERVER_HINT = (
    "start one with `prefect server start` (its UI is then at http://127.0.0.1:4200), then "
    "`export PREFECT_API_URL=http://127.0.0.1:4200/api` and serve again"
)


def schedule(cron: str) -> Any:
    """``cron`` read in Wuhan's time (Prefect would otherwise read it in UTC)."""
    return Cron(cron, timezone=TIMEZONE)


def deployment(input_dir: Path, output_dir: Path, cron: str = "0 2 * * *") -> Any:
    """The district job as a deployment with its schedule and parameters."""
    return district_run.to_deployment(
        name=DEPLOYMENT,
        schedule=schedule(cron),
        parameters={"input_dir": str(input_dir), "output_dir": str(output_dir)},
        tags=["huimin"],
        description="huimin: ingest, validate, apply the rules and publish the clues",
    )


def require_server() -> None:
    """Refuse when no Prefect server is configured (a schedule would never fire)."""
    if not os.environ.get("PREFECT_API_URL"):
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():
            raise ConfigError(f"flow serve: no Prefect server is configured: {SERVER_HINT}")


def serve_district(input_dir: Path, output_dir: Path, cron: str = "0 2 * * *") -> None:
    """Block and run the district job whenever ``cron`` fires (Asia/Shanghai time)."""
    from prefect import serve

    require_server()
    serve(deployment(input_dir, output_dir, cron))

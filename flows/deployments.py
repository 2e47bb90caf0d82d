"""Schedules: serve the district run with a cron schedule (needs `prefect server start`)."""

from __future__ import annotations

from pathlib import Path

from flows.district import district_run


def serve_district(input_dir: Path, output_dir: Path, cron: str = "0 2 * * *") -> None:
    """Block and run the district job whenever ``cron`` fires (Asia/Shanghai time)."""
    district_run.serve(
        name="district-nightly",
        cron=cron,
        parameters={"input_dir": str(input_dir), "output_dir": str(output_dir)},
        tags=["huimin"],
    )

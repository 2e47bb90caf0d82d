"""The Prefect wiring: task logic through .fn, one real flow run under the test harness."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from huimin.context import RunContext
from huimin.flows.district import district_run, ingest_dataset
from huimin.idnumber import make_id
from huimin.sources import discover

AS_OF = dt.date(2024, 1, 1)


def _input(folder: Path) -> Path:
    folder.mkdir(parents=True)
    person = make_id("420112", dt.date(1940, 1, 1), 1)
    (folder / "deaths.csv").write_text(
        f"公民身份号码,姓名,死亡日期,数据来源\n{person},张三,2023-05-01,公安\n"
        f"{person[:-1]}0,李四,2023-05-01,公安\n",
        encoding="utf-8",
    )
    (folder / "mystery.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return folder


def test_ingest_task_logic(tmp_path: Path) -> None:
    (source,) = discover(_input(tmp_path / "in")).sources
    result = ingest_dataset.fn(source, tmp_path / "out", RunContext(AS_OF))
    assert (result.rows_in, result.rows_valid, result.rows_quarantined) == (2, 1, 1)


@pytest.mark.flow
def test_flow_run_writes_the_manifest(tmp_path: Path, prefect_harness: None) -> None:
    manifest = district_run(_input(tmp_path / "in"), tmp_path / "out", reports=False, as_of=AS_OF)
    on_disk = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert (
        manifest["totals"]
        == on_disk["totals"]
        == {"rows_in": 2, "rows_valid": 1, "rows_quarantined": 1}
    )
    assert any("unknown dataset name 'mystery'" in e for e in manifest["errors"])
    assert manifest["exit_code"] == 2
    assert (tmp_path / "out").is_symlink(), "published in one step, like the command line's"
    assert "deaths.dead_paid" not in json.dumps(manifest["rules"]["per_rule"])


@pytest.mark.flow
def test_the_monthly_job_on_the_sample_with_its_tasks_and_artifacts(
    tmp_path: Path, prefect_harness: None
) -> None:
    """A real flow run: one task per dataset and per policy, masked artifacts, the outputs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from huimin.redact import find_full_ids

    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    state = district_run(
        sample, tmp_path / "out", period="2023-12", reports=False, return_state=True
    )
    assert state.is_completed()
    manifest = state.result()
    assert manifest["as_of"] == "2023-12-31", "the month checked decides the date judged at"
    assert (tmp_path / "out" / "clues.parquet").is_file()
    assert (tmp_path / "out" / "reports" / "index.html").is_file()
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
        artifacts = client.read_artifacts()
    names = [run.name for run in runs]
    assert sum(n.startswith("ingest ") for n in names) == 26
    assert sum(n.startswith("rules ") for n in names) == 13
    assert all(run.state is not None and run.state.is_completed() for run in runs)
    ours = [a for a in artifacts if a.flow_run_id == flow_run_id]
    assert {a.key for a in ours} >= {"huimin-run", "huimin-datasets"}
    text = json.dumps([a.data for a in ours], ensure_ascii=False, default=str)
    assert "Clues by project and street" in text and "Rules not evaluated" in text
    assert find_full_ids(text) == []
